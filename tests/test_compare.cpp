// Tests of lib/nntrain/run/compare: config flattening, metrics.json reading, differing keys,
// sort direction and fallback, table alignment. Expected values are written out by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "nntrain/run/compare.h"
#include "nntrain/core/error.h"

using namespace nntrain;

namespace {

RunSummary run(const std::string& dir, std::map<std::string, std::string> params, std::map<std::string, double> metrics) {
  RunSummary r;
  r.dir = dir;
  r.params = std::move(params);
  r.metrics = std::move(metrics);
  return r;
}

std::vector<std::string> dirs(const std::vector<RunSummary>& runs) {
  std::vector<std::string> d;
  for (const auto& r : runs) d.push_back(r.dir);
  return d;
}

}  // namespace

TEST_CASE("flatten_yaml: maps by key, lists of maps by index, scalar lists as one value") {
  const auto f = flatten_yaml(
      "optimizer:\n  name: adam\n  lr: 0.001\n  betas: [0.9, 0.999]\n"
      "model:\n  layers:\n    - {units: 64, activation: relu}\n    - {units: 1, activation: sigmoid}\n"
      "training:\n  clip_grad_norm: null\n  early_stopping: {monitor: val_loss, patience: 10}\n"
      "data:\n  exclude: []\n",
      "c.yaml");
  CHECK(f.at("optimizer.name") == "adam");
  CHECK(f.at("optimizer.lr") == "0.001");
  CHECK(f.at("optimizer.betas") == "[0.9, 0.999]");
  CHECK(f.at("model.layers.0.units") == "64");
  CHECK(f.at("model.layers.1.activation") == "sigmoid");
  CHECK(f.at("training.clip_grad_norm") == "null");
  CHECK(f.at("training.early_stopping.patience") == "10");
  CHECK(f.at("data.exclude") == "[]");
  CHECK(f.size() == 11);
}

TEST_CASE("flatten_yaml: malformed YAML is a config error with its position") {
  try {
    flatten_yaml("a:\n  b: [1, 2\n", "bad.yaml");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 2);
    CHECK(e.pos().file == "bad.yaml");
    CHECK(e.pos().line >= 2);
  }
}

TEST_CASE("read_metrics_json: numbers and strings at the top level, nested values ignored") {
  RunSummary r;
  read_metrics_json(R"({"train_loss": 0.25, "val_accuracy": 0.9, "epochs_run": 10, "stopped": "completed",
                        "blas": {"library": "OpenBLAS"}, "test_loss": null})",
                    "m.json", r);
  CHECK(r.metrics.at("train_loss") == 0.25);
  CHECK(r.metrics.at("val_accuracy") == 0.9);
  CHECK(r.metrics.at("epochs_run") == 10);
  CHECK(std::isnan(r.metrics.at("test_loss")));
  CHECK(r.info.at("stopped") == "completed");
  CHECK(r.metrics.count("blas") == 0);
  CHECK(r.info.count("blas") == 0);
  try {
    read_metrics_json("{\"a\": ", "m.json", r);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 3);
    CHECK(e.pos().file == "m.json");
  }
  CHECK_THROWS_AS(read_metrics_json("[1, 2]", "m.json", r), DataError);
}

TEST_CASE("differing_params: only keys whose values differ; a missing key differs; output.dir left out") {
  std::vector<RunSummary> runs{
      run("a", {{"optimizer.lr", "0.1"}, {"training.epochs", "10"}, {"output.dir", "runs/a"}}, {}),
      run("b", {{"optimizer.lr", "0.01"}, {"training.epochs", "10"}, {"output.dir", "runs/b"}, {"x", "1"}}, {}),
  };
  CHECK(differing_params(runs) == std::vector<std::string>{"optimizer.lr", "x"});
  CHECK(differing_params({runs[0]}).empty());
}

TEST_CASE("higher_is_better: accuracy, precision, recall, f1, r2 up; losses and mae down") {
  for (const char* m : {"val_accuracy", "test_f1", "val_r2", "accuracy", "val_precision", "train_recall"})
    CHECK(higher_is_better(m));
  for (const char* m : {"val_loss", "train_loss", "val_mae", "mae", "epochs_run"}) CHECK_FALSE(higher_is_better(m));
}

TEST_CASE("resolve_sort_metric: default val_loss, fallback train_loss, val_ prefix, unknown is exit 2") {
  std::vector<RunSummary> with_val{run("a", {}, {{"train_loss", 1}, {"val_loss", 2}, {"val_accuracy", 0.5}})};
  std::vector<RunSummary> no_val{run("a", {}, {{"train_loss", 1}})};
  CHECK(resolve_sort_metric(with_val, "") == "val_loss");
  CHECK(resolve_sort_metric(no_val, "") == "train_loss");
  CHECK(resolve_sort_metric(with_val, "accuracy") == "val_accuracy");
  CHECK(resolve_sort_metric(with_val, "train_loss") == "train_loss");
  try {
    resolve_sort_metric(with_val, "val_f2");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 2);
    CHECK(e.message().find("val_accuracy") != std::string::npos);
  }
}

TEST_CASE("sort_runs: losses ascending, accuracy descending, ties by val_loss, runs without the metric last, stable") {
  std::vector<RunSummary> runs{
      run("r1", {}, {{"val_loss", 0.5}, {"val_accuracy", 0.80}}),
      run("r2", {}, {{"val_loss", 0.2}, {"val_accuracy", 0.70}}),
      run("r3", {}, {{"train_loss", 0.1}}),
      run("r4", {}, {{"val_loss", std::nan("")}, {"val_accuracy", 0.95}}),
      run("r5", {}, {{"val_loss", 0.2}, {"val_accuracy", 0.80}}),
  };
  auto a = runs;
  sort_runs(a, "val_loss");
  CHECK(dirs(a) == std::vector<std::string>{"r2", "r5", "r1", "r3", "r4"});
  auto b = runs;
  sort_runs(b, "val_accuracy");
  CHECK(dirs(b) == std::vector<std::string>{"r4", "r5", "r1", "r2", "r3"});  // r5 ties r1 on accuracy, lower val_loss
}

TEST_CASE("metric_columns and format_compare_table: fixed order, aligned columns") {
  std::vector<RunSummary> runs{
      run("runs/lr0.1", {{"optimizer.lr", "0.1"}}, {{"val_loss", 0.25}, {"train_loss", 0.125}, {"epochs_run", 5}}),
      run("runs/lr0.01", {{"optimizer.lr", "0.01"}}, {{"val_loss", 0.5}, {"train_loss", 0.375}, {"epochs_run", 5}}),
  };
  runs[0].info["stopped"] = "completed";
  CHECK(metric_columns(runs) == std::vector<std::string>{"train_loss", "val_loss", "epochs_run"});
  CHECK(format_compare_table(runs) ==
        "run          optimizer.lr  train_loss  val_loss  epochs_run  stopped\n"
        "runs/lr0.1   0.1           0.125       0.25      5           completed\n"
        "runs/lr0.01  0.01          0.375       0.5       5           -\n");
  runs[1].params["optimizer.lr"] = std::string(50, 'x');
  const std::string t = format_compare_table(runs);
  CHECK(t.find(std::string(37, 'x') + "...  ") != std::string::npos);
  CHECK(t.find(std::string(38, 'x')) == std::string::npos);
}
