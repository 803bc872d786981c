// `nntrain compare RUN_DIR ... [--sort METRIC]`: one row per run, the hyperparameters that
// differ and the final metrics, best first. The logic lives in lib/nntrain/run/compare.h.
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

struct CompareOptions {
  std::vector<std::string> runs;  // run directories
  std::string sort;               // empty = val_loss (train_loss without validation)
};

CLI::App* setup_compare(CLI::App& app, CompareOptions& o);
int run_compare(const CompareOptions& o);
