// `nntrain export MODEL -o FILE.onnx [--opset 13|17]`: the model as an ONNX file, with its
// preprocessing and class labels inside the graph. The command line side only; the graph is
// built in lib/nntrain/export/.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

struct ExportOptions {
  std::string model;   // model.bin
  std::string output;  // the .onnx file, written atomically; "-" = stdout
  int opset = 17;      // 17 (IR 8) or 13 (IR 7, older runtimes)
};

CLI::App* setup_export(CLI::App& app, ExportOptions& o);
int run_export(const ExportOptions& o);
