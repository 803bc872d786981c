// `nntrain compare` as a library: a run directory's config flattened to dotted keys, its
// metrics.json read, the hyperparameters that differ between runs, rows sorted by a metric.
// No printing policy beyond format_compare_table; no command-line parsing.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace nntrain {

// A YAML document flattened to dotted keys: maps by key ("optimizer.lr"), sequences of maps
// or sequences by index ("model.layers.0.units"), sequences of scalars as one value
// ("[0.9, 0.999]"), null as "null". Throws ConfigError (exit 2) with a position on bad YAML.
std::map<std::string, std::string> flatten_yaml(const std::string& yaml_text, const std::string& name);

struct RunSummary {
  std::string dir;                              // as given on the command line
  std::map<std::string, std::string> params;    // flattened config.yaml
  std::map<std::string, double> metrics;        // numeric top-level entries of metrics.json
  std::map<std::string, std::string> info;      // string top-level entries (stopped, nntrain_version)
};

// The numeric and string top-level entries of a flat JSON object (nested values ignored).
// Throws DataError (exit 3) naming `name` on malformed JSON or a non-object.
void read_metrics_json(const std::string& json_text, const std::string& name, RunSummary& into);

// Reads DIR/config.yaml and DIR/metrics.json. DataError (exit 3) when either is missing.
RunSummary load_run(const std::string& dir);

// The keys whose values are not the same in every run (a key absent from a run counts as a
// value), sorted; output.dir is left out (the run column names the run).
std::vector<std::string> differing_params(const std::vector<RunSummary>& runs);

// true for metrics where higher is better: *accuracy, *precision, *recall, *f1, *r2.
// Losses, *mae and anything else sort ascending.
bool higher_is_better(const std::string& metric);

// The metric `requested` resolves to in these runs: itself when some run has it, else
// "val_" + requested when some run has that (so --sort accuracy means val_accuracy).
// Empty `requested` = val_loss, or train_loss when no run has val_loss.
// Throws ConfigError (exit 2) naming the metrics that exist when none matches.
std::string resolve_sort_metric(const std::vector<RunSummary>& runs, const std::string& requested);

// Stable sort, best first by `metric`, ties by the lower val_loss; runs without the metric (or
// with NaN) go last.
void sort_runs(std::vector<RunSummary>& runs, const std::string& metric);

// The metric columns to show, in a fixed order: train_loss, val_loss, val_<metric>...,
// test_loss, test_<metric>..., then epochs_run, best_epoch, seconds (those present in any run).
// train_<metric> columns are left out (sortable all the same).
std::vector<std::string> metric_columns(const std::vector<RunSummary>& runs);

// An aligned text table: run, the differing params (values over 40 characters cut to 37 and
// "..."), the metric columns, stopped.
std::string format_compare_table(const std::vector<RunSummary>& runs);

}  // namespace nntrain
