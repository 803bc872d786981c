// `nntrain fit CONFIG [KEY=VALUE ...] [--out DIR] [--threads N] [--quiet] [--json]` and
// `nntrain fit [CONFIG] --resume DIR [training.epochs=N]`: flags in, nntrain::fit() out.
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

struct FitCommandOptions {
  std::vector<std::string> args;  // [CONFIG] KEY=VALUE ...: the first one is CONFIG unless it holds '='
  std::string out;                // --out DIR (overrides output.dir)
  int threads = 0;                // --threads N; 0 = all cores
  std::string device;             // --device cpu|gpu|gpu:N; empty = training.device (fit, cv) or cpu
  bool quiet = false;
  bool json = false;              // stdout gets exactly metrics.json
  std::string resume;             // --resume DIR
};
using FitCmdOptions = FitCommandOptions;  // the name app/main.cpp uses

CLI::App* setup_fit(CLI::App& app, FitCommandOptions& o);
int run_fit(const FitCommandOptions& o);
