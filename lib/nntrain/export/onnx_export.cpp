// nntrain model -> ONNX graph; see onnx_export.h for the inputs and outputs.
// Graph values are named after what they hold; every internal name contains a '.', so none can
// collide with an input (a C identifier) or an output (label, probabilities, prediction).
#include "nntrain/export/onnx_export.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "nntrain/core/error.h"
#include "nntrain/run/safetensors.h"

namespace nntrain {

namespace {

using nlohmann::ordered_json;

const OnnxDim kBatch{0, "N"};  // the symbolic batch dimension of every input and output

OnnxDim dim(size_t n) { return {static_cast<int64_t>(n), ""}; }

// Appends nodes and initializers to a graph; shared scalar constants are added once.
struct GraphBuilder {
  OnnxGraph& g;

  // Adds a node with one output, named `out` (the node takes its output's name); returns it.
  std::string node(std::string op, std::vector<std::string> in, std::string out, std::vector<OnnxAttribute> attrs = {},
                   std::string domain = "") {
    g.nodes.push_back({std::move(op), std::move(domain), out, std::move(in), {out}, std::move(attrs)});
    return out;
  }
  std::string scalar(const std::string& name, float v) {  // a 0-d float32 constant
    for (const auto& t : g.initializers)
      if (t.name == name) return name;
    g.initializers.push_back(tensor_float(name, {}, &v));
    return name;
  }
};

// Every class label an integer as written ("0", "-3"; not "1.0", "01" or "+2"): int64 labels
// then print as predict prints them. Fills `values`.
bool integer_labels(const Preprocessing& p, std::vector<int64_t>& values) {
  if (!p.classes_numeric) return false;
  for (const auto& c : p.classes) {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), v);
    if (ec != std::errc() || end != c.data() + c.size() || std::to_string(v) != c) return false;
    values.push_back(v);
  }
  return true;
}

// The graph inputs (numeric `input`, one string input per categorical column) and the nodes
// that turn them into the model's encoded [N, W] input, in its feature order. Returns that
// value's name; `input_names` gets each categorical column's input name.
std::string add_inputs(GraphBuilder& b, const Preprocessing& p, std::vector<std::string>& input_names) {
  const size_t numeric = p.features.size() - p.categorical.size();
  std::set<std::string> taken = {"input", "label", "probabilities", "prediction"};
  std::vector<std::string> pieces;  // concatenated in this order: input, then each encoder's output
  std::vector<int64_t> first_column;  // per categorical column: its first column in the concatenation
  if (numeric > 0) {
    b.g.inputs.push_back({"input", OnnxType::float32, {kBatch, dim(numeric)},
                          "numeric features in training order (raw values; the standardization is in the graph)"});
    pieces.push_back("input");
  }
  int64_t width = static_cast<int64_t>(numeric);
  for (const auto& c : p.categorical) {
    std::string name = onnx_identifier(c.name);
    for (int k = 2; taken.count(name); ++k) name = onnx_identifier(c.name) + "_" + std::to_string(k);
    taken.insert(name);
    input_names.push_back(name);
    const auto n = static_cast<int64_t>(c.categories.size());
    b.g.inputs.push_back({name, OnnxType::string, {kBatch, dim(1)}, "categorical column '" + c.name + "'"});
    // OneHotEncoder gives [N, 1, C] (input shape + categories); onnx 1.12 cannot infer it.
    const std::string onehot = "onehot." + name;
    b.node("OneHotEncoder", {name}, onehot, {attr_strings("cats_strings", c.categories), attr_int("zeros", 1)},
           "ai.onnx.ml");
    b.g.value_info.push_back({onehot, OnnxType::float32, {kBatch, dim(1), dim(c.categories.size())}, ""});
    b.g.initializers.push_back(tensor_int64(onehot + ".shape", {2}, {0, n}));  // 0: keep N
    pieces.push_back(b.node("Reshape", {onehot, onehot + ".shape"}, onehot + ".2d"));
    first_column.push_back(width);
    width += n;
  }
  // order[j]: the concatenation's column of encoded column j (categorical columns are listed
  // in feature order, as the dataset encodes them).
  std::vector<int64_t> order;
  int64_t numeric_seen = 0;
  size_t ci = 0;
  for (const auto& f : p.features) {
    if (ci < p.categorical.size() && p.categorical[ci].name == f) {
      for (size_t k = 0; k < p.categorical[ci].categories.size(); ++k) order.push_back(first_column[ci] + int64_t(k));
      ++ci;
    } else {
      order.push_back(numeric_seen++);
    }
  }
  if (pieces.size() == 1) return pieces[0];
  std::string x = b.node("Concat", pieces, "features.concat", {attr_int("axis", 1)});
  bool identity = true;
  for (size_t j = 0; j < order.size(); ++j) identity = identity && order[j] == static_cast<int64_t>(j);
  if (identity) return x;
  // Numeric and categorical features interleave: one Gather puts the columns in feature order.
  b.g.initializers.push_back(tensor_int64("features.order", {static_cast<int64_t>(order.size())}, order));
  return b.node("Gather", {x, "features.order"}, "features.encoded", {attr_int("axis", 1)});
}

