// `nntrain export`: reads and verifies a model file, writes its ONNX graph (export_onnx) to a
// file (atomically: no half-written file on failure) or to stdout, prints the exporter's
// warnings on stderr.
#include "cmd_export.h"

#include <unistd.h>

#include <cstdio>

#include "csv_out.h"
#include "nntrain/core/error.h"
#include "nntrain/export/onnx_export.h"

CLI::App* setup_export(CLI::App& app, ExportOptions& o) {
  CLI::App* sub = app.add_subcommand("export", "Write a model as ONNX, preprocessing and class labels included");
  sub->add_option("MODEL", o.model, "model.bin written by 'nntrain fit'")->required()->type_name("FILE");
  sub->add_option("-o,--output", o.output, "the ONNX file to write (atomically); - = stdout")
      ->required()
      ->type_name("FILE.onnx");
  sub->add_option("--opset", o.opset, "ONNX opset: 17 (IR 8, default) or 13 (IR 7, for older runtimes)")
      ->check(CLI::IsMember({13, 17}).description(""))
      ->type_name("{13,17}");
  return sub;
}

int run_export(const ExportOptions& o) {
  using namespace nntrain;
  if ((o.output == "-") && ::isatty(STDOUT_FILENO))
    throw Error(kExitUsage, "not writing a binary ONNX file to a terminal: redirect stdout or give -o FILE.onnx");
  const OnnxExport e = export_onnx(o.model, {o.opset});
  for (const std::string& w : e.warnings) std::fprintf(stderr, "nntrain: warning: %s\n", w.c_str());
  write_output(o.output, e.bytes);
  return 0;
}
