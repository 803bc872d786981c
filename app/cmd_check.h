// `nntrain check CONFIG [KEY=VALUE ...] [--print-config]`: validates config, overrides and
// data and prints the network summary; trains nothing and writes nothing.
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

struct CheckOptions {
  std::string config;
  std::vector<std::string> overrides;  // KEY=VALUE, applied in order
  bool print_config = false;           // print the resolved config (YAML) instead
};

CLI::App* setup_check(CLI::App& app, CheckOptions& o);
int run_check(const CheckOptions& o);