// The activation of sequential index `idx` on x; the result is named `out`.
std::string add_activation(GraphBuilder& b, const LayerSpec& l, const std::string& x, size_t idx, std::string out) {
  const std::string at = "layers." + std::to_string(idx);
  if (l.activation == "relu") return b.node("Relu", {x}, out);
  if (l.activation == "tanh") return b.node("Tanh", {x}, out);
  if (l.activation == "sigmoid") return b.node("Sigmoid", {x}, out);
  if (l.activation == "softmax") return b.node("Softmax", {x}, out, {attr_int("axis", 1)});
  if (l.activation == "leaky_relu")
    return b.node("LeakyRelu", {x}, out, {attr_float("alpha", static_cast<float>(l.negative_slope))});
  if (l.activation == "gelu") {
    // The exact erf form x·(1 + erf(x/√2))/2, as PyTorch exports it below opset 20 (which has
    // Gelu); never the tanh approximation.
    const std::string d = b.node("Div", {x, b.scalar("const.sqrt2", static_cast<float>(std::sqrt(2.0)))}, at + ".div");
    const std::string e = b.node("Erf", {d}, at + ".erf");
    const std::string a = b.node("Add", {e, b.scalar("const.one", 1.0f)}, at + ".add");
    const std::string m = b.node("Mul", {x, a}, at + ".mul");
    return b.node("Mul", {m, b.scalar("const.half", 0.5f)}, out);
  }
  throw ModelFileError("cannot export to ONNX: unknown activation '" + l.activation + "'");
}

// Each layer as Gemm(transB=1) with the stored [out, in] weight, then its activation; dropout
// is an identity at inference and is left out. The last value is named `out`.
std::string add_layers(GraphBuilder& b, const LoadedModel& m, const Network& net, std::string x, const std::string& out) {
  const auto& layers = m.meta.architecture;
  const auto& params = net.parameters();
  if (params.size() != 2 * layers.size()) throw ModelFileError("cannot export to ONNX: unexpected parameter list");
  size_t idx = 0;  // the nn.Sequential index, as in the tensor names
  for (size_t k = 0; k < layers.size(); ++k) {
    const ParamInfo& w = params[2 * k];
    const ParamInfo& bias = params[2 * k + 1];
    const std::string at = "layers." + std::to_string(idx);
    if (w.name != at + ".weight" || bias.name != at + ".bias")
      throw ModelFileError("cannot export to ONNX: tensor '" + w.name + "' where '" + at + ".weight' was expected");
    b.g.initializers.push_back(tensor_float(w.name, {int64_t(w.shape[0]), int64_t(w.shape[1])}, net.params() + w.offset));
    b.g.initializers.push_back(tensor_float(bias.name, {int64_t(bias.shape[0])}, net.params() + bias.offset));
    const bool last = k + 1 == layers.size();
    const bool act = layers[k].activation != "identity";
    x = b.node("Gemm", {x, w.name, bias.name}, last && !act ? out : at + ".out", {attr_int("transB", 1)});
    ++idx;
    if (act) {
      x = add_activation(b, layers[k], x, idx, last ? out : "layers." + std::to_string(idx) + ".out");
      ++idx;
    }
    if (layers[k].dropout > 0) ++idx;
  }
  return x;
}

