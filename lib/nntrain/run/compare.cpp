// Run comparison (see compare.h): flatten configs, read metrics, pick the differing
// hyperparameters, sort, format. Reads files only in load_run.
#include "nntrain/run/compare.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "nntrain/data/did_you_mean.h"
#include "nntrain/core/error.h"

namespace nntrain {

namespace {

bool is_scalar_seq(const YAML::Node& n) {
  for (const auto& item : n)
    if (!item.IsScalar() && !item.IsNull()) return false;
  return true;
}

std::string scalar_text(const YAML::Node& n) { return n.IsNull() ? "null" : n.Scalar(); }

void flatten(const YAML::Node& n, const std::string& prefix, std::map<std::string, std::string>& out) {
  const auto key = [&](const std::string& k) { return prefix.empty() ? k : prefix + "." + k; };
  if (n.IsMap()) {
    if (n.size() == 0) out[prefix] = "{}";
    for (const auto& kv : n) flatten(kv.second, key(kv.first.Scalar()), out);
  } else if (n.IsSequence()) {
    if (is_scalar_seq(n)) {
      std::string s = "[";
      for (size_t i = 0; i < n.size(); ++i) s += (i ? ", " : "") + scalar_text(n[i]);
      out[prefix] = s + "]";
    } else {
      for (size_t i = 0; i < n.size(); ++i) flatten(n[i], key(std::to_string(i)), out);
    }
  } else {
    out[prefix] = scalar_text(n);
  }
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream f(path, std::ios::binary);
  ok = static_cast<bool>(f);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has_metric(const std::vector<RunSummary>& runs, const std::string& m) {
  for (const auto& r : runs)
    if (r.metrics.count(m)) return true;
  return false;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e9)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::map<std::string, std::string> flatten_yaml(const std::string& yaml_text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError("invalid YAML: " + e.msg, {name, e.mark.line + 1, e.mark.column + 1});
  }
  std::map<std::string, std::string> out;
  if (root.IsMap()) flatten(root, "", out);
  else if (!root.IsNull()) throw ConfigError("the config is not a YAML mapping", {name, 1, 1});
  return out;
}

void read_metrics_json(const std::string& json_text, const std::string& name, RunSummary& into) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {  // nlohmann's text names its exception ids: say it ourselves
    throw DataError("not valid JSON at byte " + std::to_string(e.byte) + " (a metrics.json written by nntrain fit?)",
                    {name, 0, 0});
  }
  if (!j.is_object()) throw DataError("expected one JSON object", {name, 0, 0});
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_number()) into.metrics[it.key()] = it.value().get<double>();
    else if (it.value().is_string()) into.info[it.key()] = it.value().get<std::string>();
    else if (it.value().is_null()) into.metrics[it.key()] = std::nan("");
  }
}

RunSummary load_run(const std::string& dir) {
  RunSummary r;
  r.dir = dir;
  const std::string cfg_path = dir + "/config.yaml", met_path = dir + "/metrics.json";
  bool ok = false;
  const std::string cfg = read_file(cfg_path, ok);
  if (!ok) throw DataError("cannot read the run's config (is " + dir + " a run directory written by nntrain fit?)", {cfg_path, 0, 0});
  r.params = flatten_yaml(cfg, cfg_path);
  const std::string met = read_file(met_path, ok);
  if (!ok) throw DataError("cannot read the run's metrics (is the run still going?)", {met_path, 0, 0});
  read_metrics_json(met, met_path, r);
  return r;
}

std::vector<std::string> differing_params(const std::vector<RunSummary>& runs) {
  std::set<std::string> keys;
  for (const auto& r : runs)
    for (const auto& kv : r.params) keys.insert(kv.first);
  std::vector<std::string> out;
  for (const auto& k : keys) {
    if (k == "output.dir") continue;
    const std::string* first = nullptr;
    bool differs = false, first_seen = false;
    for (const auto& r : runs) {
      auto it = r.params.find(k);
      const std::string* v = it == r.params.end() ? nullptr : &it->second;
      if (!first_seen) first = v, first_seen = true;
      else if ((v == nullptr) != (first == nullptr) || (v && *v != *first)) differs = true;
    }
    if (differs) out.push_back(k);
  }
  return out;
}

