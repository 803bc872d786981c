// Classification and regression metrics; see metrics.h for the conventions (sklearn's).
// Not a loss: nothing here has a gradient.
#include "nntrain/run/metrics.h"

#include <cmath>

namespace nntrain {

std::vector<std::string> metric_names(Task task) {
  switch (task) {
    case Task::binary: return {"accuracy", "precision", "recall", "f1"};
    case Task::multiclass: return {"accuracy"};
    case Task::regression: return {"mae", "r2"};
  }
  return {};
}

std::string main_metric(Task task) { return task == Task::regression ? "r2" : "accuracy"; }

bool metric_higher_is_better(const std::string& name) {
  return name == "accuracy" || name == "precision" || name == "recall" || name == "f1" || name == "r2";
}

namespace {

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

// outputs: [N, 1] probabilities of the positive class; targets: [N, 1] 0/1.
std::vector<Metric> binary_metrics(ConstMatrix outputs, ConstMatrix targets) {
  double tp = 0, fp = 0, fn = 0, tn = 0;
  for (size_t i = 0; i < outputs.rows; ++i) {
    const bool pred = outputs.at(i, 0) > 0.5f;
    const bool truth = targets.at(i, 0) > 0.5f;
    if (pred && truth) tp += 1;
    else if (pred && !truth) fp += 1;
    else if (!pred && truth) fn += 1;
    else tn += 1;
  }
  const double precision = ratio(tp, tp + fp);
  const double recall = ratio(tp, tp + fn);
  const double f1 = ratio(2 * tp, 2 * tp + fp + fn);  // = 2PR/(P+R), 0 when undefined
  return {{"accuracy", ratio(tp + tn, static_cast<double>(outputs.rows))},
          {"precision", precision},
          {"recall", recall},
          {"f1", f1}};
}

// outputs: [N, C]; targets: [N, 1] class index. The first maximum wins (torch.argmax).
std::vector<Metric> multiclass_metrics(ConstMatrix outputs, ConstMatrix targets) {
  double correct = 0;
  for (size_t i = 0; i < outputs.rows; ++i) {
    const float* o = outputs.row(i);
    size_t best = 0;
    for (size_t c = 1; c < outputs.cols; ++c)
      if (o[c] > o[best]) best = c;
    if (static_cast<long>(best) == std::lround(targets.at(i, 0))) correct += 1;
  }
  return {{"accuracy", ratio(correct, static_cast<double>(outputs.rows))}};
}

// outputs, targets: [N, T]; each metric is computed per target, then averaged (sklearn's
// multioutput="uniform_average").
std::vector<Metric> regression_metrics(ConstMatrix outputs, ConstMatrix targets) {
  const size_t n = outputs.rows, t_count = outputs.cols;
  double mae_sum = 0, r2_sum = 0;
  for (size_t t = 0; t < t_count; ++t) {
    double abs_err = 0, sq_err = 0, mean = 0;
    for (size_t i = 0; i < n; ++i) mean += targets.at(i, t);
    mean = n > 0 ? mean / static_cast<double>(n) : 0.0;
    double sq_tot = 0;
    for (size_t i = 0; i < n; ++i) {
      const double y = targets.at(i, t), p = outputs.at(i, t);
      abs_err += std::fabs(y - p);
      sq_err += (y - p) * (y - p);
      sq_tot += (y - mean) * (y - mean);
    }
    mae_sum += n > 0 ? abs_err / static_cast<double>(n) : 0.0;
    if (sq_tot > 0) r2_sum += 1.0 - sq_err / sq_tot;
    else r2_sum += sq_err == 0 ? 1.0 : 0.0;
  }
  const double k = t_count > 0 ? static_cast<double>(t_count) : 1.0;
  return {{"mae", mae_sum / k}, {"r2", r2_sum / k}};
}

}  // namespace

std::vector<Metric> compute_metrics(Task task, ConstMatrix outputs, ConstMatrix targets) {
  switch (task) {
    case Task::binary: return binary_metrics(outputs, targets);
    case Task::multiclass: return multiclass_metrics(outputs, targets);
    case Task::regression: return regression_metrics(outputs, targets);
  }
  return {};
}

}  // namespace nntrain
