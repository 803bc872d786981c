// The dataset: CSV rows become one [rows, inputs] float matrix and one [rows, targets]
// matrix, with the preprocessing (feature order, one-hot categories, standardization,
// classes) fitted on the training split and kept as one value for the model file.
// Knows nothing of networks or the command line.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nntrain/core/config.h"
#include "nntrain/core/tensor.h"

namespace nntrain {

enum class Task { binary, multiclass, regression };
const char* task_name(Task t);  // "binary" | "multiclass" | "regression"

struct CategoricalColumn {
  std::string name;
  std::vector<std::string> categories;  // encoding order (sorted bytewise)
};

// Everything predict needs to turn a CSV into network inputs and outputs back into labels.
struct Preprocessing {
  Task task = Task::regression;
  std::vector<std::string> target;    // target column name(s)
  std::vector<std::string> features;  // input columns in order, as named in the CSV
  std::vector<CategoricalColumn> categorical;  // those of `features` that are one-hot encoded
  std::string unknown_category = "error";
  bool standardize = true;
  // One per encoded input column (a categorical feature expands in place into one column per
  // category); x_std = (x - mean) / scale. One-hot columns and constant columns keep scale 1
  // (constant columns are centred only, as SPEC.md says).
  std::vector<float> mean;
  std::vector<float> scale;
  std::vector<std::string> classes;   // labels in output order, spelled as in the training file
  bool classes_numeric = false;       // labels compared and sorted as numbers
  size_t input_width() const { return mean.size(); }
  size_t output_width() const;        // 1 for binary, #classes for multiclass, #targets for regression
};

// Row-major float matrices owned by value.
struct Dataset {
  std::vector<float> x;  // [rows, x_cols], standardized
  std::vector<float> y;  // [rows, y_cols]: binary 0/1, multiclass class index, regression values
  size_t rows = 0, x_cols = 0, y_cols = 0;
  std::vector<std::vector<std::string>> kept;  // predict --keep: per kept column, one string per row
  ConstMatrix xm() const { return {x.data(), rows, x_cols}; }
  ConstMatrix ym() const { return {y.data(), rows, y_cols}; }
};

struct TrainingData {
  Preprocessing prep;
  Dataset train;
  std::optional<Dataset> val;   // absent when data.validation is 0
  std::optional<Dataset> test;  // absent when data.test is null
  std::vector<size_t> class_counts;  // per class, on the training split (classification)
  size_t dropped_rows = 0;           // rows of data.train dropped for a missing value (data.missing: drop)
};

// K-fold cross-validation: fold `index` (0-based) of `k` is the validation set, the rest
// trains; stratified for classification, seeded by training.seed.
struct FoldSpec {
  int k = 5;
  int index = 0;
};

// Reads data.train (and validation/test files), applies features/exclude/categorical/
// missing, splits (fraction stratified and seeded, a file, or the fold), fits the
// preprocessing on the training split and applies it to every split.
// Throws DataError (exit 3) with FILE:LINE:COLUMN for anything wrong in the data, and for
// data that contradicts the config (missing column, bce on three classes).
TrainingData load_training_data(const Config& cfg, std::optional<FoldSpec> fold = std::nullopt);

// The same with data.train's text given in memory (tests, fuzzing); `name` is used in error
// positions. Validation and test files, when configured, are still read from their paths.
TrainingData load_training_data_from_text(const Config& cfg, const std::string& name, const std::string& text,
                                          std::optional<FoldSpec> fold = std::nullopt);

// Reads a CSV for predict/evaluate with a fitted preprocessing. path "-" is stdin.
// with_target: the target column(s) must be present and are read into y (evaluate).
// keep: columns copied through as strings (predict --keep). Missing values are errors here.
Dataset load_inference_data(const std::string& path, const Preprocessing& prep, bool with_target,
                            const std::vector<std::string>& keep = {}, const std::string& delimiter = "auto");

// The label of class `index`, as spelled in the training file.
const std::string& class_label(const Preprocessing& prep, size_t index);

}  // namespace nntrain
