// metrics.cpp against values computed by hand (and sklearn's conventions for the edge cases:
// zero_division=0, r2 of a constant target = 1 when predicted exactly).
#include <doctest/doctest.h>

#include <vector>

#include "nntrain/run/metrics.h"

using namespace nntrain;

namespace {

double value(const std::vector<Metric>& ms, const char* name) {
  for (const auto& m : ms)
    if (m.name == name) return m.value;
  FAIL("metric missing: " << name);
  return 0;
}

}  // namespace

TEST_CASE("metric names follow the task") {
  CHECK(metric_names(Task::binary) == std::vector<std::string>{"accuracy", "precision", "recall", "f1"});
  CHECK(metric_names(Task::multiclass) == std::vector<std::string>{"accuracy"});
  CHECK(metric_names(Task::regression) == std::vector<std::string>{"mae", "r2"});
  CHECK(metric_higher_is_better("accuracy"));
  CHECK(metric_higher_is_better("r2"));
  CHECK_FALSE(metric_higher_is_better("mae"));
}

TEST_CASE("binary metrics: the second class is positive, p > 0.5 predicts it") {
  // preds 1,0,1,0,1 vs truth 1,0,0,1,1: TP 2, FP 1, FN 1, TN 1.
  std::vector<float> p = {0.9f, 0.2f, 0.6f, 0.4f, 0.7f}, y = {1, 0, 0, 1, 1};
  auto ms = compute_metrics(Task::binary, {p.data(), 5, 1}, {y.data(), 5, 1});
  CHECK(value(ms, "accuracy") == doctest::Approx(0.6));
  CHECK(value(ms, "precision") == doctest::Approx(2.0 / 3.0));
  CHECK(value(ms, "recall") == doctest::Approx(2.0 / 3.0));
  CHECK(value(ms, "f1") == doctest::Approx(2.0 / 3.0));

  // Precision 1/1, recall 1/3: F1 = 2PR/(P+R) = 0.5.
  std::vector<float> p2 = {0.8f, 0.1f, 0.3f, 0.5f}, y2 = {1, 1, 1, 0};
  auto ms2 = compute_metrics(Task::binary, {p2.data(), 4, 1}, {y2.data(), 4, 1});
  CHECK(value(ms2, "precision") == doctest::Approx(1.0));
  CHECK(value(ms2, "recall") == doctest::Approx(1.0 / 3.0));
  CHECK(value(ms2, "f1") == doctest::Approx(0.5));
  CHECK(value(ms2, "accuracy") == doctest::Approx(0.5));  // 0.5 exactly is negative: right for row 4
}

TEST_CASE("binary metrics with no predicted positive are 0, not NaN") {
  std::vector<float> p = {0.1f, 0.2f}, y = {1, 0};
  auto ms = compute_metrics(Task::binary, {p.data(), 2, 1}, {y.data(), 2, 1});
  CHECK(value(ms, "precision") == 0.0);
  CHECK(value(ms, "recall") == 0.0);
  CHECK(value(ms, "f1") == 0.0);
  CHECK(value(ms, "accuracy") == doctest::Approx(0.5));
}

TEST_CASE("multiclass accuracy takes the first maximum") {
  std::vector<float> p = {0.1f, 0.7f, 0.2f,  //
                          0.5f, 0.3f, 0.2f,  //
                          0.2f, 0.2f, 0.6f,  //
                          0.4f, 0.4f, 0.2f};
  std::vector<float> y = {1, 2, 2, 0};
  auto ms = compute_metrics(Task::multiclass, {p.data(), 4, 3}, {y.data(), 4, 1});
  REQUIRE(ms.size() == 1);
  CHECK(value(ms, "accuracy") == doctest::Approx(0.75));
}

TEST_CASE("regression MAE and R2, averaged over targets") {
  // One target: |e| = .5, 0, 1, 1 -> MAE .625; SSE 2.25, SST 5 -> R2 .55.
  std::vector<float> p = {1.5f, 2, 2, 5}, y = {1, 2, 3, 4};
  auto ms = compute_metrics(Task::regression, {p.data(), 4, 1}, {y.data(), 4, 1});
  CHECK(value(ms, "mae") == doctest::Approx(0.625));
  CHECK(value(ms, "r2") == doctest::Approx(0.55));

  // A second, constant target predicted exactly (R2 1, MAE 0): the means of the two.
  std::vector<float> p2 = {1.5f, 7, 2, 7, 2, 7, 5, 7}, y2 = {1, 7, 2, 7, 3, 7, 4, 7};
  auto ms2 = compute_metrics(Task::regression, {p2.data(), 4, 2}, {y2.data(), 4, 2});
  CHECK(value(ms2, "mae") == doctest::Approx(0.3125));
  CHECK(value(ms2, "r2") == doctest::Approx(0.775));

  // A constant target predicted wrongly: R2 0 (sklearn's force_finite).
  std::vector<float> p3 = {1, 2}, y3 = {3, 3};
  auto ms3 = compute_metrics(Task::regression, {p3.data(), 2, 1}, {y3.data(), 2, 1});
  CHECK(value(ms3, "r2") == 0.0);
  CHECK(value(ms3, "mae") == doctest::Approx(1.5));
}
