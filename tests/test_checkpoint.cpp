// Tests for checkpoint.h: TrainState survives encode/decode bit for bit (doubles, uint64 RNG
// words, U32 order, every buffer), the bytes are deterministic, and damaged or foreign files
// are ModelFileErrors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "nntrain/run/checkpoint.h"
#include "nntrain/core/error.h"
#include "nntrain/run/safetensors.h"
#include "safetensors_util.h"

using namespace nntrain;
using test_util::for_each_bit_flip;
using test_util::header_len;
using test_util::model_file_error;
using test_util::with_metadata;

namespace {

TrainState awkward_state() {
  TrainState s;
  s.epochs_done = 7;
  s.order = {4, 0, 3, 1, 2, 0xffffffffu};
  s.batches_done = 3;
  s.epoch_loss_sum = 0.1 + 0.2;  // 0.30000000000000004
  s.epoch_samples = (uint64_t{1} << 53) + 1;
  s.epoch_seconds = 5e-324;  // smallest denormal
  s.total_seconds = -0.0;
  s.rng = {0, 1, 0xffffffffffffffffull, 0x8000000000000001ull};
  s.schedule.epochs_done = 6;
  s.schedule.lr = 1.0 / 3.0;
  s.schedule.best = std::numeric_limits<double>::infinity();
  s.schedule.bad_epochs = 2;
  s.schedule.has_best = true;
  s.optimizer_steps = 123456789012345;
  s.params = {1.f, -0.f, 1e-45f, 3.4028235e38f, -2.5f};
  s.optimizer_buffers = {{"exp_avg", {0.5f, 0.25f, 0.f, -1.f, 1e-20f}}, {"exp_avg_sq", {1.f, 2.f, 3.f, 4.f, 5.f}}};
  s.early.has_best = true;
  s.early.best = 0.123456789012345678;
  s.early.best_epoch = 5;
  s.early.bad_epochs = 1;
  s.early.best_params = {9.f, 8.f, 7.f, 6.f, 5.f};
  s.config_yaml = "data:\n  train: /tmp/x \xc3\xa9.csv\n  target: \"a\\\"b\"\n";
  return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

std::string decode_error(const std::string& bytes) {
  return model_file_error([&] { decode_checkpoint(bytes, "checkpoint.bin"); });
}

}  // namespace

TEST_CASE("a checkpoint round trip is bit-exact") {
  const TrainState s = awkward_state();
  const std::string b = encode_checkpoint(s);
  CHECK(b == encode_checkpoint(s));
  const TrainState r = decode_checkpoint(b, "c");
  CHECK(r.epochs_done == s.epochs_done);
  CHECK(r.order == s.order);
  CHECK(r.batches_done == s.batches_done);
  CHECK(same_bits(r.epoch_loss_sum, s.epoch_loss_sum));
  CHECK(r.epoch_samples == s.epoch_samples);
  CHECK(same_bits(r.epoch_seconds, s.epoch_seconds));
  CHECK(same_bits(r.total_seconds, s.total_seconds));
  CHECK(r.rng == s.rng);
  CHECK(r.schedule.epochs_done == 6);
  CHECK(same_bits(r.schedule.lr, s.schedule.lr));
  CHECK(same_bits(r.schedule.best, s.schedule.best));
  CHECK(r.schedule.bad_epochs == 2);
  CHECK(r.schedule.has_best);
  CHECK(r.optimizer_steps == s.optimizer_steps);
  REQUIRE(r.optimizer_buffers.size() == 2);
  CHECK(r.optimizer_buffers[0].first == "exp_avg");
  CHECK(r.optimizer_buffers[1].first == "exp_avg_sq");
  CHECK(std::memcmp(r.optimizer_buffers[0].second.data(), s.optimizer_buffers[0].second.data(), 20) == 0);
  CHECK(r.optimizer_buffers[1].second == s.optimizer_buffers[1].second);
  CHECK(std::memcmp(r.params.data(), s.params.data(), 20) == 0);
  CHECK(r.early.has_best);
  CHECK(same_bits(r.early.best, s.early.best));
  CHECK(r.early.best_epoch == 5);
  CHECK(r.early.bad_epochs == 1);
  CHECK(r.early.best_params == s.early.best_params);
  CHECK(r.config_yaml == s.config_yaml);
}

TEST_CASE("an epoch-boundary checkpoint (no order, no best params, no optimizer state) round trips") {
  TrainState s;
  s.params = {1.f, 2.f};
  s.config_yaml = "x: 1\n";
  const TrainState r = decode_checkpoint(encode_checkpoint(s), "c");
  CHECK(r.order.empty());
  CHECK(r.early.best_params.empty());
  CHECK(r.optimizer_buffers.empty());
  CHECK(r.params == s.params);
  CHECK(r.rng == s.rng);
}

TEST_CASE("the checkpoint is safetensors: order is a U32 tensor, the RNG words decimal text") {
  const std::string b = encode_checkpoint(awkward_state());
  const auto h = nlohmann::json::parse(b.substr(8, header_len(b)));
  CHECK(h["order"]["dtype"] == "U32");
  CHECK(h["order"]["shape"] == nlohmann::json::array({6}));
  CHECK(h["params"]["dtype"] == "F32");
  CHECK(h["__metadata__"]["rng"] == "0 1 18446744073709551615 9223372036854775809");
  CHECK(h["__metadata__"]["epoch_loss_sum"] == "0.30000000000000004");
  CHECK(h["__metadata__"]["format"] == "nntrain-checkpoint");
}

TEST_CASE("a damaged checkpoint is a ModelFileError: every truncation, every flipped bit") {
  TrainState s = awkward_state();
  s.config_yaml = "a: 1\n";
  const std::string b = encode_checkpoint(s);
  for (size_t n = 0; n < b.size(); ++n) {
    CAPTURE(n);
    CHECK(decode_error(b.substr(0, n)).find("truncated") != std::string::npos);
  }
  for_each_bit_flip(b, [](const std::string& c) { CHECK(decode_error(c) != ""); });
}

TEST_CASE("foreign, old and inconsistent checkpoints are refused with a reason") {
  const std::string good = encode_checkpoint(awkward_state());
  CHECK(decode_error(with_metadata(good, "format", "nntrain")).find("not an nntrain checkpoint") != std::string::npos);
  CHECK(decode_error(with_metadata(good, "format_version", "9")).find("unsupported checkpoint format_version '9'") !=
        std::string::npos);
  CHECK(decode_error(with_metadata(good, "rng", "1 2 3")).find("'rng' is not four integers") != std::string::npos);
  CHECK(decode_error(with_metadata(good, "rng", "1 2 3 18446744073709551616")).find("out of range") !=
        std::string::npos);
  CHECK(decode_error(with_metadata(good, "rng", "1 2 3 -4")).find("non-negative integer") != std::string::npos);
  CHECK(decode_error(with_metadata(good, "epoch_loss_sum", "0.3x")).find("not a number") != std::string::npos);
  CHECK(decode_error(with_metadata(good, "epochs_done", "4294967296")).find("out of range") != std::string::npos);
  CHECK(decode_error(with_metadata(good, "schedule.has_best", "yes")).find("neither true nor false") !=
        std::string::npos);
  CHECK(decode_error(with_metadata(good, "config_yaml", "")).find("lacks 'config_yaml'") != std::string::npos);
  CHECK(decode_error(with_metadata(good, "optimizer_buffers", "[\"exp_avg\"]")).find("unexpected tensor 'optimizer.exp_avg_sq'") !=
        std::string::npos);
  CHECK(decode_error(with_metadata(good, "optimizer_buffers", "[\"exp_avg\",\"momentum\"]"))
            .find("no tensor 'optimizer.momentum'") != std::string::npos);
  TrainState s = awkward_state();
  s.optimizer_buffers[1].second.pop_back();
  CHECK(decode_error(encode_checkpoint(s)).find("one value per parameter") != std::string::npos);
  CHECK_THROWS_AS(load_checkpoint("/nonexistent/checkpoint.bin"), ModelFileError);
}
