// Learning-rate schedules (see schedule.h). Epoch e (1-based) = epochs_done + 1. During the
// warm-up (e <= W) the rate is lr·e/W; after it the schedule runs on k = e - W - 1 epochs of
// its own, in the closed forms of StepLR, ExponentialLR and CosineAnnealingLR, and as
// ReduceLROnPlateau (mode min, threshold 1e-4 rel, cooldown 0, eps 1e-8) for plateau.
#include "nntrain/core/schedule.h"

#include <algorithm>
#include <cmath>

#include "nntrain/core/error.h"

namespace nntrain {

LrSchedule::LrSchedule(const ScheduleConfig& cfg, double base_lr, int total_epochs)
    : cfg_(cfg), base_lr_(base_lr), total_epochs_(total_epochs) {
  const std::string& n = cfg.name;
  if (n != "constant" && n != "step" && n != "exponential" && n != "cosine" && n != "plateau")
    throw ConfigError("unknown schedule '" + n + "' (expected constant, step, exponential, cosine or plateau)");
  if (n == "step" && cfg.step_size < 1) throw ConfigError("schedule.step_size must be at least 1");
  if (cfg.warmup_epochs < 0) throw ConfigError("schedule.warmup_epochs must be 0 or more");
  if (n == "plateau" && cfg.patience < 0) throw ConfigError("schedule.patience must be 0 or more");
  s_.lr = base_lr;
}

double LrSchedule::lr() const {
  const int e = s_.epochs_done + 1;
  const int W = cfg_.warmup_epochs;
  if (e <= W) return base_lr_ * double(e) / double(W);
  const int k = e - W - 1;
  const std::string& n = cfg_.name;
  if (n == "step") return base_lr_ * std::pow(cfg_.gamma, double(k / cfg_.step_size));
  if (n == "exponential") return base_lr_ * std::pow(cfg_.gamma, double(k));
  if (n == "cosine") {
    const int t_max = total_epochs_ - W;
    if (t_max <= 0) return base_lr_;
    const double pi = 3.14159265358979323846;
    return cfg_.min_lr + (base_lr_ - cfg_.min_lr) * (1.0 + std::cos(pi * double(k) / double(t_max))) / 2.0;
  }
  if (n == "plateau") return s_.lr;
  return base_lr_;
}

void LrSchedule::step(std::optional<double> val_loss) {
  const bool in_warmup = s_.epochs_done < cfg_.warmup_epochs;
  ++s_.epochs_done;
  if (cfg_.name != "plateau" || in_warmup || !val_loss) return;
  const double current = *val_loss;
  // ReduceLROnPlateau._is_better, mode min, threshold_mode rel: a < best·(1 - 1e-4).
  // best starts at +inf as in torch, so a NaN val_loss is never an improvement.
  const double best = s_.has_best ? s_.best : HUGE_VAL;
  if (current < best * (1.0 - 1e-4)) {
    s_.best = current;
    s_.has_best = true;
    s_.bad_epochs = 0;
  } else {
    ++s_.bad_epochs;
  }
  if (s_.bad_epochs > cfg_.patience) {
    const double new_lr = std::max(s_.lr * cfg_.gamma, 0.0);
    if (s_.lr - new_lr > 1e-8) s_.lr = new_lr;
    s_.bad_epochs = 0;
  }
}

LrSchedule::State LrSchedule::state() const { return s_; }
void LrSchedule::set_state(const State& s) { s_ = s; }
void LrSchedule::set_total_epochs(int total_epochs) { total_epochs_ = total_epochs; }

}  // namespace nntrain
