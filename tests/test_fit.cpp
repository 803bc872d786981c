// fit.cpp end to end in-process: parity of the per-epoch losses with a PyTorch run of the
// same training (tests/fixtures/make_fit_parity.py), byte-identical model.bin across runs and
// across an interruption + resume, the run directory's files, divergence.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "nntrain/data/config_io.h"
#include "nntrain/core/error.h"
#include "nntrain/run/fit.h"
#include "nntrain/run/model_file.h"
#include "nntrain/run/signals.h"

using namespace nntrain;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = NNTRAIN_FIXTURES_DIR;
const std::string kData = std::string(NNTRAIN_SOURCE_DIR) + "/data";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path temp_root() { return fs::temp_directory_path() / ("nntrain_test_fit_" + std::to_string(::getpid())); }

// Removes this process's temporary folders when the test program ends.
struct TempCleanup {
  ~TempCleanup() {
    std::error_code ec;
    fs::remove_all(temp_root(), ec);
  }
} temp_cleanup;

fs::path temp_dir(const std::string& name) {
  fs::path p = temp_root() / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cur;
    for (char c : line) {
      if (c == ',') f.push_back(cur), cur.clear();
      else cur += c;
    }
    f.push_back(cur);
    rows.push_back(f);
  }
  return rows;
}

FitOptions quiet_options(const fs::path& out) {
  FitOptions o;
  o.out_dir = out.string();
  o.threads = 1;
  o.quiet = true;
  o.install_signal_handlers = false;
  return o;
}

// A small binary run on breast_cancer.csv with shuffling and dropout (both use the RNG).
Config small_config(const std::vector<std::string>& overrides = {}) {
  const std::string yaml = "data: {train: " + kData + "/breast_cancer.csv, target: label, validation: 0.2}\n"
                           "model:\n  layers:\n    - {units: 16, activation: relu, dropout: 0.1}\n"
                           "    - {units: 1, activation: sigmoid}\n"
                           "training: {epochs: 6, batch_size: 32, seed: 3}\n";
  return parse_config(yaml, "small.yaml", kData, overrides);
}

}  // namespace

TEST_CASE("per-epoch losses match PyTorch's run of the same training (1e-4 relative)") {
  const Config cfg = load_config(kFixtures + "/fit_parity/config.yaml");
  const fs::path out = temp_dir("parity");
  const FitResult r = fit(cfg, quiet_options(out));
  REQUIRE(r.exit_code == 0);
  const auto expected = nlohmann::json::parse(read_file(kFixtures + "/fit_parity/expected.json"));
  const auto log = read_csv(out / "log.csv");
  REQUIRE(log.size() == 21);
  CHECK(log[0] == std::vector<std::string>{"epoch", "train_loss", "val_loss", "val_accuracy", "val_precision",
                                           "val_recall", "val_f1", "lr", "seconds"});
  double worst = 0;
  for (size_t e = 0; e < 20; ++e) {
    const auto& want = expected["epochs"][e];
    const auto& row = log[e + 1];
    CAPTURE(e + 1);
    CHECK(std::stoi(row[0]) == want["epoch"].get<int>());
    const double tl = std::stod(row[1]), vl = std::stod(row[2]), acc = std::stod(row[3]);
    const double wtl = want["train_loss"].get<double>(), wvl = want["val_loss"].get<double>();
    CHECK(tl == doctest::Approx(wtl).epsilon(1e-4));
    CHECK(vl == doctest::Approx(wvl).epsilon(1e-4));
    CHECK(acc == doctest::Approx(want["val_accuracy"].get<double>()).epsilon(1e-6));
    worst = std::max({worst, std::fabs(tl - wtl) / wtl, std::fabs(vl - wvl) / wvl});
  }
  MESSAGE("worst relative loss difference vs PyTorch over 20 epochs: " << worst);

  // The final weights too (1e-5 absolute; measured about 1e-7).
  const LoadedModel m = load_model((out / "model.bin").string());
  double worst_w = 0;
  for (const auto& t : m.tensors) {
    const auto& want = expected["final_state_dict"][t.name];
    REQUIRE(want.size() == t.data.size());
    for (size_t i = 0; i < t.data.size(); ++i) worst_w = std::max(worst_w, std::fabs(t.data[i] - want[i].get<double>()));
  }
  MESSAGE("worst absolute final-weight difference: " << worst_w);
  CHECK(worst_w < 1e-5);
}

