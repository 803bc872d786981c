// `nntrain compare`: reads each run directory's config.yaml and metrics.json and prints an
// aligned table on stdout. Writes nothing.
#include "cmd_compare.h"

#include <cstdio>

#include "nntrain/run/compare.h"

CLI::App* setup_compare(CLI::App& app, CompareOptions& o) {
  CLI::App* sub = app.add_subcommand("compare", "Compare run directories: differing hyperparameters and final metrics");
  sub->add_option("RUN_DIR", o.runs, "run directories written by 'nntrain fit' (e.g. runs/*)")
      ->required()
      ->type_name("DIR");
  sub->add_option("--sort", o.sort,
                  "metric to sort by, best first (default val_loss, or train_loss without validation); "
                  "losses and mae ascending, accuracy/precision/recall/f1/r2 descending")
      ->type_name("METRIC");
  return sub;
}

int run_compare(const CompareOptions& o) {
  std::vector<nntrain::RunSummary> runs;
  for (const std::string& d : o.runs) runs.push_back(nntrain::load_run(d));
  const std::string metric = nntrain::resolve_sort_metric(runs, o.sort);
  nntrain::sort_runs(runs, metric);
  const std::string table = nntrain::format_compare_table(runs);
  std::printf("sorted by %s (%s)\n", metric.c_str(), nntrain::higher_is_better(metric) ? "highest first" : "lowest first");
  std::fwrite(table.data(), 1, table.size(), stdout);
  return 0;
}
