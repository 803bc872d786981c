// `nntrain info MODEL [--json]`: what a model file holds: architecture, parameter count,
// features, classes, preprocessing, provenance. Reads and verifies the file; changes nothing.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

struct InfoOptions {
  std::string model;  // a model.bin
  bool json = false;  // one JSON object on stdout instead of text
};

CLI::App* setup_info(CLI::App& app, InfoOptions& o);
int run_info(const InfoOptions& o);
