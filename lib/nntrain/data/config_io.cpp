// The YAML side of Config: yaml-cpp nodes into the plain structs of config.h, KEY=VALUE
// overrides applied to the node tree first, and the resolved config written back.
// Not here: anything that needs the data (columns, classes); that is dataset.cpp's, exit 3.
#include "nntrain/data/config_io.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "nntrain/data/did_you_mean.h"
#include "nntrain/data/utf8.h"
#include "nntrain/data/paths.h"

namespace nntrain {
namespace {

const std::vector<std::string> kSections = {"data", "model", "loss", "optimizer", "schedule", "training", "output"};
const std::vector<std::string> kDataKeys = {"train",       "target",   "features", "exclude",     "validation",
                                            "test",        "delimiter", "standardize", "missing", "categorical",
                                            "unknown_category"};
const std::vector<std::string> kModelKeys = {"layers", "init", "init_from"};
const std::vector<std::string> kLayerKeys = {"units", "activation", "negative_slope", "dropout"};
const std::vector<std::string> kLossKeys = {"name", "pos_weight", "class_weights", "delta"};
const std::vector<std::string> kOptimizerKeys = {"name",     "lr",  "momentum",     "nesterov", "betas",
                                                 "eps",      "weight_decay", "alpha"};
const std::vector<std::string> kScheduleKeys = {"name", "step_size", "gamma", "patience", "min_lr", "warmup_epochs"};
const std::vector<std::string> kTrainingKeys = {"epochs",         "batch_size",     "shuffle",  "seed",
                                                "clip_grad_norm", "early_stopping", "log_every",
                                                "device",      "grad_shards"};
const std::vector<std::string> kEarlyStoppingKeys = {"monitor", "patience", "min_delta"};
const std::vector<std::string> kOutputKeys = {"dir", "checkpoint_every"};

const std::vector<std::string> kActivations = {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "softmax"};
const std::vector<std::string> kLosses = {"bce", "cross_entropy", "mse", "mae", "huber"};
const std::vector<std::string> kOptimizers = {"sgd", "adam", "adamw", "rmsprop"};
const std::vector<std::string> kSchedules = {"constant", "step", "exponential", "cosine", "plateau"};
const std::vector<std::string> kInits = {"auto", "he", "xavier", "torch"};
const std::vector<std::string> kDelimiters = {"auto", ",", ";", "\t"};
const std::vector<std::string> kMissing = {"error", "drop"};
const std::vector<std::string> kUnknownCategory = {"error", "ignore"};
const std::vector<std::string> kMonitors = {"val_loss", "val_accuracy", "val_precision", "val_recall",
                                            "val_f1",   "val_mae",      "val_r2"};

const std::vector<std::string>* keys_of_section(const std::string& s) {
  if (s == "data") return &kDataKeys;
  if (s == "model") return &kModelKeys;
  if (s == "loss") return &kLossKeys;
  if (s == "optimizer") return &kOptimizerKeys;
  if (s == "schedule") return &kScheduleKeys;
  if (s == "training") return &kTrainingKeys;
  if (s == "output") return &kOutputKeys;
  return nullptr;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Conversion context: the file name for positions, and the nodes that came from overrides
// (an error in one of those names the override instead of a YAML position).
struct Ctx {
  std::string file;
  bool folds_validate = false;  // see load_config
  std::vector<std::pair<YAML::Node, std::string>> override_nodes;

  // The override text `n` came from, or null for a node of the file.
  const std::string* override_of(const YAML::Node& n) const {
    for (const auto& [node, text] : override_nodes)
      if (node.is(n)) return &text;
    return nullptr;
  }

  [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const {
    if (const std::string* text = override_of(n)) throw ConfigError("override '" + *text + "': " + msg);
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) throw ConfigError(msg, SourcePos{file, 0, 0});
    throw ConfigError(msg, SourcePos{file, m.line + 1, m.column + 1});
  }

  void register_override(const YAML::Node& n, const std::string& text) {
    override_nodes.emplace_back(n, text);
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        register_override(it->first, text);
        register_override(it->second, text);
      }
    } else if (n.IsSequence()) {
      for (auto it = n.begin(); it != n.end(); ++it) register_override(*it, text);
    }
  }
};

std::string kind_of(const YAML::Node& n) {
  if (n.IsNull()) return "null";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "'" + n.Scalar() + "'";
}

// Every key of map `n` must be in `allowed`, and appear once: yaml-cpp keeps both entries of
// a repeated key and lookups see the first, so `lr: 0.1` ... `lr: 0.001` would silently train
// at 0.1.
void check_keys(const Ctx& ctx, const YAML::Node& n, const std::vector<std::string>& allowed, const std::string& where) {
  std::vector<std::pair<std::string, YAML::Node>> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const YAML::Node k = it->first;
    if (!k.IsScalar()) ctx.fail(k, "a key in '" + where + "' must be a name");
    const std::string key = k.Scalar();
    if (!contains(allowed, key))
      ctx.fail(k, "unknown key '" + key + "' in '" + where + "'" + did_you_mean(key, allowed));
    for (const auto& [name, first] : seen)
      if (name == key) {
        const YAML::Mark m = first.Mark();
        const bool has_line = !m.is_null() && m.line >= 0 && !ctx.override_of(first);  // not a line of the file
        ctx.fail(k, "duplicate key '" + key + "' in '" + where + "'" +
                        (has_line ? " (first at line " + std::to_string(m.line + 1) + ")" : std::string()));
      }
    seen.emplace_back(key, k);
  }
}

void expect_map(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  if (!n.IsMap()) ctx.fail(n, "'" + what + "' must be a map of keys, not " + kind_of(n));
}