// label, probabilities (classification) or prediction (regression) from the network output.
void add_outputs(GraphBuilder& b, const Preprocessing& p, size_t width) {
  if (p.task == Task::regression) {
    b.g.outputs.push_back({"prediction", OnnxType::float32, {kBatch, dim(width)}, "one column per target"});
    return;
  }
  if (p.task == Task::binary) {  // one sigmoid unit p = P(second class): [1 - p, p]
    const std::string q = b.node("Sub", {b.scalar("const.one", 1.0f), "probabilities.p1"}, "probabilities.p0");
    b.node("Concat", {q, "probabilities.p1"}, "probabilities", {attr_int("axis", 1)});
  }
  std::vector<int64_t> ints;
  const bool int_labels = integer_labels(p, ints);
  const int64_t n = static_cast<int64_t>(p.classes.size());
  b.g.initializers.push_back(int_labels ? tensor_int64("label.classes", {n}, ints)
                                        : tensor_strings("label.classes", {n}, p.classes));
  // ArgMax keeps the first of equal values, as predict does (and p > 0.5 for binary).
  b.node("ArgMax", {"probabilities"}, "label.index", {attr_int("axis", 1), attr_int("keepdims", 0)});
  b.node("Gather", {"label.classes", "label.index"}, "label", {attr_int("axis", 0)});
  b.g.outputs.push_back({"label", int_labels ? OnnxType::int64 : OnnxType::string, {kBatch}, "the predicted class"});
  b.g.outputs.push_back({"probabilities", OnnxType::float32, {kBatch, dim(p.classes.size())},
                         "one probability per class, in the order of the metadata's classes"});
}

ordered_json architecture_json(const std::vector<LayerSpec>& layers) {
  ordered_json a = ordered_json::array();
  for (const auto& l : layers) {
    ordered_json j = {{"units", l.units}, {"activation", l.activation}};
    if (l.activation == "leaky_relu") j["negative_slope"] = l.negative_slope;
    if (l.dropout > 0) j["dropout"] = l.dropout;
    a.push_back(j);
  }
  return a;
}

// metadata_props: what a caller needs to feed the graph and read its outputs.
std::vector<std::pair<std::string, std::string>> metadata(const LoadedModel& m, const std::vector<std::string>& inputs,
                                                          const std::string& checksum) {
  const Preprocessing& p = m.meta.prep;
  ordered_json numeric = ordered_json::array(), cats = ordered_json::array();
  for (const auto& f : p.features)
    if (std::none_of(p.categorical.begin(), p.categorical.end(), [&](const CategoricalColumn& c) { return c.name == f; }))
      numeric.push_back(f);
  for (size_t i = 0; i < p.categorical.size(); ++i)
    cats.push_back({{"input", inputs[i]}, {"column", p.categorical[i].name}, {"categories", p.categorical[i].categories}});
  std::vector<int64_t> ints;
  std::vector<std::pair<std::string, std::string>> md = {
      {"task", task_name(p.task)},
      {"features", ordered_json(p.features).dump()},
      {"numeric_features", numeric.dump()},
      {"categorical_inputs", cats.dump()},
      {"unknown_category", p.unknown_category},
      {"standardize", p.standardize ? "true" : "false"},
      {"target", ordered_json(p.target).dump()},
  };
  if (p.task != Task::regression) {
    md.emplace_back("classes", ordered_json(p.classes).dump());
    md.emplace_back("label_type", integer_labels(p, ints) ? "int64" : "string");
  }
  md.emplace_back("architecture", architecture_json(m.meta.architecture).dump());
  md.emplace_back("source_checksum", checksum);
  md.emplace_back("source_nntrain_version", m.meta.nntrain_version);
  return md;
}

