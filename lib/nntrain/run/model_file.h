// model.bin: safetensors (u64 LE header length, JSON header, LE float32 tensors) with the
// state_dict names of the equivalent PyTorch nn.Sequential and nntrain's metadata.
// Reading never trusts the file: everything is verified before use (ModelFileError, exit 4).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nntrain/core/config.h"
#include "nntrain/data/dataset.h"
#include "nntrain/core/network.h"

namespace nntrain {

constexpr int kModelFormatVersion = 1;

struct Tensor {
  std::string name;
  std::vector<size_t> shape;
  std::vector<float> data;
};

// What a model file says besides its tensors.
struct ModelMeta {
  std::vector<LayerSpec> architecture;
  LossConfig loss;
  Preprocessing prep;
  std::string nntrain_version;
  std::map<std::string, std::string> extra;  // further __metadata__ entries, kept as read
};

struct LoadedModel {
  ModelMeta meta;
  std::vector<Tensor> tensors;  // in file order
};

// safetensors bytes for a network: deterministic (no timestamps, no paths; JSON keys sorted,
// tensors in state_dict order), checksum = crc32 of everything after the header, and
// header_checksum = crc32 of the canonical header JSON without that entry (safetensors.h), so
// that any changed byte is detected.
//
// __metadata__ (string values; JSON text where structured):
//   format "nntrain", format_version "1", nntrain_version,
//   architecture  [{"units":64,"activation":"relu","negative_slope":0.01,"dropout":0.0}, ...]
//   loss          {"name":"bce","pos_weight":null,"delta":1.0,"class_weights":{},"class_weights_balanced":false,"long_form":false}
//   task          binary | multiclass | regression
//   target, features, classes   JSON lists of strings; classes_numeric "true" | "false"
//   standardize   {"enabled":true,"mean":[...],"scale":[...]} one per encoded input column
//   categorical   [{"name":"color","categories":["blue","red"]}, ...]; unknown_category error | ignore
//   checksum, header_checksum   "crc32:" + 8 lowercase hex digits
std::string encode_model(const Network& net, const ModelMeta& meta);
// The same from tensors given by hand (tests, fuzz seeds, conversions): written in the given
// order; decode_model checks them against the architecture, this does not.
std::string encode_model(const std::vector<Tensor>& tensors, const ModelMeta& meta);
// encode_model + write_file_atomic.
void save_model(const std::string& path, const Network& net, const ModelMeta& meta);

// Reads and verifies: header length, JSON, dtypes, offsets, shapes against the architecture,
// checksum, format and version. `name` is used in error messages.
LoadedModel decode_model(const std::string& bytes, const std::string& name);
LoadedModel load_model(const std::string& path);

// A network with the model's architecture and weights, for predict/evaluate.
std::unique_ptr<Network> build_network(const LoadedModel& model, size_t max_batch);

// model.init_from: copy tensors by name into `net`; every parameter of `net` must be present
// with the same shape (ModelFileError otherwise). Accepts nntrain files and plain safetensors
// saved from PyTorch (no nntrain metadata, no checksum needed).
void load_weights_into(Network& net, const std::string& path);

}  // namespace nntrain