// YAML is Unicode text: a string that is not UTF-8 could not be written back unchanged (the
// file is checked whole before parsing; this catches what escapes such as "\ud800" produce).
bool valid_utf8(const std::string& s) { return invalid_utf8_at(s) == std::string::npos; }

std::string get_string(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) ctx.fail(n, "'" + what + "' must be a string, not " + kind_of(n));
  if (!valid_utf8(n.Scalar())) ctx.fail(n, "'" + what + "' is not valid UTF-8 text");
  return n.Scalar();
}

double get_double(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) ctx.fail(n, "'" + what + "' must be a number, not " + kind_of(n));
  const std::string& s = n.Scalar();
  double v = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e || b == e || !std::isfinite(v))
    ctx.fail(n, "'" + what + "' must be a finite number, not " + kind_of(n));
  return v;
}

long long get_int(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) ctx.fail(n, "'" + what + "' must be an integer, not " + kind_of(n));
  const std::string& s = n.Scalar();
  long long v = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e || b == e) ctx.fail(n, "'" + what + "' must be an integer, not " + kind_of(n));
  return v;
}

int get_int_range(const Ctx& ctx, const YAML::Node& n, const std::string& what, long long lo, long long hi,
                  const std::string& rule) {
  const long long v = get_int(ctx, n, what);
  if (v < lo || v > hi) ctx.fail(n, "'" + what + "' must be " + rule + ", not " + std::to_string(v));
  return static_cast<int>(v);
}

bool get_bool(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  ctx.fail(n, "'" + what + "' must be true or false, not " + kind_of(n));
}

std::string get_choice(const Ctx& ctx, const YAML::Node& n, const std::string& what,
                       const std::vector<std::string>& choices) {
  const std::string s = get_string(ctx, n, what);
  if (!contains(choices, s)) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + (c == "\t" ? std::string("\"\\t\"") : c);
    ctx.fail(n, "unknown " + what + " '" + s + "'" + did_you_mean(s, choices) + "; expected one of " + list);
  }
  return s;
}

std::vector<std::string> get_string_list(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) ctx.fail(n, "'" + what + "' must be a list of column names, not " + kind_of(n));
  for (auto it = n.begin(); it != n.end(); ++it) out.push_back(get_string(ctx, *it, what + " item"));
  return out;
}

double get_positive(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  const double v = get_double(ctx, n, what);
  if (!(v > 0)) ctx.fail(n, "'" + what + "' must be > 0, not " + n.Scalar());
  return v;
}

double get_nonneg(const Ctx& ctx, const YAML::Node& n, const std::string& what) {
  const double v = get_double(ctx, n, what);
  if (!(v >= 0)) ctx.fail(n, "'" + what + "' must be >= 0, not " + n.Scalar());
  return v;
}

// ---- sections -------------------------------------------------------------------------

void read_data(const Ctx& ctx, const YAML::Node& n, const std::string& base_dir, DataConfig& d) {
  expect_map(ctx, n, "data");
  check_keys(ctx, n, kDataKeys, "data");
  if (!n["train"] || n["train"].IsNull()) ctx.fail(n, "'data.train' is required: the training CSV");
  d.train = resolve_path(get_string(ctx, n["train"], "data.train"), base_dir);
  if (!n["target"] || n["target"].IsNull()) ctx.fail(n, "'data.target' is required: the target column name(s)");
  const YAML::Node t = n["target"];
  if (t.IsSequence()) {
    d.target = get_string_list(ctx, t, "data.target");
    d.target_is_list = true;
    if (d.target.empty()) ctx.fail(t, "'data.target' must name at least one column");
  } else {
    d.target = {get_string(ctx, t, "data.target")};
    d.target_is_list = false;
  }
  if (const YAML::Node f = n["features"]) {
    if (f.IsScalar() && f.Scalar() == "all") {
      d.features.reset();
    } else if (f.IsSequence()) {
      d.features = get_string_list(ctx, f, "data.features");
      if (d.features->empty()) ctx.fail(f, "'data.features' is empty; use 'all' or name the columns");
    } else {
      ctx.fail(f, "'data.features' must be 'all' or a list of column names, not " + kind_of(f));
    }
  }
  if (const YAML::Node x = n["exclude"]) d.exclude = get_string_list(ctx, x, "data.exclude");
  if (const YAML::Node v = n["validation"]) {
    if (v.IsNull()) {
      d.validation_fraction = 0;
      d.validation_path.clear();
    } else if (!v.IsScalar()) {
      ctx.fail(v, "'data.validation' must be a fraction in [0, 1) or a CSV path, not " + kind_of(v));
    } else {
      const std::string& s = get_string(ctx, v, "data.validation");
      double f = 0;
      const char* b = s.data();
      const char* e = b + s.size();
      if (b != e && *b == '+') ++b;
      auto r = std::from_chars(b, e, f);
      if (b != e && r.ec == std::errc() && r.ptr == e) {
        if (!(f >= 0 && f < 1))
          ctx.fail(v, "'data.validation' must be a fraction in [0, 1) or a CSV path, not " + s);
        d.validation_fraction = f;
        d.validation_path.clear();
      } else {
        d.validation_fraction = 0;
        d.validation_path = resolve_path(s, base_dir);
      }
    }
  }
  if (const YAML::Node t2 = n["test"]) {
    if (t2.IsNull())
      d.test.clear();
    else
      d.test = resolve_path(get_string(ctx, t2, "data.test"), base_dir);
  }
  if (const YAML::Node x = n["delimiter"]) d.delimiter = get_choice(ctx, x, "delimiter", kDelimiters);
  if (const YAML::Node x = n["standardize"]) d.standardize = get_bool(ctx, x, "data.standardize");
  if (const YAML::Node x = n["missing"]) d.missing = get_choice(ctx, x, "data.missing policy", kMissing);
  if (const YAML::Node x = n["categorical"]) d.categorical = get_string_list(ctx, x, "data.categorical");
  if (const YAML::Node x = n["unknown_category"])
    d.unknown_category = get_choice(ctx, x, "data.unknown_category policy", kUnknownCategory);
  // Contradictions visible in the config alone.
  for (const auto& c : d.categorical)
    if (contains(d.target, c)) ctx.fail(n["categorical"], "column '" + c + "' is both a target and categorical");
  for (const auto& c : d.exclude)
    if (contains(d.target, c)) ctx.fail(n["exclude"], "column '" + c + "' is both a target and excluded");
  if (d.features)
    for (const auto& c : *d.features)
      if (contains(d.target, c)) ctx.fail(n["features"], "column '" + c + "' is both a target and a feature");
}