TEST_CASE("two fits of one config give byte-identical model.bin, whatever the folder") {
  const Config cfg = small_config();
  const fs::path a = temp_dir("det_a"), b = temp_dir("det_b_other_name");
  REQUIRE(fit(cfg, quiet_options(a)).exit_code == 0);
  REQUIRE(fit(cfg, quiet_options(b)).exit_code == 0);
  const std::string ma = read_file(a / "model.bin"), mb = read_file(b / "model.bin");
  CHECK(ma.size() > 100);
  CHECK(ma == mb);
}

TEST_CASE("the run directory holds every file of SPEC.md") {
  const fs::path out = temp_dir("shape");
  const FitResult r = fit(small_config(), quiet_options(out));
  REQUIRE(r.exit_code == 0);
  CHECK(r.stopped == "completed");
  for (const char* f : {"model.bin", "log.csv", "config.yaml", "metrics.json", "learning_curve.svg", "checkpoint.bin"})
    CHECK_MESSAGE(fs::exists(out / f), f);
  for (const auto& e : fs::directory_iterator(out))  // no temporaries left behind
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  const auto m = nlohmann::json::parse(read_file(out / "metrics.json"));
  for (const char* k : {"train_loss", "val_loss", "val_accuracy", "val_precision", "val_recall", "val_f1",
                        "train_accuracy", "epochs_run", "best_epoch", "seconds", "stopped", "nntrain_version",
                        "threads", "blas"})
    CHECK_MESSAGE(m.contains(k), k);
  CHECK(m["epochs_run"] == 6);
  CHECK(m["threads"] == 1);
  CHECK(m["stopped"] == "completed");
  CHECK(m["blas"].contains("core"));
  CHECK(nlohmann::json::parse(r.metrics_json) == m);
  const auto log = read_csv(out / "log.csv");
  CHECK(log.size() == 7);
  // The resolved config reproduces the run.
  const Config again = load_config((out / "config.yaml").string());
  const fs::path out2 = temp_dir("shape_again");
  REQUIRE(fit(again, quiet_options(out2)).exit_code == 0);
  CHECK(read_file(out / "model.bin") == read_file(out2 / "model.bin"));
}

TEST_CASE("regression without validation: empty validation columns") {
  const std::string yaml = "data: {train: " + kData + "/iris.csv, target: petal_width_cm, validation: 0,\n"
                           "       exclude: [label]}\n"
                           "model: {layers: [{units: 8, activation: tanh}, {units: 1}]}\n"
                           "loss: mse\ntraining: {epochs: 3, batch_size: full}\n";
  const Config cfg = parse_config(yaml, "reg.yaml", kData);
  const fs::path out = temp_dir("reg");
  REQUIRE(fit(cfg, quiet_options(out)).exit_code == 0);
  const auto log = read_csv(out / "log.csv");
  CHECK(log[0] == std::vector<std::string>{"epoch", "train_loss", "val_loss", "val_mae", "val_r2", "lr", "seconds"});
  REQUIRE(log.size() == 4);
  CHECK(log[1][2].empty());
  CHECK(log[1][3].empty());
  const auto m = nlohmann::json::parse(read_file(out / "metrics.json"));
  CHECK(m.contains("train_mae"));
  CHECK_FALSE(m.contains("val_loss"));
}

TEST_CASE("divergence: exit 1, log.csv and metrics.json, no model.bin") {
  const Config cfg = small_config({"optimizer.name=sgd", "optimizer.lr=1.0e+12"});
  const fs::path out = temp_dir("diverge");
  const FitResult r = fit(cfg, quiet_options(out));
  CHECK(r.exit_code == 1);
  CHECK(r.stopped == "diverged");
  CHECK(r.message.find("learning rate") != std::string::npos);
  CHECK_FALSE(fs::exists(out / "model.bin"));
  CHECK(fs::exists(out / "log.csv"));
  const auto m = nlohmann::json::parse(read_file(out / "metrics.json"));
  CHECK(m["stopped"] == "diverged");
}

