// The part of ONNX's IR that nntrain writes, as plain structs: a model holding one graph of
// nodes, initializers (float32, int64 or string tensors) and typed inputs and outputs, and its
// serialisation to onnx.proto's wire format (field numbers of onnx.proto, IR version 7 and 8).
// Knows nothing of nntrain's models; onnx_export.cpp builds the graph.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nntrain {

// TensorProto.DataType values.
enum class OnnxType : int32_t { float32 = 1, int64 = 7, string = 8 };

// One attribute of a node; `type` says which of the values is meant (AttributeProto.type).
struct OnnxAttribute {
  enum class Kind : int32_t { float_ = 1, int_ = 2, string_ = 3, ints = 7, strings = 8 };
  std::string name;
  Kind kind = Kind::int_;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};
OnnxAttribute attr_float(std::string name, float v);
OnnxAttribute attr_int(std::string name, int64_t v);
OnnxAttribute attr_ints(std::string name, std::vector<int64_t> v);
OnnxAttribute attr_strings(std::string name, std::vector<std::string> v);

// A constant tensor (an initializer). float32 and int64 data travel as raw_data (exact
// little-endian bytes); strings as string_data.
struct OnnxTensor {
  std::string name;
  OnnxType type = OnnxType::float32;
  std::vector<int64_t> dims;
  std::string raw;                   // float32 / int64: little-endian bytes
  std::vector<std::string> strings;  // string
};
OnnxTensor tensor_float(std::string name, std::vector<int64_t> dims, const float* data);
OnnxTensor tensor_int64(std::string name, std::vector<int64_t> dims, const std::vector<int64_t>& data);
OnnxTensor tensor_strings(std::string name, std::vector<int64_t> dims, std::vector<std::string> data);

// A dimension is a number or a symbolic name ("N": the batch).
struct OnnxDim {
  int64_t value = 0;
  std::string param;  // used when not empty
};

// A named, typed value: a graph input, output or an annotated intermediate (value_info).
struct OnnxValueInfo {
  std::string name;
  OnnxType type = OnnxType::float32;
  std::vector<OnnxDim> shape;
  std::string doc_string;
};

struct OnnxNode {
  std::string op_type;
  std::string domain;  // "" = ai.onnx; "ai.onnx.ml" for the ML operators
  std::string name;
  std::vector<std::string> inputs, outputs;
  std::vector<OnnxAttribute> attributes;
};

struct OnnxGraph {
  std::string name;
  std::vector<OnnxNode> nodes;  // in a topological order
  std::vector<OnnxTensor> initializers;
  std::vector<OnnxValueInfo> inputs, outputs, value_info;
};

struct OnnxModel {
  int64_t ir_version = 8;
  std::vector<std::pair<std::string, int64_t>> opsets;  // (domain, version); "" = ai.onnx
  std::string producer_name, producer_version, doc_string;
  OnnxGraph graph;
  std::vector<std::pair<std::string, std::string>> metadata;  // metadata_props, in order
};

// ModelProto bytes, every message's fields in field-number order (as protobuf writes them),
// so the same model always gives the same bytes.
std::string encode_onnx(const OnnxModel& model);

// The same for one message (AttributeProto, TensorProto, ValueInfoProto, NodeProto): the
// pieces encode_onnx nests, for tests.
std::string encode_attribute(const OnnxAttribute& a);
std::string encode_tensor(const OnnxTensor& t);
std::string encode_value_info(const OnnxValueInfo& v);
std::string encode_node(const OnnxNode& n);

}  // namespace nntrain
