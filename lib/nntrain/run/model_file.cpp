// model.bin (see model_file.h): nntrain's metadata on top of the safetensors container, and
// the checks that a decoded file describes a network its tensors can fill. Not the container
// itself (safetensors.cpp), not the run directory.
#include "nntrain/run/model_file.h"

#include <climits>
#include <cmath>
#include <cstring>
#include <set>

#include "nntrain/run/atomic_file.h"
#include "nntrain/core/error.h"
#include "nntrain/run/safetensors.h"

namespace nntrain {

namespace {

using nlohmann::json;

const char* kTaskNames[] = {"binary", "multiclass", "regression"};

const char* task_text(Task t) {
  switch (t) {
    case Task::binary: return kTaskNames[0];
    case Task::multiclass: return kTaskNames[1];
    case Task::regression: return kTaskNames[2];
  }
  return "?";
}

Task task_of_loss(const std::string& loss) {
  if (loss == "bce") return Task::binary;
  if (loss == "cross_entropy") return Task::multiclass;
  return Task::regression;
}

// The metadata keys this file writes; anything else read back goes to ModelMeta::extra.
const std::set<std::string>& known_keys() {
  static const std::set<std::string> k = {
      "format", "format_version", "architecture", "loss", "task", "target", "features", "standardize",
      "categorical", "unknown_category", "classes", "classes_numeric", "nntrain_version",
      kChecksumKey, kHeaderChecksumKey};
  return k;
}

json architecture_json(const std::vector<LayerSpec>& layers) {
  json a = json::array();
  for (const auto& l : layers)
    a.push_back({{"units", l.units}, {"activation", l.activation}, {"negative_slope", l.negative_slope},
                 {"dropout", l.dropout}});
  return a;
}

json loss_json(const LossConfig& l) {
  json j = {{"name", l.name}, {"delta", l.delta}, {"long_form", l.long_form},
            {"class_weights_balanced", l.class_weights_balanced}, {"class_weights", l.class_weights}};
  j["pos_weight"] = l.pos_weight ? json(*l.pos_weight) : json(nullptr);
  return j;
}

// state_dict names in nn.Sequential order for an architecture (Linear, activation, Dropout).
struct ExpectedParam {
  std::string name;
  std::vector<size_t> shape;
};
std::vector<ExpectedParam> expected_params(const std::vector<LayerSpec>& layers, size_t in_features) {
  std::vector<ExpectedParam> out;
  size_t idx = 0, in = in_features;
  for (const auto& l : layers) {
    const size_t units = static_cast<size_t>(l.units);
    out.push_back({"layers." + std::to_string(idx) + ".weight", {units, in}});
    out.push_back({"layers." + std::to_string(idx) + ".bias", {units}});
    ++idx;
    if (l.activation != "identity") ++idx;
    if (l.dropout > 0) ++idx;
    in = units;
  }
  return out;
}

std::string shape_str(const std::vector<size_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Readers of metadata values: each throws ModelFileError naming the file and the key.
struct MetaReader {
  const std::string& file;
  const std::map<std::string, std::string>& md;

  [[noreturn]] void bad(const std::string& key, const std::string& what) const {
    throw ModelFileError(file + ": __metadata__ '" + key + "' " + what);
  }
  const std::string& text(const std::string& key) const {
    auto it = md.find(key);
    if (it == md.end()) throw ModelFileError(file + ": __metadata__ lacks '" + key + "'");
    return it->second;
  }
  json parsed(const std::string& key) const { return parse_metadata_json(text(key), file, key); }
  std::vector<std::string> string_list(const std::string& key) const {
    json j = parsed(key);
    if (!j.is_array()) bad(key, "is not a list of strings");
    std::vector<std::string> out;
    for (const auto& v : j) {
      if (!v.is_string()) bad(key, "is not a list of strings");
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  bool boolean(const std::string& key) const {
    const std::string& t = text(key);
    if (t == "true") return true;
    if (t == "false") return false;
    bad(key, "is neither true nor false");
  }
};

double number(const json& j, const std::string& file, const std::string& key, const std::string& field) {
  if (!j.is_number()) throw ModelFileError(file + ": __metadata__ '" + key + "' field '" + field + "' is not a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) throw ModelFileError(file + ": __metadata__ '" + key + "' field '" + field + "' is not finite");
  return v;
}

std::vector<float> float_list(const json& j, const std::string& file, const std::string& key, const std::string& field) {
  if (!j.is_array()) throw ModelFileError(file + ": __metadata__ '" + key + "' field '" + field + "' is not a list");
  std::vector<float> out;
  out.reserve(j.size());
  for (const auto& v : j) {
    const double d = number(v, file, key, field);
    if (std::fabs(d) > 3.4028234663852886e38)
      throw ModelFileError(file + ": __metadata__ '" + key + "' field '" + field + "' holds a value beyond float32");
    out.push_back(static_cast<float>(d));
  }
  return out;
}

std::vector<LayerSpec> read_architecture(const MetaReader& r) {
  static const std::set<std::string> kActs = {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "softmax"};
  json a = r.parsed("architecture");
  if (!a.is_array() || a.empty()) r.bad("architecture", "is not a non-empty list of layers");
  std::vector<LayerSpec> layers;
  for (size_t i = 0; i < a.size(); ++i) {
    const json& l = a[i];
    const std::string where = "layer " + std::to_string(i);
    if (!l.is_object()) r.bad("architecture", where + " is not an object");
    LayerSpec s;
    auto u = l.find("units");
    if (u == l.end() || !u->is_number_integer() || u->get<int64_t>() < 1 || u->get<int64_t>() > INT_MAX)
      r.bad("architecture", where + " has no valid units");
    s.units = static_cast<int>(u->get<int64_t>());
    auto act = l.find("activation");
    if (act == l.end() || !act->is_string() || !kActs.count(act->get<std::string>()))
      r.bad("architecture", where + " has no known activation");
    s.activation = act->get<std::string>();
    if (s.activation == "softmax" && i + 1 != a.size()) r.bad("architecture", where + ": softmax is allowed last only");
    if (auto ns = l.find("negative_slope"); ns != l.end()) s.negative_slope = number(*ns, r.file, "architecture", "negative_slope");
    if (auto d = l.find("dropout"); d != l.end()) s.dropout = number(*d, r.file, "architecture", "dropout");
    if (s.dropout < 0 || s.dropout >= 1) r.bad("architecture", where + " has a dropout outside [0, 1)");
    layers.push_back(s);
  }
  return layers;
}

LossConfig read_loss(const MetaReader& r) {
  static const std::set<std::string> kLosses = {"bce", "cross_entropy", "mse", "mae", "huber"};
  json j = r.parsed("loss");
  if (!j.is_object()) r.bad("loss", "is not an object");
  LossConfig l;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string() || !kLosses.count(name->get<std::string>()))
    r.bad("loss", "has no known loss name");
  l.name = name->get<std::string>();
  if (auto d = j.find("delta"); d != j.end()) l.delta = number(*d, r.file, "loss", "delta");
  if (auto p = j.find("pos_weight"); p != j.end() && !p->is_null()) l.pos_weight = number(*p, r.file, "loss", "pos_weight");
  if (auto b = j.find("class_weights_balanced"); b != j.end()) {
    if (!b->is_boolean()) r.bad("loss", "field 'class_weights_balanced' is not true/false");
    l.class_weights_balanced = b->get<bool>();
  }
  if (auto b = j.find("long_form"); b != j.end()) {
    if (!b->is_boolean()) r.bad("loss", "field 'long_form' is not true/false");
    l.long_form = b->get<bool>();
  }
  if (auto cw = j.find("class_weights"); cw != j.end()) {
    if (!cw->is_object()) r.bad("loss", "field 'class_weights' is not an object");
    for (auto it = cw->begin(); it != cw->end(); ++it)
      l.class_weights[it.key()] = number(it.value(), r.file, "loss", "class_weights");
  }
  return l;
}

Preprocessing read_preprocessing(const MetaReader& r, const LossConfig& loss) {
  Preprocessing p;
  const std::string& task = r.text("task");
  bool found = false;
  for (Task t : {Task::binary, Task::multiclass, Task::regression})
    if (task == task_text(t)) {
      p.task = t;
      found = true;
    }
  if (!found) r.bad("task", "is not binary, multiclass or regression");
  if (p.task != task_of_loss(loss.name)) r.bad("task", "'" + task + "' does not go with loss " + loss.name);
  p.target = r.string_list("target");
  if (p.target.empty()) r.bad("target", "is empty");
  p.features = r.string_list("features");
  p.classes = r.string_list("classes");
  p.classes_numeric = r.boolean("classes_numeric");
  p.unknown_category = r.text("unknown_category");
  if (p.unknown_category != "error" && p.unknown_category != "ignore") r.bad("unknown_category", "is not error or ignore");

  json st = r.parsed("standardize");
  if (!st.is_object() || !st.contains("enabled") || !st["enabled"].is_boolean() || !st.contains("mean") ||
      !st.contains("scale"))
    r.bad("standardize", "is not {enabled, mean, scale}");
  p.standardize = st["enabled"].get<bool>();
  p.mean = float_list(st["mean"], r.file, "standardize", "mean");
  p.scale = float_list(st["scale"], r.file, "standardize", "scale");
  if (p.mean.size() != p.scale.size()) r.bad("standardize", "has different numbers of means and scales");
  for (float s : p.scale)
    if (!(s > 0)) r.bad("standardize", "has a scale that is not positive");

  json cat = r.parsed("categorical");
  if (!cat.is_array()) r.bad("categorical", "is not a list");
  std::set<std::string> feature_set(p.features.begin(), p.features.end());
  if (feature_set.size() != p.features.size()) r.bad("features", "names a column twice");
  std::map<std::string, size_t> width;
  for (const auto& c : cat) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || !c.contains("categories") ||
        !c["categories"].is_array())
      r.bad("categorical", "entries must be {name, categories}");
    CategoricalColumn col;
    col.name = c["name"].get<std::string>();
    for (const auto& v : c["categories"]) {
      if (!v.is_string()) r.bad("categorical", "categories must be strings");
      col.categories.push_back(v.get<std::string>());
    }
    if (!feature_set.count(col.name)) r.bad("categorical", "names '" + col.name + "', which is not a feature");
    if (width.count(col.name)) r.bad("categorical", "names '" + col.name + "' twice");
    width[col.name] = col.categories.size();
    p.categorical.push_back(std::move(col));
  }
  size_t encoded = 0;
  for (const auto& f : p.features) encoded += width.count(f) ? width[f] : 1;
  if (encoded == 0) r.bad("features", "lists no input column");
  if (encoded != p.mean.size())
    r.bad("standardize", "has " + std::to_string(p.mean.size()) + " columns but the features encode to " +
                             std::to_string(encoded));
  return p;
}

size_t output_width_of(const Preprocessing& p) {
  switch (p.task) {
    case Task::binary: return 1;
    case Task::multiclass: return p.classes.size();
    case Task::regression: return p.target.size();
  }
  return 0;
}

}  // namespace

namespace {

std::map<std::string, std::string> model_metadata(const ModelMeta& meta) {
  std::map<std::string, std::string> md;
  for (const auto& [k, v] : meta.extra)
    if (!known_keys().count(k)) md[k] = v;
  md["format"] = "nntrain";
  md["format_version"] = std::to_string(kModelFormatVersion);
  md["architecture"] = architecture_json(meta.architecture).dump();
  md["loss"] = loss_json(meta.loss).dump();
  md["task"] = task_text(meta.prep.task);
  md["target"] = json(meta.prep.target).dump();
  md["features"] = json(meta.prep.features).dump();
  md["standardize"] = json{{"enabled", meta.prep.standardize}, {"mean", meta.prep.mean}, {"scale", meta.prep.scale}}.dump();
  json cat = json::array();
  for (const auto& c : meta.prep.categorical) cat.push_back({{"name", c.name}, {"categories", c.categories}});
  md["categorical"] = cat.dump();
  md["unknown_category"] = meta.prep.unknown_category;
  md["classes"] = json(meta.prep.classes).dump();
  md["classes_numeric"] = meta.prep.classes_numeric ? "true" : "false";
  md["nntrain_version"] = meta.nntrain_version.empty() ? std::string(NNTRAIN_VERSION) : meta.nntrain_version;
  return md;
}

}  // namespace

std::string encode_model(const Network& net, const ModelMeta& meta) {
  std::vector<RawTensorOut> tensors;
  for (const auto& p : net.parameters())
    tensors.push_back({p.name, DType::F32, p.shape,
                       std::string_view(reinterpret_cast<const char*>(net.params() + p.offset), p.size * sizeof(float))});
  return safetensors_encode(tensors, model_metadata(meta));
}

std::string encode_model(const std::vector<Tensor>& tensors, const ModelMeta& meta) {
  std::vector<RawTensorOut> raw;
  for (const auto& t : tensors)
    raw.push_back({t.name, DType::F32, t.shape,
                   std::string_view(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float))});
  return safetensors_encode(raw, model_metadata(meta));
}

void save_model(const std::string& path, const Network& net, const ModelMeta& meta) {
  write_file_atomic(path, encode_model(net, meta));
}

LoadedModel decode_model(const std::string& bytes, const std::string& name) {
  const SafetensorsFile f = safetensors_decode(bytes, name, /*require_checksums=*/false);
  auto fmt = f.metadata.find("format");
  if (fmt == f.metadata.end())
    throw ModelFileError(name + ": not an nntrain model (no 'format' in __metadata__); plain safetensors weights "
                                "can be loaded with model.init_from");
  if (fmt->second != "nntrain") throw ModelFileError(name + ": not an nntrain model (format '" + fmt->second + "')");
  const MetaReader r{name, f.metadata};
  for (const char* k : {kChecksumKey, kHeaderChecksumKey}) r.text(k);  // required in nntrain files
  const std::string& ver = r.text("format_version");
  if (ver != std::to_string(kModelFormatVersion))
    throw ModelFileError(name + ": unsupported format_version '" + ver + "' (this nntrain " + NNTRAIN_VERSION +
                         " reads version " + std::to_string(kModelFormatVersion) +
                         "); use the nntrain that wrote it, or retrain");

  LoadedModel m;
  m.meta.architecture = read_architecture(r);
  m.meta.loss = read_loss(r);
  m.meta.prep = read_preprocessing(r, m.meta.loss);
  m.meta.nntrain_version = r.text("nntrain_version");
  for (const auto& [k, v] : f.metadata)
    if (!known_keys().count(k)) m.meta.extra[k] = v;

  const size_t out = output_width_of(m.meta.prep);
  const size_t last = static_cast<size_t>(m.meta.architecture.back().units);
  if (last != out)
    throw ModelFileError(name + ": the last layer has " + std::to_string(last) + " units but the " +
                         task_text(m.meta.prep.task) + " task needs " + std::to_string(out));
  if (m.meta.prep.task == Task::binary && m.meta.prep.classes.size() != 2)
    throw ModelFileError(name + ": a binary model must list 2 classes");

  // The tensors must be exactly the architecture's parameters, with its shapes.
  const auto expected = expected_params(m.meta.architecture, m.meta.prep.input_width());
  std::map<std::string, const RawTensorIn*> by_name;
  for (const auto& t : f.tensors) by_name[t.name] = &t;
  for (const auto& e : expected) {
    auto it = by_name.find(e.name);
    if (it == by_name.end()) throw ModelFileError(name + ": missing tensor '" + e.name + "' required by the architecture");
    const RawTensorIn& t = *it->second;
    if (t.dtype != DType::F32)
      throw ModelFileError(name + ": tensor '" + e.name + "' is " + dtype_name(t.dtype) + ", expected F32");
    if (t.shape != e.shape)
      throw ModelFileError(name + ": tensor '" + e.name + "' has shape " + shape_str(t.shape) +
                           " but the architecture needs " + shape_str(e.shape));
  }
  if (f.tensors.size() != expected.size()) {
    std::set<std::string> names;
    for (const auto& e : expected) names.insert(e.name);
    for (const auto& t : f.tensors)
      if (!names.count(t.name)) throw ModelFileError(name + ": unexpected tensor '" + t.name + "' not in the architecture");
  }
  for (const auto& t : f.tensors) {
    Tensor out_t{t.name, t.shape, std::vector<float>(t.count)};
    if (t.count) std::memcpy(out_t.data.data(), t.bytes.data(), t.bytes.size());
    m.tensors.push_back(std::move(out_t));
  }
  return m;
}

LoadedModel load_model(const std::string& path) { return decode_model(read_binary_file(path), path); }

std::unique_ptr<Network> build_network(const LoadedModel& model, size_t max_batch) {
  std::unique_ptr<Network> net;
  try {
    net = std::make_unique<Network>(model.meta.architecture, model.meta.prep.input_width(), max_batch);
  } catch (const Error& e) {  // the network refuses the file's architecture: a model file error
    throw ModelFileError("model architecture cannot be built: " + e.message());
  }
  std::map<std::string, const Tensor*> by_name;
  for (const auto& t : model.tensors) by_name[t.name] = &t;
  for (const auto& p : net->parameters()) {
    auto it = by_name.find(p.name);
    if (it == by_name.end() || it->second->shape != p.shape || it->second->data.size() != p.size)
      throw ModelFileError("model has no tensor '" + p.name + "' of shape " + shape_str(p.shape));
    std::memcpy(net->params() + p.offset, it->second->data.data(), p.size * sizeof(float));
  }
  return net;
}

void load_weights_into(Network& net, const std::string& path) {
  const std::string bytes = read_binary_file(path);
  const SafetensorsFile f = safetensors_decode(bytes, path, /*require_checksums=*/false);
  if (auto fmt = f.metadata.find("format"); fmt != f.metadata.end() && fmt->second == "nntrain")
    decode_model(bytes, path);  // an nntrain model: verify all of it (checksums, metadata)
  std::map<std::string, const RawTensorIn*> by_name;
  for (const auto& t : f.tensors) by_name[t.name] = &t;
  std::set<std::string> used;
  for (const auto& p : net.parameters()) {
    auto it = by_name.find(p.name);
    if (it == by_name.end())
      throw ModelFileError(path + ": init_from has no tensor '" + p.name + "' (the network needs " + shape_str(p.shape) +
                           "); names must be those of the equivalent nn.Sequential's state_dict");
    const RawTensorIn& t = *it->second;
    if (t.dtype != DType::F32)
      throw ModelFileError(path + ": init_from tensor '" + p.name + "' is " + dtype_name(t.dtype) +
                           ", expected F32 (save the PyTorch model after .float())");
    if (t.shape != p.shape)
      throw ModelFileError(path + ": init_from tensor '" + p.name + "' has shape " + shape_str(t.shape) +
                           " but the network needs " + shape_str(p.shape));
    std::memcpy(net.params() + p.offset, t.bytes.data(), p.size * sizeof(float));
    used.insert(p.name);
  }
  for (const auto& t : f.tensors)
    if (!used.count(t.name))
      throw ModelFileError(path + ": init_from has a tensor '" + t.name + "' that the network does not have");
}

}  // namespace nntrain