TEST_CASE("interrupted after k batches, resumed: the same model.bin as the uninterrupted run") {
  const Config cfg = small_config({"output.checkpoint_every=2"});
  const fs::path full = temp_dir("resume_full");
  REQUIRE(fit(cfg, quiet_options(full)).exit_code == 0);
  // 15 batches per epoch: mid epoch 3 (SIGINT), right at the end of epoch 2 (SIGTERM), first batch.
  for (const char* stop : {"40", "30:term", "1"}) {
    CAPTURE(stop);
    const fs::path part = temp_dir(std::string("resume_part_") + stop);
    ::setenv("NNTRAIN_TEST_STOP_AFTER_BATCHES", stop, 1);
    const FitResult r1 = fit(cfg, quiet_options(part));
    ::unsetenv("NNTRAIN_TEST_STOP_AFTER_BATCHES");
    const bool term = std::string(stop).find(":term") != std::string::npos;
    CHECK(r1.exit_code == (term ? 143 : 130));
    CHECK(r1.stopped == "interrupted");
    CHECK(fs::exists(part / "checkpoint.bin"));
    CHECK(fs::exists(part / "model.bin"));
    CHECK(nlohmann::json::parse(read_file(part / "metrics.json"))["stopped"] == "interrupted");
    const Config rc = resume_config(part.string(), "", {});
    FitOptions o = quiet_options(part);
    o.resume = true;
    const FitResult r2 = fit(rc, o);
    CHECK(r2.exit_code == 0);
    CHECK(read_file(part / "model.bin") == read_file(full / "model.bin"));
    const auto log = read_csv(part / "log.csv");
    REQUIRE(log.size() == 7);
    for (size_t i = 1; i < log.size(); ++i) CHECK(std::stoi(log[i][0]) == static_cast<int>(i));
  }
}

TEST_CASE("--resume with training.epochs=N extends a finished run; other changes are refused") {
  const Config cfg = small_config();
  const fs::path run = temp_dir("extend");
  REQUIRE(fit(cfg, quiet_options(run)).exit_code == 0);
  CHECK_THROWS_WITH_AS(resume_config(run.string(), "", {"optimizer.lr=0.5"}),
                       "optimizer.lr is 0.001 in the run and 0.5 in the overrides; only training.epochs and "
                       "training.grad_shards may change when resuming (for other changes start a new run)",
                       ConfigError);
  // grad_shards: the run's (its config.yaml says auto: one shard) unless given.
  CHECK(resume_config(run.string(), "", {}).training.grad_shards == 1);
  CHECK(resume_config(run.string(), "", {"training.grad_shards=6"}).training.grad_shards == 6);
  CHECK_THROWS_WITH_AS(resume_config(run.string(), "", {"model.layers.0.units=8"}),
                       doctest::Contains("model.layers.0 is {units: 16, "), ConfigError);
  CHECK_NOTHROW(resume_config(run.string(), "", {"loss={name: bce}"}));  // `loss: bce` spelled long: the same run
  Config done = resume_config(run.string(), "", {});
  FitOptions o = quiet_options(run);
  o.resume = true;
  {  // complete: nothing to do, exit 0, the run's metrics.json, no file written
    const auto model_time = fs::last_write_time(run / "model.bin");
    const FitResult nothing = fit(done, o);
    CHECK(nothing.exit_code == 0);
    CHECK(nothing.stopped == "completed");
    CHECK(nothing.metrics_json + "\n" == read_file(run / "metrics.json"));
    CHECK(fs::last_write_time(run / "model.bin") == model_time);
  }
  const Config ext = resume_config(run.string(), "", {"training.epochs=9"});
  CHECK(ext.training.epochs == 9);
  REQUIRE(fit(ext, o).exit_code == 0);
  const auto log = read_csv(run / "log.csv");
  REQUIRE(log.size() == 10);
  CHECK(log[9][0] == "9");
  CHECK(nlohmann::json::parse(read_file(run / "metrics.json"))["epochs_run"] == 9);
}

TEST_CASE("a last layer that does not fit the data is a data error") {
  const Config cfg = small_config({"model.layers.1={units: 3, activation: softmax}", "loss=cross_entropy"});
  CHECK_THROWS_AS(fit(cfg, quiet_options(temp_dir("width"))), DataError);
}

