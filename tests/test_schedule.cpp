// Tests for schedule.h: each schedule's lr sequence (warm-up and plateau included) against
// PyTorch's schedulers (fixtures), and resuming from a saved state.
#include <doctest/doctest.h>

#include <vector>

#include "core_fixtures.h"
#include "nntrain/core/error.h"
#include "nntrain/core/schedule.h"

using namespace nntrain;

static ScheduleConfig config_of(const nlohmann::json& c) {
  ScheduleConfig s;
  s.name = c["name"];
  if (c.contains("step_size")) s.step_size = c["step_size"];
  if (c.contains("gamma")) s.gamma = c["gamma"];
  if (c.contains("patience")) s.patience = c["patience"];
  if (c.contains("min_lr")) s.min_lr = c["min_lr"];
  if (c.contains("warmup")) s.warmup_epochs = c["warmup"];
  return s;
}

TEST_CASE("every schedule's lr sequence matches PyTorch's") {
  for (const auto& c : fixtures::core()["schedules"]) {
    const std::string name = c["case"];
    CAPTURE(name);
    const int epochs = c["epochs"];
    const auto val = fixtures::doubles(c["val_loss"]);
    const auto expect = fixtures::doubles(c["lrs"]);
    LrSchedule s(config_of(c), c["lr"], epochs);
    for (int e = 0; e < epochs; ++e) {
      CAPTURE(e + 1);
      CHECK(s.lr() == doctest::Approx(expect[e]).epsilon(1e-12).scale(0));
      s.step(val[e]);
    }
  }
}

TEST_CASE("a schedule restored from its state continues identically") {
  for (const auto& c : fixtures::core()["schedules"]) {
    CAPTURE(c["case"].get<std::string>());
    const int epochs = c["epochs"];
    const auto val = fixtures::doubles(c["val_loss"]);
    LrSchedule a(config_of(c), c["lr"], epochs), b(config_of(c), c["lr"], epochs);
    for (int e = 0; e < 7; ++e) a.step(val[e]);
    b.set_state(a.state());
    for (int e = 7; e < epochs; ++e) {
      CHECK(a.lr() == b.lr());
      a.step(val[e]);
      b.step(val[e]);
    }
  }
}

TEST_CASE("plateau without a val_loss keeps its rate; unknown names are config errors") {
  ScheduleConfig p;
  p.name = "plateau";
  p.patience = 0;
  LrSchedule s(p, 0.1, 10);
  for (int i = 0; i < 5; ++i) s.step(std::nullopt);
  CHECK(s.lr() == 0.1);
  ScheduleConfig bad;
  bad.name = "onecycle";
  CHECK_THROWS_AS(LrSchedule(bad, 0.1, 10), ConfigError);
}

TEST_CASE("cosine over extended epochs uses the new total") {
  ScheduleConfig c;
  c.name = "cosine";
  LrSchedule s(c, 1.0, 10);
  for (int i = 0; i < 10; ++i) s.step(std::nullopt);
  s.set_total_epochs(20);
  // k = 10 of T_max = 20: (1 + cos(pi/2)) / 2 = 0.5
  CHECK(s.lr() == doctest::Approx(0.5));
}
