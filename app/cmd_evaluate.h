// `nntrain evaluate MODEL DATA [--json]`: the loss and the task's metrics of a trained model
// on a labelled CSV. The command line side only; losses and metrics live in lib/.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

struct EvaluateOptions {
  std::string model;  // model.bin
  std::string data;   // labelled CSV (or .csv.gz); "-" = stdin
  bool json = false;  // one JSON object on stdout: rows, loss, metrics (unprefixed)
  int threads = 0;    // OpenBLAS threads; 0 = library default
  std::string device;             // --device cpu|gpu|gpu:N; empty = training.device (fit, cv) or cpu
};

CLI::App* setup_evaluate(CLI::App& app, EvaluateOptions& o);
int run_evaluate(const EvaluateOptions& o);