void read_layer(const Ctx& ctx, const YAML::Node& n, size_t i, LayerSpec& l) {
  const std::string where = "model.layers." + std::to_string(i);
  expect_map(ctx, n, where);
  check_keys(ctx, n, kLayerKeys, where);
  if (!n["units"]) ctx.fail(n, "'" + where + "' needs 'units'");
  l.units = get_int_range(ctx, n["units"], where + ".units", 1, 100000000, ">= 1");
  if (const YAML::Node a = n["activation"]) l.activation = get_choice(ctx, a, "activation", kActivations);
  if (const YAML::Node s = n["negative_slope"]) l.negative_slope = get_double(ctx, s, where + ".negative_slope");
  if (const YAML::Node dn = n["dropout"]) {
    l.dropout = get_double(ctx, dn, where + ".dropout");
    if (!(l.dropout >= 0 && l.dropout < 1)) ctx.fail(dn, "'" + where + ".dropout' must be in [0, 1), not " + dn.Scalar());
  }
}

void read_model(const Ctx& ctx, const YAML::Node& n, const std::string& base_dir, ModelConfig& m) {
  expect_map(ctx, n, "model");
  check_keys(ctx, n, kModelKeys, "model");
  const YAML::Node layers = n["layers"];
  if (!layers || layers.IsNull()) ctx.fail(n, "'model.layers' is required: the list of layers");
  if (!layers.IsSequence()) ctx.fail(layers, "'model.layers' must be a list of {units: N, activation: NAME}");
  if (layers.size() == 0) ctx.fail(layers, "'model.layers' is empty; give at least the output layer");
  m.layers.assign(layers.size(), LayerSpec{});
  for (size_t i = 0; i < layers.size(); ++i) read_layer(ctx, layers[i], i, m.layers[i]);
  for (size_t i = 0; i + 1 < layers.size(); ++i)
    if (m.layers[i].activation == "softmax")
      ctx.fail(layers[i]["activation"], "softmax is allowed on the last layer only (layer " + std::to_string(i) + ")");
  if (const YAML::Node x = n["init"]) m.init = get_choice(ctx, x, "init", kInits);
  if (const YAML::Node x = n["init_from"]) {
    if (x.IsNull())
      m.init_from.clear();
    else
      m.init_from = resolve_path(get_string(ctx, x, "model.init_from"), base_dir);
  }
}

void read_loss(const Ctx& ctx, const YAML::Node& n, LossConfig& l) {
  if (n.IsScalar()) {
    l.name = get_choice(ctx, n, "loss", kLosses);
    l.long_form = false;
    return;
  }
  if (!n.IsMap()) ctx.fail(n, "'loss' must be a name or {name: ..., ...}, not " + kind_of(n));
  check_keys(ctx, n, kLossKeys, "loss");
  l.long_form = true;
  if (!n["name"]) ctx.fail(n, "'loss' needs 'name'");
  l.name = get_choice(ctx, n["name"], "loss", kLosses);
  if (const YAML::Node p = n["pos_weight"]) {
    if (l.name != "bce") ctx.fail(p, "'pos_weight' applies to bce only, not " + l.name);
    if (!p.IsNull()) l.pos_weight = get_positive(ctx, p, "loss.pos_weight");
  }
  if (const YAML::Node cw = n["class_weights"]) {
    if (l.name != "cross_entropy") ctx.fail(cw, "'class_weights' applies to cross_entropy only, not " + l.name);
    if (cw.IsNull()) {
    } else if (cw.IsScalar()) {
      if (cw.Scalar() != "balanced") ctx.fail(cw, "'class_weights' must be 'balanced' or {label: weight}, not " + kind_of(cw));
      l.class_weights_balanced = true;
    } else if (cw.IsMap()) {
      for (auto it = cw.begin(); it != cw.end(); ++it) {
        const std::string label = get_string(ctx, it->first, "class label");
        if (l.class_weights.count(label)) ctx.fail(it->first, "class '" + label + "' is given twice in 'class_weights'");
        l.class_weights[label] = get_nonneg(ctx, it->second, "loss.class_weights." + label);
      }
    } else {
      ctx.fail(cw, "'class_weights' must be 'balanced' or {label: weight}, not " + kind_of(cw));
    }
  }
  if (const YAML::Node dl = n["delta"]) {
    if (l.name != "huber") ctx.fail(dl, "'delta' applies to huber only, not " + l.name);
    l.delta = get_positive(ctx, dl, "loss.delta");
  }
}

