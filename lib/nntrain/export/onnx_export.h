// An nntrain model as an ONNX model that ONNX Runtime runs: standardization, one-hot encoding of
// categorical columns and the class labels inside the graph, so the file alone turns raw
// feature values into what `nntrain predict` prints. Not a general converter: the graph is an
// MLP's (Gemm and elementwise activations), built from model.bin's architecture and weights.
//
// Inputs (batch dimension symbolic, "N"):
//   input       float32 [N, F]  the numeric features, in training order (raw values)
//   <column>    string  [N, 1]  one per categorical column, named after it (a C identifier)
// Outputs:
//   label [N] (int64 when every class is an integer as written, else string) and
//   probabilities float32 [N, C] (binary: [1 - p, p]) for classification; prediction
//   float32 [N, T] for regression.
#pragma once
#include <string>
#include <vector>

#include "nntrain/export/onnx_model.h"
#include "nntrain/run/model_file.h"

namespace nntrain {

struct OnnxExportOptions {
  int opset = 17;  // 17 (IR 8, the default) or 13 (IR 7, for older runtimes)
};

struct OnnxExport {
  std::string bytes;                  // the .onnx file
  std::vector<std::string> warnings;  // what the user must know (the command prints them)
};

// Reads and verifies MODEL (ModelFileError, exit 4, for a bad file) and builds its ONNX
// model. The same model file always gives the same bytes (no timestamp, no path). Every model
// that decode_model accepts can be exported (its strings are UTF-8: the JSON header is); a
// model trained with data.unknown_category: error gets a warning, since ONNX cannot raise.
// ConfigError (exit 2) for an opset other than 13 or 17.
OnnxExport export_onnx(const std::string& model_path, const OnnxExportOptions& options);

// The graph itself, for a model already loaded; `source_checksum` goes into the metadata.
OnnxModel onnx_from_model(const LoadedModel& model, const std::string& source_checksum,
                          const OnnxExportOptions& options, std::vector<std::string>* warnings);

// The graph input name of a categorical column: a C identifier (other characters become
// '_', '_' before a leading digit or for an empty name).
std::string onnx_identifier(const std::string& column);

}  // namespace nntrain
