// The task's metrics from network outputs and targets: accuracy (classification), precision,
// recall and F1 (binary, the second class positive), MAE and R² (regression, averaged over targets).
// Pure functions over matrices; no losses here (loss.h), no I/O.
#pragma once
#include <string>
#include <vector>

#include "nntrain/data/dataset.h"
#include "nntrain/core/tensor.h"

namespace nntrain {

struct Metric {
  std::string name;  // accuracy | precision | recall | f1 | mae | r2
  double value = 0;
};

// The metric names of a task, in log.csv / metrics.json order.
// binary: accuracy, precision, recall, f1; multiclass: accuracy; regression: mae, r2.
std::vector<std::string> metric_names(Task task);
// The one metric a learning curve shows: accuracy for classification, r2 for regression.
std::string main_metric(Task task);
// accuracy, precision, recall, f1, r2: true; mae (and losses): false.
bool metric_higher_is_better(const std::string& name);

// outputs: [N, out] network outputs (binary: the sigmoid probability, [N, 1]; multiclass:
// probabilities or logits, [N, C], argmax is the prediction; regression: values [N, T]).
// targets: [N, T] as in Dataset::y (binary 0/1, multiclass class index, regression values).
// Binary prediction is p > 0.5 (sklearn's decision > 0). A ratio with a zero denominator is 0
// (sklearn's zero_division=0). R² of a constant target is 1 when predicted exactly, else 0
// (sklearn's force_finite). Sums in double.
std::vector<Metric> compute_metrics(Task task, ConstMatrix outputs, ConstMatrix targets);

}  // namespace nntrain