void read_optimizer(const Ctx& ctx, const YAML::Node& n, OptimizerConfig& o) {
  expect_map(ctx, n, "optimizer");
  check_keys(ctx, n, kOptimizerKeys, "optimizer");
  if (const YAML::Node x = n["name"]) o.name = get_choice(ctx, x, "optimizer", kOptimizers);
  if (const YAML::Node x = n["lr"]) o.lr = get_positive(ctx, x, "optimizer.lr");
  if (const YAML::Node x = n["momentum"]) o.momentum = get_nonneg(ctx, x, "optimizer.momentum");
  if (const YAML::Node x = n["nesterov"]) {
    o.nesterov = get_bool(ctx, x, "optimizer.nesterov");
    if (o.nesterov && !(o.momentum > 0)) ctx.fail(x, "nesterov needs a momentum > 0 (as torch.optim.SGD)");
  }
  if (const YAML::Node b = n["betas"]) {
    if (!b.IsSequence() || b.size() != 2) ctx.fail(b, "'optimizer.betas' must be a list of two numbers in [0, 1)");
    o.beta1 = get_double(ctx, b[0], "optimizer.betas.0");
    o.beta2 = get_double(ctx, b[1], "optimizer.betas.1");
    if (!(o.beta1 >= 0 && o.beta1 < 1)) ctx.fail(b[0], "'optimizer.betas.0' must be in [0, 1), not " + b[0].Scalar());
    if (!(o.beta2 >= 0 && o.beta2 < 1)) ctx.fail(b[1], "'optimizer.betas.1' must be in [0, 1), not " + b[1].Scalar());
  }
  if (const YAML::Node x = n["eps"]) o.eps = get_nonneg(ctx, x, "optimizer.eps");
  if (const YAML::Node x = n["alpha"]) {
    o.alpha = get_nonneg(ctx, x, "optimizer.alpha");
  }
  if (const YAML::Node x = n["weight_decay"]) {
    if (x.IsNull())
      o.weight_decay.reset();
    else
      o.weight_decay = get_nonneg(ctx, x, "optimizer.weight_decay");
  }
}

void read_schedule(const Ctx& ctx, const YAML::Node& n, ScheduleConfig& s) {
  expect_map(ctx, n, "schedule");
  check_keys(ctx, n, kScheduleKeys, "schedule");
  if (const YAML::Node x = n["name"]) s.name = get_choice(ctx, x, "schedule", kSchedules);
  if (const YAML::Node x = n["step_size"]) s.step_size = get_int_range(ctx, x, "schedule.step_size", 1, INT32_MAX, ">= 1");
  if (const YAML::Node x = n["gamma"]) {
    s.gamma = get_positive(ctx, x, "schedule.gamma");
    if (s.name == "plateau" && !(s.gamma < 1)) ctx.fail(x, "'schedule.gamma' must be < 1 for plateau (the factor)");
  }
  if (const YAML::Node x = n["patience"]) s.patience = get_int_range(ctx, x, "schedule.patience", 0, INT32_MAX, ">= 0");
  if (const YAML::Node x = n["min_lr"]) s.min_lr = get_nonneg(ctx, x, "schedule.min_lr");
  if (const YAML::Node x = n["warmup_epochs"])
    s.warmup_epochs = get_int_range(ctx, x, "schedule.warmup_epochs", 0, INT32_MAX, ">= 0");
}

void read_training(const Ctx& ctx, const YAML::Node& n, TrainingConfig& t) {
  expect_map(ctx, n, "training");
  check_keys(ctx, n, kTrainingKeys, "training");
  if (const YAML::Node x = n["epochs"]) t.epochs = get_int_range(ctx, x, "training.epochs", 1, INT32_MAX, ">= 1");
  if (const YAML::Node x = n["batch_size"]) {
    if (x.IsScalar() && x.Scalar() == "full") {
      t.full_batch = true;
    } else {
      if (!x.IsScalar()) ctx.fail(x, "'training.batch_size' must be a positive integer or 'full', not " + kind_of(x));
      long long v = 0;
      const std::string& s = x.Scalar();
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 1 || v > INT32_MAX)
        ctx.fail(x, "'training.batch_size' must be a positive integer or 'full', not '" + s + "'");
      t.batch_size = static_cast<int>(v);
      t.full_batch = false;
    }
  }
  if (const YAML::Node x = n["shuffle"]) t.shuffle = get_bool(ctx, x, "training.shuffle");
  if (const YAML::Node x = n["seed"]) {
    if (!x.IsScalar()) ctx.fail(x, "'training.seed' must be a non-negative integer");
    const std::string& s = x.Scalar();
    uint64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
      ctx.fail(x, "'training.seed' must be a non-negative integer, not '" + s + "'");
    t.seed = v;
  }
  if (const YAML::Node x = n["clip_grad_norm"]) {
    if (x.IsNull())
      t.clip_grad_norm.reset();
    else
      t.clip_grad_norm = get_positive(ctx, x, "training.clip_grad_norm");
  }
  if (const YAML::Node x = n["early_stopping"]) {
    if (x.IsNull()) {
      t.early_stopping.reset();
    } else {
      expect_map(ctx, x, "training.early_stopping");
      check_keys(ctx, x, kEarlyStoppingKeys, "training.early_stopping");
      EarlyStoppingConfig es;
      if (const YAML::Node m = x["monitor"]) es.monitor = get_choice(ctx, m, "monitor", kMonitors);
      if (const YAML::Node p = x["patience"])
        es.patience = get_int_range(ctx, p, "training.early_stopping.patience", 1, INT32_MAX, ">= 1");
      if (const YAML::Node m = x["min_delta"]) es.min_delta = get_nonneg(ctx, m, "training.early_stopping.min_delta");
      t.early_stopping = es;
    }
  }
  if (const YAML::Node x = n["log_every"]) t.log_every = get_int_range(ctx, x, "training.log_every", 1, INT32_MAX, ">= 1");
  if (const YAML::Node x = n["device"]) {
    const std::string d = x.IsScalar() ? x.Scalar() : std::string();
    if (!x.IsScalar() || !is_device_spec(d))
      ctx.fail(x, "'training.device' must be cpu, gpu or gpu:N (N as nntrain devices lists them), not " +
                      (x.IsScalar() ? "'" + d + "'" : kind_of(x)));
    t.device = d;
  }
  if (const YAML::Node x = n["grad_shards"])  // auto: the process count (resolved by nntrain fit)
    t.grad_shards = x.IsScalar() && x.Scalar() == "auto"
                        ? 0
                        : get_int_range(ctx, x, "training.grad_shards", 1, 65536, "an integer in [1, 65536] or auto");
}

