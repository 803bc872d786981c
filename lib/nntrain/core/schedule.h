// Learning-rate schedules, stepped once per epoch after it, as a PyTorch scheduler:
// constant, step, exponential, cosine (to min_lr over the epochs after warm-up), plateau
// (ReduceLROnPlateau on val_loss), with a linear warm-up before any of them (SPEC.md).
#pragma once
#include <optional>

#include "nntrain/core/config.h"

namespace nntrain {

class LrSchedule {
 public:
  LrSchedule(const ScheduleConfig& cfg, double base_lr, int total_epochs);
  // The rate for the epoch about to run.
  double lr() const;
  // optimizer.lr as configured (what an error message should tell the user to change).
  double base_lr() const { return base_lr_; }
  // Call after each epoch; plateau reads val_loss (ignored by the others).
  void step(std::optional<double> val_loss);

  // Everything needed to resume exactly (checkpoints).
  struct State {
    int epochs_done = 0;
    double lr = 0;          // current rate (plateau)
    double best = 0;        // plateau: best val_loss so far
    int bad_epochs = 0;     // plateau
    bool has_best = false;
  };
  State state() const;
  void set_state(const State& s);
  void set_total_epochs(int total_epochs);  // a resumed run extended with training.epochs=N

 private:
  ScheduleConfig cfg_;
  double base_lr_;
  int total_epochs_;
  State s_;
};

}  // namespace nntrain
