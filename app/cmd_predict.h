// `nntrain predict MODEL DATA [-o FILE] [--keep COL ...] [--threads N]`: predictions as CSV.
// The command line side only; model reading and the dataset live in lib/.
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

struct PredictOptions {
  std::string model;              // model.bin
  std::string data;               // CSV or CSV.gz; "-" = stdin
  std::string output = "-";       // "-" = stdout; a file is written atomically
  std::vector<std::string> keep;  // columns copied through, first
  int threads = 0;                // OpenBLAS threads; 0 = library default
  std::string device;             // --device cpu|gpu|gpu:N; empty = training.device (fit, cv) or cpu
};

CLI::App* setup_predict(CLI::App& app, PredictOptions& o);
int run_predict(const PredictOptions& o);