void read_output(const Ctx& ctx, const YAML::Node& n, OutputConfig& o) {
  expect_map(ctx, n, "output");
  check_keys(ctx, n, kOutputKeys, "output");
  if (const YAML::Node x = n["dir"]) {
    o.dir = get_string(ctx, x, "output.dir");
    if (o.dir.empty()) ctx.fail(x, "'output.dir' is empty");
  }
  if (const YAML::Node x = n["checkpoint_every"])
    o.checkpoint_every = get_int_range(ctx, x, "output.checkpoint_every", 0, INT32_MAX, ">= 0");
}

// Checks that need two sections (the loss and the last layer, early stopping and validation).
void check_across(const Ctx& ctx, const YAML::Node& root, const Config& c) {
  const YAML::Node layers = root["model"]["layers"];
  const YAML::Node last = layers[layers.size() - 1];
  const LayerSpec& ll = c.model.layers.back();
  if ((c.loss.name == "bce" || c.loss.name == "cross_entropy") && c.data.target.size() != 1)
    ctx.fail(root["data"]["target"], "loss " + c.loss.name + " needs one target column, not a list of " +
                                         std::to_string(c.data.target.size()));
  if (c.loss.name == "bce") {
    if (ll.activation != "sigmoid")
      ctx.fail(last, "loss bce needs a sigmoid output layer ({units: 1, activation: sigmoid}), not " + ll.activation);
    if (ll.units != 1) ctx.fail(last["units"], "loss bce needs one output unit, not " + std::to_string(ll.units));
  } else if (c.loss.name == "cross_entropy") {
    if (ll.activation != "softmax")
      ctx.fail(last, "loss cross_entropy needs a softmax output layer ({units: CLASSES, activation: softmax}), not " +
                         ll.activation);
  } else {
    if (ll.activation == "softmax") ctx.fail(last["activation"], "softmax output needs loss cross_entropy, not " + c.loss.name);
  }
  if (c.training.early_stopping) {
    const YAML::Node es = root["training"]["early_stopping"];
    const std::string& mon = c.training.early_stopping->monitor;
    const bool classification = c.loss.name == "bce" || c.loss.name == "cross_entropy";
    const bool binary_only = mon == "val_precision" || mon == "val_recall" || mon == "val_f1";
    const YAML::Node at = es["monitor"] ? es["monitor"] : es;
    if ((mon == "val_accuracy" || binary_only) && !classification)
      ctx.fail(at, "early stopping on " + mon + " needs a classification loss, not " + c.loss.name);
    if (binary_only && c.loss.name != "bce") ctx.fail(at, "early stopping on " + mon + " needs loss bce (binary)");
    if ((mon == "val_mae" || mon == "val_r2") && classification)
      ctx.fail(at, "early stopping on " + mon + " needs a regression loss, not " + c.loss.name);
    if (c.data.validation_fraction == 0 && c.data.validation_path.empty() && !ctx.folds_validate)
      ctx.fail(es, "early stopping needs a validation set: set data.validation to a fraction or a CSV path");
  }
  if (c.schedule.name == "plateau" && !(c.schedule.gamma < 1)) {
    const YAML::Node s = root["schedule"]["gamma"];
    ctx.fail(s ? s : root, "'schedule.gamma' must be < 1 for plateau (the factor)");
  }
}

// Defaults that depend on other keys become the value in force, so config.yaml and
// --print-config say what ran (never null for "the default"), and a config written with the
// explicit values resolves to the same Config as one without them (resume compares the two).
// Nulls that remain mean "none": no test set, no init_from, no clipping, no early stopping, no
// class weights.
void resolve_defaults(Config& c) {
  c.optimizer.weight_decay = c.optimizer.effective_weight_decay();  // torch: 0.01 for adamw, else 0
  // torch's BCEWithLogitsLoss without pos_weight weighs positives by 1; only the long form shows the key.
  if (c.loss.long_form && c.loss.name == "bce" && !c.loss.pos_weight) c.loss.pos_weight = 1.0;
}

Config convert(const Ctx& ctx, const YAML::Node& root, const std::string& base_dir) {
  if (!root.IsMap()) ctx.fail(root, "the config must be a YAML map with data, model, ... (got " + kind_of(root) + ")");
  check_keys(ctx, root, kSections, "the config");
  Config c;
  if (!root["data"] || root["data"].IsNull()) ctx.fail(root, "'data' is required (data.train, data.target)");
  read_data(ctx, root["data"], base_dir, c.data);
  if (!root["model"] || root["model"].IsNull()) ctx.fail(root, "'model' is required (model.layers)");
  read_model(ctx, root["model"], base_dir, c.model);
  if (const YAML::Node x = root["loss"]) read_loss(ctx, x, c.loss);
  if (const YAML::Node x = root["optimizer"]) read_optimizer(ctx, x, c.optimizer);
  if (const YAML::Node x = root["schedule"]) read_schedule(ctx, x, c.schedule);
  if (const YAML::Node x = root["training"]) read_training(ctx, x, c.training);
  if (const YAML::Node x = root["output"]) read_output(ctx, x, c.output);
  check_across(ctx, root, c);
  resolve_defaults(c);
  return c;
}

