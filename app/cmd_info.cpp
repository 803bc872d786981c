// `nntrain info`: loads a model file (fully verified: a bad file is exit 4) and prints what it
// holds, as text or as one JSON object. The layer listing is the network's own summary.
#include "cmd_info.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "nntrain/run/model_file.h"

CLI::App* setup_info(CLI::App& app, InfoOptions& o) {
  CLI::App* sub = app.add_subcommand("info", "Show a model file's architecture, features, classes and preprocessing");
  sub->add_option("MODEL", o.model, "a model.bin written by nntrain fit")->required();
  sub->add_flag("--json", o.json, "print one JSON object instead of text");
  return sub;
}

namespace {

using nlohmann::ordered_json;

const char* task_text(nntrain::Task t) {
  switch (t) {
    case nntrain::Task::binary: return "binary";
    case nntrain::Task::multiclass: return "multiclass";
    case nntrain::Task::regression: return "regression";
  }
  return "?";
}

std::string joined(const std::vector<std::string>& v, size_t max_items = 20) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > max_items) s += ", ... (" + std::to_string(v.size() - max_items) + " more)";
  return s;
}

ordered_json loss_json(const nntrain::LossConfig& l) {
  ordered_json j = {{"name", l.name}};
  if (l.pos_weight) j["pos_weight"] = *l.pos_weight;
  if (l.class_weights_balanced) j["class_weights"] = "balanced";
  else if (!l.class_weights.empty()) j["class_weights"] = l.class_weights;
  if (l.name == "huber") j["delta"] = l.delta;
  return j;
}

// FILE.bin -> FILE.onnx (FILE.onnx appended to other names), for the export hint.
std::string onnx_name(const std::string& model) {
  const std::string bin = ".bin";
  if (model.size() > bin.size() && model.compare(model.size() - bin.size(), bin.size(), bin) == 0)
    return model.substr(0, model.size() - bin.size()) + ".onnx";
  return model + ".onnx";
}

// The device of the run's last session: the GPU's name (metadata "device"), else the CPU.
std::string trained_on(const nntrain::ModelMeta& meta) {
  const auto it = meta.extra.find("device");
  return it == meta.extra.end() ? "cpu" : it->second;
}

}  // namespace

int run_info(const InfoOptions& o) {
  using namespace nntrain;
  const LoadedModel m = load_model(o.model);
  const auto net = build_network(m, 1);
  const Preprocessing& p = m.meta.prep;

  if (o.json) {
    ordered_json j;
    j["file"] = o.model;
    j["format"] = "nntrain";
    j["format_version"] = kModelFormatVersion;
    j["nntrain_version"] = m.meta.nntrain_version;
    j["task"] = task_text(p.task);
    j["loss"] = loss_json(m.meta.loss);
    j["target"] = p.target;
    j["features"] = p.features;
    j["inputs"] = p.input_width();
    j["outputs"] = net->out_features();
    j["classes"] = p.classes;
    ordered_json cat = ordered_json::array();
    for (const auto& c : p.categorical) cat.push_back({{"name", c.name}, {"categories", c.categories}});
    j["categorical"] = cat;
    j["unknown_category"] = p.unknown_category;
    j["standardize"] = {{"enabled", p.standardize}, {"mean", p.mean}, {"scale", p.scale}};
    ordered_json layers = ordered_json::array();
    for (const auto& l : m.meta.architecture) {
      ordered_json lj = {{"units", l.units}, {"activation", l.activation}};
      if (l.activation == "leaky_relu") lj["negative_slope"] = l.negative_slope;
      if (l.dropout > 0) lj["dropout"] = l.dropout;
      layers.push_back(lj);
    }
    j["architecture"] = layers;
    ordered_json tensors = ordered_json::array();
    for (const auto& t : m.tensors) tensors.push_back({{"name", t.name}, {"shape", t.shape}});
    j["tensors"] = tensors;
    j["parameters"] = net->num_params();
    j["device"] = trained_on(m.meta);
    if (!m.meta.extra.empty()) j["metadata"] = m.meta.extra;
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }

  std::printf("model: %s\n", o.model.c_str());
  std::printf("format: nntrain model (safetensors), format_version %d, written by nntrain %s\n", kModelFormatVersion,
              m.meta.nntrain_version.c_str());
  std::string loss = m.meta.loss.name;
  if (m.meta.loss.pos_weight) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (pos_weight %g)", *m.meta.loss.pos_weight);
    loss += buf;
  }
  if (m.meta.loss.name == "huber") {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (delta %g)", m.meta.loss.delta);
    loss += buf;
  }
  if (m.meta.loss.class_weights_balanced) loss += " (class_weights balanced)";
  std::printf("task: %s, loss %s\n", task_text(p.task), loss.c_str());
  std::printf("target: %s\n", joined(p.target).c_str());
  if (p.task != Task::regression)
    std::printf("classes (%zu, in output order): %s\n", p.classes.size(), joined(p.classes).c_str());
  std::printf("features (%zu): %s\n", p.features.size(), joined(p.features).c_str());
  std::printf("preprocessing: %s", p.standardize ? "standardized (z-score with the training split's mean and "
                                                   "standard deviation, stored in the model)"
                                                 : "no standardization");
  std::printf("\n");
  for (const auto& c : p.categorical)
    std::printf("  categorical %s: one-hot over %zu categories: %s (unknown: %s)\n", c.name.c_str(),
                c.categories.size(), joined(c.categories).c_str(), p.unknown_category.c_str());
  std::printf("architecture:\n%s", net->summary().c_str());
  std::printf("trained on: %s\n", trained_on(m.meta).c_str());
  for (const auto& [k, v] : m.meta.extra)
    if (k != "device") std::printf("metadata %s: %s\n", k.c_str(), v.c_str());
  std::printf("export: nntrain export %s -o %s  (ONNX, preprocessing and labels inside; --opset 13 for older runtimes)\n",
              o.model.c_str(), onnx_name(o.model).c_str());
  return 0;
}