TEST_CASE("early stopping: model.bin holds the best epoch's weights; its resume does nothing") {
  // min_delta 1e9: no epoch after the first counts as better, so patience 2 stops after epoch 3
  // and restores epoch 1. A plain one-epoch run (constant lr) has exactly those weights.
  const Config es = small_config({"training.early_stopping={monitor: val_loss, patience: 2, min_delta: 1.0e+9}"});
  const fs::path out = temp_dir("es");
  const FitResult r = fit(es, quiet_options(out));
  REQUIRE(r.exit_code == 0);
  CHECK(r.stopped == "early_stopping");
  const auto m = nlohmann::json::parse(r.metrics_json);
  CHECK(m["epochs_run"] == 3);
  CHECK(m["best_epoch"] == 1);
  CHECK(read_csv(out / "log.csv").size() == 4);
  const fs::path one = temp_dir("es_one");
  REQUIRE(fit(small_config({"training.epochs=1"}), quiet_options(one)).exit_code == 0);
  CHECK(read_file(out / "model.bin") == read_file(one / "model.bin"));
  FitOptions o = quiet_options(out);
  o.resume = true;
  const FitResult again = fit(resume_config(out.string(), "", {"training.epochs=20"}), o);
  CHECK(again.exit_code == 0);
  CHECK(again.stopped == "early_stopping");
  // Final files missing: written again from the checkpoint, the best epoch's weights restored.
  fs::remove(out / "model.bin");
  const FitResult finished = fit(resume_config(out.string(), "", {}), o);
  CHECK(finished.exit_code == 0);
  CHECK(finished.stopped == "early_stopping");
  CHECK(nlohmann::json::parse(finished.metrics_json)["best_epoch"] == 1);
  CHECK(read_file(out / "model.bin") == read_file(one / "model.bin"));
}

TEST_CASE("loss.class_weights labels map to class indices") {
  const std::string yaml = "data: {train: " + kData + "/iris-named.csv, target: species}\n"
                           "model: {layers: [{units: 8, activation: relu}, {units: 3, activation: softmax}]}\n"
                           "loss: {name: cross_entropy, class_weights: {virginica: 2.0}}\n"
                           "training: {epochs: 2}\n";
  const fs::path cw = temp_dir("cw");
  CHECK(fit(parse_config(yaml, "cw.yaml", kData), quiet_options(cw)).exit_code == 0);
  // Resuming with another class named: the block differs in shape, so it is named as a whole.
  CHECK_THROWS_WITH_AS(resume_config(cw.string(), "", {"loss.class_weights={setosa: 2.0}"}),
                       doctest::Contains("loss.class_weights differs between the run and the overrides"), ConfigError);
  const Config bad = parse_config(yaml, "cw.yaml", kData, {"loss.class_weights={virginca: 2.0}"});
  CHECK_THROWS_AS(fit(bad, quiet_options(temp_dir("cw_bad"))), DataError);
  const Config balanced = parse_config(yaml, "cw.yaml", kData, {"loss.class_weights=balanced"});
  CHECK(fit(balanced, quiet_options(temp_dir("cw_bal"))).exit_code == 0);
}

TEST_CASE("loss_class_weights: numeric labels compare as numbers; two spellings of one class are an error") {
  Preprocessing prep;
  prep.classes = {"0", "1", "2"};
  prep.classes_numeric = true;
  LossConfig lc;
  lc.name = "cross_entropy";
  lc.class_weights = {{"2.0", 3.0}, {"0", 0.5}};
  CHECK(loss_class_weights(lc, prep, {}) == std::vector<float>{0.5f, 1.0f, 3.0f});
  lc.class_weights = {{"0", 1.0}, {"0.0", 2.0}};
  CHECK_THROWS_WITH_AS(loss_class_weights(lc, prep, {}),
                       "loss.class_weights: '0' and '0.0' are the same class '0' of the data; give it one weight",
                       DataError);  // exit 3: with string labels "0" and "0.0" they would be two classes

}

TEST_CASE("loss_class_weights: string labels map to their class index; balanced from the class counts") {
  Preprocessing prep;
  prep.classes = {"setosa", "versicolor", "virginica"};
  LossConfig lc;
  lc.name = "cross_entropy";
  lc.class_weights = {{"virginica", 2.0}};
  CHECK(loss_class_weights(lc, prep, {}) == std::vector<float>{1.0f, 1.0f, 2.0f});
  LossConfig bal;
  bal.name = "cross_entropy";
  bal.class_weights_balanced = true;
  // sklearn's balanced: n / (classes * count) = 6 / (3 * {1, 2, 3}).
  const std::vector<float> w = loss_class_weights(bal, prep, {1, 2, 3});
  REQUIRE(w.size() == 3);
  CHECK(w[0] == doctest::Approx(2.0));
  CHECK(w[1] == doctest::Approx(1.0));
  CHECK(w[2] == doctest::Approx(2.0 / 3.0));
  CHECK(loss_class_weights(bal, prep, {}).empty());  // a saved model has no counts: unweighted
}