// ---- overrides --------------------------------------------------------------------------

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 9 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// The override's key path must name a config key; "" when it does, else the message.
std::string check_override_path(const std::vector<std::string>& seg) {
  if (seg.empty() || seg[0].empty()) return "empty key";
  if (!contains(kSections, seg[0])) return "unknown key '" + seg[0] + "'" + did_you_mean(seg[0], kSections);
  if (seg.size() == 1) return "";
  const std::vector<std::string>& keys = *keys_of_section(seg[0]);
  const std::string path1 = seg[0] + "." + seg[1];
  if (!contains(keys, seg[1])) return "unknown key '" + path1 + "'" + did_you_mean(seg[1], keys);
  if (seg.size() == 2) return "";
  const std::string& k = seg[1];
  const bool list_key = (seg[0] == "data" && (k == "target" || k == "features" || k == "exclude" || k == "categorical")) ||
                        (seg[0] == "optimizer" && k == "betas");
  if (list_key) {
    if (seg.size() == 3 && is_index(seg[2])) return "";
    return "'" + path1 + "' is a list: index it as " + path1 + ".N";
  }
  if (seg[0] == "loss" && k == "class_weights") return seg.size() == 3 ? "" : "too many parts after loss.class_weights";
  if (seg[0] == "model" && k == "layers") {
    if (!is_index(seg[2])) return "'model.layers' is a list: index it as model.layers.N";
    if (seg.size() == 3) return "";
    if (seg.size() == 4 && contains(kLayerKeys, seg[3])) return "";
    return "unknown key '" + seg[3] + "' in a layer" + did_you_mean(seg[3], kLayerKeys);
  }
  if (seg[0] == "training" && k == "early_stopping") {
    if (seg.size() == 3 && contains(kEarlyStoppingKeys, seg[2])) return "";
    return "unknown key '" + seg[2] + "' in training.early_stopping" + did_you_mean(seg[2], kEarlyStoppingKeys);
  }
  return "'" + path1 + "' has no sub-keys";
}

// "a.b.0" -> {"a", "b", "0"}
std::vector<std::string> split_dotted(const std::string& key) {
  std::vector<std::string> seg;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    seg.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return seg;
    start = dot + 1;
  }
}

// Item `s` of a list in override `text`: an index at most one past the end (which appends).
size_t list_index(const YAML::Node& list, const std::string& s, const std::string& text) {
  if (!is_index(s)) throw ConfigError("override '" + text + "': '" + s + "' names a key, but the config has a list there");
  const size_t idx = std::stoul(s);  // is_index: at most 8 digits
  if (idx > list.size())
    throw ConfigError("override '" + text + "': index " + s + " is past the end of the list (" +
                      std::to_string(list.size()) + " items)");
  return idx;
}

// The node under `cur` that seg[i] names, created (as a map) when missing or null; a scalar
// `loss: bce` becomes {name: bce} so loss.pos_weight=3 can go beside it.
YAML::Node step_into(YAML::Node& cur, const std::vector<std::string>& seg, size_t i, const std::string& text, Ctx& ctx) {
  const std::string& s = seg[i];
  YAML::Node next;
  if (cur.IsSequence()) {
    const size_t idx = list_index(cur, s, text);
    if (idx == cur.size()) {
      cur.push_back(YAML::Node(YAML::NodeType::Map));
      ctx.register_override(cur[idx], text);
    }
    next.reset(cur[idx]);
  } else if (cur.IsMap()) {
    YAML::Node child = cur[s];
    if (!child || child.IsNull()) {
      // A missing or null section/map is created (its other keys take their defaults).
      YAML::Node created(YAML::NodeType::Map);
      if (seg[0] == "loss" && i == 0) created["name"] = YAML::Node(LossConfig{}.name);
      cur[s] = created;
      ctx.register_override(created, text);
    } else if (seg[0] == "loss" && i == 0 && child.IsScalar()) {
      // loss: bce + loss.pos_weight=3 -> loss: {name: bce, pos_weight: 3}
      YAML::Node m(YAML::NodeType::Map);
      m["name"] = YAML::Node(child.Scalar());
      cur[s] = m;
      ctx.register_override(m, text);
    }
    next.reset(cur[s]);
  } else {
    throw ConfigError("override '" + text + "': '" + s + "' is not a map or a list in the config");
  }
  return next;
}