bool higher_is_better(const std::string& m) {
  for (const char* s : {"accuracy", "precision", "recall", "f1", "r2"})
    if (m == s || ends_with(m, std::string("_") + s)) return true;
  return false;
}

std::string resolve_sort_metric(const std::vector<RunSummary>& runs, const std::string& requested) {
  if (requested.empty()) return has_metric(runs, "val_loss") ? "val_loss" : "train_loss";
  if (has_metric(runs, requested)) return requested;
  if (has_metric(runs, "val_" + requested)) return "val_" + requested;
  std::string avail;
  std::vector<std::string> names;  // as --sort accepts them: val_accuracy, and accuracy for it
  for (const auto& m : metric_columns(runs)) {
    avail += (avail.empty() ? "" : ", ") + m;
    names.push_back(m);
    if (m.rfind("val_", 0) == 0) names.push_back(m.substr(4));
  }
  throw ConfigError("no run has the metric '" + requested + "' to sort by" + did_you_mean(requested, names) +
                    "; these runs have: " + avail);
}

void sort_runs(std::vector<RunSummary>& runs, const std::string& metric) {
  // a before b by `name`: 1 yes, -1 no, 0 a tie (or neither has it).
  const auto order = [](const RunSummary& a, const RunSummary& b, const std::string& name) {
    auto ia = a.metrics.find(name), ib = b.metrics.find(name);
    const bool va = ia != a.metrics.end() && !std::isnan(ia->second);
    const bool vb = ib != b.metrics.end() && !std::isnan(ib->second);
    if (va != vb) return va ? 1 : -1;  // runs with the metric first
    if (!va || ia->second == ib->second) return 0;
    return (higher_is_better(name) ? ia->second > ib->second : ia->second < ib->second) ? 1 : -1;
  };
  std::stable_sort(runs.begin(), runs.end(), [&](const RunSummary& a, const RunSummary& b) {
    const int by_metric = order(a, b, metric);
    if (by_metric != 0) return by_metric > 0;
    // Accuracy ties often (30 validation rows): the lower val_loss is the better run.
    return metric != "val_loss" && order(a, b, "val_loss") > 0;
  });
}

std::vector<std::string> metric_columns(const std::vector<RunSummary>& runs) {
  std::set<std::string> present;
  for (const auto& r : runs)
    for (const auto& kv : r.metrics) present.insert(kv.first);
  std::vector<std::string> out;
  const auto take = [&](const std::string& m) {
    if (present.count(m) && std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  const char* metrics[] = {"accuracy", "precision", "recall", "f1", "mae", "r2"};
  take("train_loss");  // the training split's other metrics are left out: they flatter
  for (const char* split : {"val", "test"}) {
    take(std::string(split) + "_loss");
    for (const char* m : metrics) take(std::string(split) + "_" + m);
  }
  for (const char* m : {"epochs_run", "best_epoch", "seconds"}) take(m);
  return out;
}

std::string format_compare_table(const std::vector<RunSummary>& runs) {
  const std::vector<std::string> params = differing_params(runs);
  const std::vector<std::string> metrics = metric_columns(runs);
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header{"run"};
  header.insert(header.end(), params.begin(), params.end());
  header.insert(header.end(), metrics.begin(), metrics.end());
  header.push_back("stopped");
  cells.push_back(header);
  for (const auto& r : runs) {
    std::vector<std::string> row{r.dir};
    for (const auto& p : params) {
      auto it = r.params.find(p);
      std::string v = it == r.params.end() ? "-" : it->second;
      if (v.size() > 40) v = v.substr(0, 37) + "...";  // long lists (features) stay readable
      row.push_back(v);
    }
    for (const auto& m : metrics) {
      auto it = r.metrics.find(m);
      row.push_back(it == r.metrics.end() ? "-" : format_number(it->second));
    }
    auto st = r.info.find("stopped");
    row.push_back(st == r.info.end() ? "-" : st->second);
    cells.push_back(row);
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : cells)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace nntrain
