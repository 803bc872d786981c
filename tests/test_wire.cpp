// Tests for dist/wire.h: what rank 0 sends the other ranks comes out equal, field by field
// (floats bit for bit, -0 and NaN included), with or without a validation split; the test
// split is not sent; a truncated or padded message is an error, never a silent partial run.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "nntrain/dist/wire.h"

using namespace nntrain;
using namespace nntrain::dist;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

Dataset dataset(size_t rows, size_t xc, size_t yc, float base) {
  Dataset d;
  d.rows = rows, d.x_cols = xc, d.y_cols = yc;
  for (size_t i = 0; i < rows * xc; ++i) d.x.push_back(base + float(i) * 0.25f);
  for (size_t i = 0; i < rows * yc; ++i) d.y.push_back(float(i % 3));
  return d;
}

TrainingData sample_data(bool with_val) {
  TrainingData t;
  Preprocessing& p = t.prep;
  p.task = Task::multiclass;
  p.target = {"species"};
  p.features = {"a", "colour", "b"};
  p.categorical = {{"colour", {"blue", "red", ""}}};
  p.unknown_category = "ignore";
  p.standardize = false;
  p.mean = {0.5f, -0.0f, 0.f, 0.f, std::numeric_limits<float>::quiet_NaN()};
  p.scale = {2.f, 1.f, 1.f, 1.f, 1e-38f};
  p.classes = {"setosa", "versicolor", "virginica"};
  p.classes_numeric = true;
  t.train = dataset(7, 5, 1, -1.f);
  t.train.x[3] = -0.0f;
  if (with_val) t.val = dataset(2, 5, 1, 3.f);
  t.test = dataset(1, 5, 1, 9.f);
  t.class_counts = {3, 2, 2};
  t.dropped_rows = 4;
  return t;
}

TrainState sample_state() {
  TrainState s;
  s.epochs_done = 2;
  s.order = {3, 1, 2, 0, 6, 5, 4};
  s.batches_done = 1;
  s.rng = {1, 2, 3, 0xffffffffffffffffull};
  s.params = {1.f, -0.f, 3.f};
  s.optimizer_buffers = {{"m", {0.f, 1.f, 2.f}}};
  return s;
}

}  // namespace

TEST_CASE("wire: the run message round-trips every field rank 0 sends") {
  for (bool with_val : {true, false}) {
    const TrainingData d = sample_data(with_val);
    const std::string bytes = encode_run_message("training: {epochs: 3}\n", d, sample_state());
    const RunMessage m = decode_run_message(bytes);
    CHECK(m.config_yaml == "training: {epochs: 3}\n");
    const Preprocessing& p = m.data.prep;
    CHECK(p.task == Task::multiclass);
    CHECK(p.target == d.prep.target);
    CHECK(p.features == d.prep.features);
    REQUIRE(p.categorical.size() == 1);
    CHECK(p.categorical[0].name == "colour");
    CHECK(p.categorical[0].categories == d.prep.categorical[0].categories);
    CHECK(p.unknown_category == "ignore");
    CHECK(!p.standardize);
    CHECK(same_bits(p.mean, d.prep.mean));
    CHECK(same_bits(p.scale, d.prep.scale));
    CHECK(p.classes == d.prep.classes);
    CHECK(p.classes_numeric);
    CHECK(m.data.class_counts == d.class_counts);
    CHECK(m.data.dropped_rows == 4);
    CHECK(m.data.train.rows == 7);
    CHECK(m.data.train.x_cols == 5);
    CHECK(same_bits(m.data.train.x, d.train.x));
    CHECK(same_bits(m.data.train.y, d.train.y));
    CHECK(m.data.val.has_value() == with_val);
    if (with_val) CHECK(same_bits(m.data.val->x, d.val->x));
    CHECK(!m.data.test.has_value());  // rank 0's final metrics alone read it
    CHECK(m.state.order == sample_state().order);
    CHECK(m.state.rng == sample_state().rng);
    CHECK(same_bits(m.state.params, sample_state().params));
  }
}

TEST_CASE("wire: a truncated or padded message is an error") {
  const std::string bytes = encode_run_message("x: 1\n", sample_data(true), sample_state());
  for (size_t cut : {size_t(0), size_t(5), bytes.size() / 2, bytes.size() - 1})
    CHECK_THROWS(decode_run_message(bytes.substr(0, cut)));
  CHECK_THROWS(decode_run_message(bytes + "z"));
}