// KEY=VALUE into the node tree: KEY checked against the known keys, VALUE read as YAML, the
// nodes on the way created as needed; every node it adds is registered as the override's.
void apply_override(YAML::Node& root, const std::string& text, Ctx& ctx) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos) throw ConfigError("override '" + text + "': expected KEY=VALUE");
  const std::vector<std::string> seg = split_dotted(text.substr(0, eq));
  const std::string bad = check_override_path(seg);
  if (!bad.empty()) throw ConfigError("override '" + text + "': " + bad);
  YAML::Node value;
  try {
    value = YAML::Load(text.substr(eq + 1));
  } catch (const YAML::ParserException& e) {  // a syntax message ("unknown escape character" ...)
    throw ConfigError("override '" + text + "': the value is not valid YAML: " + e.msg);
  } catch (const YAML::Exception&) {
    throw ConfigError("override '" + text + "': the value is not valid YAML");
  }
  if (!root.IsMap()) throw ConfigError("override '" + text + "': the config is not a map");
  YAML::Node cur(root);
  for (size_t i = 0; i + 1 < seg.size(); ++i) cur.reset(step_into(cur, seg, i, text, ctx));
  const std::string& last = seg.back();
  ctx.register_override(value, text);
  if (cur.IsSequence()) {
    const size_t idx = list_index(cur, last, text);
    if (idx == cur.size())
      cur.push_back(value);
    else
      cur[idx] = value;
  } else if (cur.IsMap()) {
    cur[last] = value;
  } else {
    throw ConfigError("override '" + text + "': its parent is not a map or a list in the config");
  }
}

// ---- writing ------------------------------------------------------------------------------

// The shortest text that reads back as v, in a form YAML 1.1 readers (PyYAML's safe_load) also
// take as a float: with a dot, and fixed-point for everyday magnitudes (0.0003, not 3e-04,
// which PyYAML reads as a string; 1.0e-08 for eps).
std::string fmt_double(double v) {
  char buf[64];
  const double a = std::fabs(v);
  const bool fixed = a == 0 || (a >= 1e-4 && a < 1e15);
  auto r = std::to_chars(buf, buf + sizeof buf, v, fixed ? std::chars_format::fixed : std::chars_format::scientific);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".n") == std::string::npos) {  // no dot yet ("n": inf, nan)
    const size_t e = s.find('e');
    s.insert(e == std::string::npos ? s.size() : e, ".0");
  }
  return s;
}

void emit_string_list(YAML::Emitter& out, const std::vector<std::string>& v) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const auto& s : v) out << YAML::DoubleQuoted << s;
  out << YAML::EndSeq;
}

// config_to_yaml's sections, one function each, in the order config.yaml lists them.

void emit_data(YAML::Emitter& out, const DataConfig& d) {
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "train" << YAML::Value << YAML::DoubleQuoted << d.train;
  out << YAML::Key << "target" << YAML::Value;
  if (d.target_is_list || d.target.size() != 1)
    emit_string_list(out, d.target);
  else
    out << YAML::DoubleQuoted << d.target[0];
  out << YAML::Key << "features" << YAML::Value;
  if (d.features)
    emit_string_list(out, *d.features);
  else
    out << "all";
  out << YAML::Key << "exclude" << YAML::Value;
  emit_string_list(out, d.exclude);
  out << YAML::Key << "validation" << YAML::Value;
  if (!d.validation_path.empty())
    out << YAML::DoubleQuoted << d.validation_path;
  else
    out << fmt_double(d.validation_fraction);
  out << YAML::Key << "test" << YAML::Value;
  if (d.test.empty())
    out << YAML::Null;
  else
    out << YAML::DoubleQuoted << d.test;
  out << YAML::Key << "delimiter" << YAML::Value << YAML::DoubleQuoted << d.delimiter;
  out << YAML::Key << "standardize" << YAML::Value << d.standardize;
  out << YAML::Key << "missing" << YAML::Value << d.missing;
  out << YAML::Key << "categorical" << YAML::Value;
  emit_string_list(out, d.categorical);
  out << YAML::Key << "unknown_category" << YAML::Value << d.unknown_category;
  out << YAML::EndMap;
}