std::string doc_string(const Preprocessing& p, const std::vector<std::string>& inputs, size_t width) {
  const size_t numeric = p.features.size() - p.categorical.size();
  std::string d = "nntrain " + std::string(task_name(p.task)) + " model. Inputs: ";
  if (numeric > 0)
    d += "'input' float32 [N, " + std::to_string(numeric) +
         "], the numeric features in the order of metadata 'numeric_features', raw values (the graph standardizes)";
  for (size_t i = 0; i < inputs.size(); ++i)
    d += std::string(i || numeric ? "; " : "") + "'" + inputs[i] + "' string [N, 1], column '" + p.categorical[i].name +
         "' (an unseen category encodes as all zeros)";
  if (p.task == Task::regression) {
    d += ". Output: 'prediction' float32 [N, " + std::to_string(width) + "], one column per target.";
  } else {
    d += ". Outputs: 'label' [N], the predicted class; 'probabilities' float32 [N, " + std::to_string(p.classes.size()) +
         "], one per class in the order of metadata 'classes'.";
  }
  if (!p.categorical.empty() && p.unknown_category == "error")
    d += " The model was trained with data.unknown_category: error, so nntrain predict refuses an unseen category; "
         "this graph cannot raise one and encodes it as all zeros: check categories before calling it.";
  return d;
}

}  // namespace

std::string onnx_identifier(const std::string& column) {
  std::string s;
  for (char c : column) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    s.push_back(ok ? c : '_');
  }
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) s.insert(s.begin(), '_');
  return s;
}

OnnxModel onnx_from_model(const LoadedModel& m, const std::string& source_checksum, const OnnxExportOptions& o,
                          std::vector<std::string>* warnings) {
  if (o.opset != 13 && o.opset != 17)
    throw ConfigError("--opset " + std::to_string(o.opset) + " is not supported (expected 13 or 17)");
  const Preprocessing& p = m.meta.prep;
  const std::unique_ptr<Network> net = build_network(m, 1);

  OnnxModel model;
  model.ir_version = o.opset == 17 ? 8 : 7;
  model.opsets = {{"", o.opset}};
  if (!p.categorical.empty()) model.opsets.emplace_back("ai.onnx.ml", 1);
  model.producer_name = "nntrain";
  model.producer_version = NNTRAIN_VERSION;
  model.graph.name = "nntrain";
  GraphBuilder b{model.graph};

  std::vector<std::string> inputs;
  std::string x = add_inputs(b, p, inputs);
  if (p.standardize) {  // exactly predict's (x - mean) / scale, on the stored float32 values
    b.g.initializers.push_back(tensor_float("standardize.mean", {int64_t(p.mean.size())}, p.mean.data()));
    b.g.initializers.push_back(tensor_float("standardize.scale", {int64_t(p.scale.size())}, p.scale.data()));
    x = b.node("Sub", {x, "standardize.mean"}, "standardize.centred");
    x = b.node("Div", {x, "standardize.scale"}, "standardize.out");
  }
  const char* net_out = p.task == Task::regression ? "prediction"
                        : p.task == Task::binary   ? "probabilities.p1"
                                                   : "probabilities";
  add_layers(b, m, *net, x, net_out);
  add_outputs(b, p, net->out_features());
  model.doc_string = doc_string(p, inputs, net->out_features());
  model.metadata = metadata(m, inputs, source_checksum);
  if (warnings && !p.categorical.empty() && p.unknown_category == "error")
    warnings->push_back("the model was trained with data.unknown_category: error, but an ONNX graph cannot raise: "
                        "it encodes an unseen category as all zeros (said in its doc_string too)");
  return model;
}

OnnxExport export_onnx(const std::string& model_path, const OnnxExportOptions& o) {
  const std::string bytes = read_binary_file(model_path);
  const LoadedModel m = decode_model(bytes, model_path);
  const std::string checksum = safetensors_decode(bytes, model_path, /*require_checksums=*/true).metadata.at(kChecksumKey);
  OnnxExport out;
  out.bytes = encode_onnx(onnx_from_model(m, checksum, o, &out.warnings));
  return out;
}

}  // namespace nntrain