void emit_model(YAML::Emitter& out, const ModelConfig& m) {
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (const auto& l : m.layers) {
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "units" << YAML::Value << l.units;
    out << YAML::Key << "activation" << YAML::Value << l.activation;
    out << YAML::Key << "negative_slope" << YAML::Value << fmt_double(l.negative_slope);
    out << YAML::Key << "dropout" << YAML::Value << fmt_double(l.dropout);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "init" << YAML::Value << m.init;
  out << YAML::Key << "init_from" << YAML::Value;
  if (m.init_from.empty())
    out << YAML::Null;
  else
    out << YAML::DoubleQuoted << m.init_from;
  out << YAML::EndMap;
}

// `loss: bce`, or the long form with the loss's own keys when it was written so.
void emit_loss(YAML::Emitter& out, const LossConfig& l) {
  out << YAML::Key << "loss" << YAML::Value;
  if (!l.long_form) {
    out << l.name;
  } else {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << l.name;
    if (l.name == "bce") {
      out << YAML::Key << "pos_weight" << YAML::Value << fmt_double(l.pos_weight ? *l.pos_weight : 1.0);
    } else if (l.name == "cross_entropy") {
      out << YAML::Key << "class_weights" << YAML::Value;
      if (l.class_weights_balanced) {
        out << "balanced";
      } else if (!l.class_weights.empty()) {
        out << YAML::BeginMap;
        for (const auto& [label, w] : l.class_weights)
          out << YAML::Key << YAML::DoubleQuoted << label << YAML::Value << fmt_double(w);
        out << YAML::EndMap;
      } else {
        out << YAML::Null;
      }
    } else if (l.name == "huber") {
      out << YAML::Key << "delta" << YAML::Value << fmt_double(l.delta);
    }
    out << YAML::EndMap;
  }
}

void emit_optimizer(YAML::Emitter& out, const OptimizerConfig& o) {
  out << YAML::Key << "optimizer" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << o.name;
  out << YAML::Key << "lr" << YAML::Value << fmt_double(o.lr);
  out << YAML::Key << "momentum" << YAML::Value << fmt_double(o.momentum);
  out << YAML::Key << "nesterov" << YAML::Value << o.nesterov;
  out << YAML::Key << "betas" << YAML::Value << YAML::Flow << YAML::BeginSeq << fmt_double(o.beta1)
      << fmt_double(o.beta2) << YAML::EndSeq;
  out << YAML::Key << "eps" << YAML::Value << fmt_double(o.eps);
  out << YAML::Key << "alpha" << YAML::Value << fmt_double(o.alpha);
  out << YAML::Key << "weight_decay" << YAML::Value << fmt_double(o.effective_weight_decay());
  out << YAML::EndMap;
}

void emit_schedule(YAML::Emitter& out, const ScheduleConfig& s) {
  out << YAML::Key << "schedule" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << s.name;
  out << YAML::Key << "step_size" << YAML::Value << s.step_size;
  out << YAML::Key << "gamma" << YAML::Value << fmt_double(s.gamma);
  out << YAML::Key << "patience" << YAML::Value << s.patience;
  out << YAML::Key << "min_lr" << YAML::Value << fmt_double(s.min_lr);
  out << YAML::Key << "warmup_epochs" << YAML::Value << s.warmup_epochs;
  out << YAML::EndMap;
}

void emit_training(YAML::Emitter& out, const TrainingConfig& t) {
  out << YAML::Key << "training" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "epochs" << YAML::Value << t.epochs;
  out << YAML::Key << "batch_size" << YAML::Value;
  if (t.full_batch)
    out << "full";
  else
    out << t.batch_size;
  out << YAML::Key << "shuffle" << YAML::Value << t.shuffle;
  out << YAML::Key << "seed" << YAML::Value << std::to_string(t.seed);
  out << YAML::Key << "clip_grad_norm" << YAML::Value;
  if (t.clip_grad_norm)
    out << fmt_double(*t.clip_grad_norm);
  else
    out << YAML::Null;
  out << YAML::Key << "early_stopping" << YAML::Value;
  if (t.early_stopping) {
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "monitor" << YAML::Value << t.early_stopping->monitor;
    out << YAML::Key << "patience" << YAML::Value << t.early_stopping->patience;
    out << YAML::Key << "min_delta" << YAML::Value << fmt_double(t.early_stopping->min_delta);
    out << YAML::EndMap;
  } else {
    out << YAML::Null;
  }
  out << YAML::Key << "log_every" << YAML::Value << t.log_every;
  out << YAML::Key << "device" << YAML::Value << t.device;
  out << YAML::Key << "grad_shards" << YAML::Value;
  if (t.grad_shards > 0)
    out << t.grad_shards;
  else
    out << "auto";
  out << YAML::EndMap;
}

void emit_output(YAML::Emitter& out, const OutputConfig& o) {
  out << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dir" << YAML::Value << YAML::DoubleQuoted << o.dir;
  out << YAML::Key << "checkpoint_every" << YAML::Value << o.checkpoint_every;
  out << YAML::EndMap;
}

// Invalid UTF-8 in the config or an override is a config error at its position: yaml-cpp would
// pass the bytes through into names that nlohmann/json later refuses to write.
void check_config_utf8(const std::string& text, const std::string& name, const std::vector<std::string>& overrides) {
  if (const size_t at = invalid_utf8_at(text); at != std::string::npos) {
    const size_t line_start = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
    const long line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    const std::string_view rest = std::string_view(text).substr(line_start);
    throw ConfigError(invalid_utf8_message(text, at, "a config file"),
                      SourcePos{name, line, utf8_column(rest, at - line_start)});
  }
  for (const std::string& o : overrides)
    if (const size_t at = invalid_utf8_at(o); at != std::string::npos)
      throw ConfigError("override '" + printable_utf8(o) + "': " + invalid_utf8_message(o, at, "an override"));
}

}  // namespace

Config parse_config(const std::string& yaml_text, const std::string& name, const std::string& base_dir,
                    const std::vector<std::string>& overrides, bool folds_validate) {
  Ctx ctx;
  ctx.file = name;
  ctx.folds_validate = folds_validate;
  check_config_utf8(yaml_text, name, overrides);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError("invalid YAML: " + e.msg, SourcePos{name, e.mark.line + 1, e.mark.column + 1});
  } catch (const YAML::Exception&) {
    throw ConfigError("invalid YAML: the file cannot be read as YAML", SourcePos{name, 0, 0});
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  for (const auto& o : overrides) {
    try {
      apply_override(root, o, ctx);
    } catch (const YAML::Exception&) {  // yaml-cpp's node checks: its text is about its API, not the config
      throw ConfigError("override '" + o + "': its key path does not fit the config's structure there");
    }
  }
  Config c;
  try {
    c = convert(ctx, root, base_dir);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own checks (rare: e.g. a zombie node); keep the position it has, not its API's text.
    throw ConfigError("invalid config: a value of an unexpected kind here",
                      e.mark.is_null() ? SourcePos{name, 0, 0} : SourcePos{name, e.mark.line + 1, e.mark.column + 1});
  }
  c.source_path = name;
  c.stem = file_stem(name);
  return c;
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides, bool folds_validate) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read the config file: no such file or not readable", SourcePos{path, 0, 0});
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ConfigError("cannot read the config file", SourcePos{path, 0, 0});
  return parse_config(ss.str(), path, parent_dir(path), overrides, folds_validate);
}

std::string config_to_yaml(const Config& c) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out << YAML::BeginMap;
  emit_data(out, c.data);
  emit_model(out, c.model);
  emit_loss(out, c.loss);
  emit_optimizer(out, c.optimizer);
  emit_schedule(out, c.schedule);
  emit_training(out, c.training);
  emit_output(out, c.output);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace nntrain
