// The epoch/batch loop: seeded shuffled mini-batches (or the full batch), optimizer steps,
// gradient clipping, validation and metrics after every epoch, the LR schedule, early
// stopping, divergence detection, and a TrainState that can be taken between any two batches
// and resumed from. Emits events through callbacks; owns no I/O policy (fit.cpp does files).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nntrain/run/batch_runner.h"
#include "nntrain/run/checkpoint.h"
#include "nntrain/run/grad_shards.h"
#include "nntrain/core/config.h"
#include "nntrain/data/dataset.h"
#include "nntrain/core/loss.h"
#include "nntrain/run/metrics.h"
#include "nntrain/core/network.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/core/rng.h"
#include "nntrain/core/schedule.h"

namespace nntrain {

// One row of log.csv.
struct EpochRecord {
  int epoch = 0;              // 1-based
  double train_loss = 0;      // mean over the epoch's samples of the training-mode batch losses
  bool has_val = false;
  double val_loss = 0;        // eval mode, after the epoch
  std::vector<Metric> val_metrics;
  double lr = 0;              // the rate used in this epoch
  double seconds = 0;         // wall time of the epoch, validation included
};

enum class StopReason { completed, early_stopping, diverged, interrupted };
const char* stop_reason_name(StopReason r);  // "completed" | "early_stopping" | ...

struct TrainOutcome {
  StopReason stopped = StopReason::completed;
  int epochs_run = 0;     // completed epochs, all sessions of the run
  int best_epoch = 0;     // early stopping's best epoch; 0 when early stopping is off
  std::string message;    // diverged: where, and what to do
};

struct TrainerCallbacks {
  // After every epoch (validation, schedule and early stopping done; state() is consistent).
  std::function<void(const EpochRecord&)> on_epoch;
  // After every batch: epoch (1-based), batches done in it, batches per epoch.
  std::function<void(int epoch, uint64_t batch, uint64_t batches)> on_batch;
  // Polled after every batch and after every epoch; true = stop now, resumably.
  std::function<bool()> should_stop;
};

// A validation (or any evaluation) split.
struct EvalSplit {
  ConstMatrix x;  // [N, in]
  ConstMatrix y;  // [N, T]
};

// True when early stopping's patience is used up: the run is finished, whatever its epochs.
bool early_stopping_exhausted(const EarlyStopState& early, const TrainingConfig& cfg);

class Trainer {
 public:
  // Everything is borrowed and must outlive the trainer. `rng` drives shuffling and dropout
  // (the caller has already used it for init). Allocates every buffer here: the epoch order,
  // the gathered batch, the loss gradient, the validation outputs.
  Trainer(Network& net, const Loss& loss, Optimizer& optimizer, LrSchedule& schedule, Rng& rng,
          const TrainingConfig& cfg, Task task, EvalSplit train, std::optional<EvalSplit> val);

  // Computes the batches' gradients through `reducer` (several processes: dist/) instead of
  // the trainer's own LocalGradientReducer; it must have cfg.grad_shards shards (auto = its
  // own count). Borrowed; call before run().
  void use_gradient_reducer(GradientReducer& reducer);
  // Runs the batches through `runner` (the GPU: gpu_runner.h) instead of this process's
  // network; the parameters and optimizer state go to it now (and after set_state) and come
  // back to the network and optimizer when the host needs them: validation, state(), the
  // end of run(). Borrowed; call before run().
  void use_batch_runner(BatchRunner& runner);

  // Runs epochs until cfg.epochs are done, early stopping triggers, a batch loss is NaN or
  // infinite (nothing is stepped then), or should_stop() says so.
  TrainOutcome run(const TrainerCallbacks& cb);

  // The run's state between two batches (copies the parameters and optimizer buffers).
  // TrainState::config_yaml is left empty for the caller.
  TrainState state() const;
  // Continue from a state taken by state(). Throws ModelFileError when it does not fit this
  // network, optimizer or data.
  void set_state(const TrainState& s);

  int epochs_done() const { return epochs_done_; }
  double total_seconds() const { return total_seconds_; }  // all sessions of the run
  uint64_t batches_per_epoch() const { return batches_per_epoch_; }
  uint64_t batches_done() const { return batches_done_; }  // in the epoch under way
  // Early stopping: copy the best parameters into the network (true), or nothing (false)
  // when early stopping is off or has no best yet.
  bool restore_best_params();
  // True when the early-stopping patience is used up (a finished early-stopped run).
  bool early_stopped() const;
  int best_epoch() const { return early_.best_epoch; }

 private:
  void new_epoch_order();
  TrainOutcome run_epochs(const TrainerCallbacks& cb);
  bool runner_batches(int epoch, double lr, std::chrono::steady_clock::time_point t0, const TrainerCallbacks& cb,
                      TrainOutcome& out);
  void diverged(TrainOutcome& out, int epoch, uint64_t b, double batch_loss) const;
  bool interrupted_mid_epoch(std::chrono::steady_clock::time_point t0, const TrainerCallbacks& cb, TrainOutcome& out);
  void sync_host() const;  // the runner's parameters and optimizer state into net_ and opt_
  double batch_gradient(ConstMatrix xb, ConstMatrix yb);
  EpochRecord finish_epoch(double lr, double seconds);
  bool update_early_stopping(const EpochRecord& rec);

  Network& net_;
  const Loss& loss_;
  Optimizer& opt_;
  LrSchedule& sched_;
  Rng& rng_;
  TrainingConfig cfg_;
  Task task_;
  EvalSplit train_;
  std::optional<EvalSplit> val_;
  size_t batch_rows_;  // rows per batch (the last one may be smaller)
  uint64_t batches_per_epoch_;
  LocalGradientReducer local_reducer_;  // all training.grad_shards shards in this process
  GradientReducer* reducer_;            // &local_reducer_, or use_gradient_reducer's
  BatchRunner* runner_ = nullptr;       // use_batch_runner's, or none: the batch loop runs here
  bool order_dirty_ = true;             // order_ changed since the runner last got it
  mutable bool host_stale_ = false;     // the runner has stepped since the last sync_host()
  std::vector<double> chunk_losses_;    // the runner's batch losses of one chunk

  // Preallocated buffers.
  std::vector<uint32_t> order_;   // [N_train]
  std::vector<float> xb_, yb_;    // [batch, in], [batch, T]
  std::vector<float> dgrad_;      // [batch, out]
  std::vector<float> val_out_;    // [N_val, out]

  // Position of the run.
  int epochs_done_ = 0;
  bool mid_epoch_ = false;
  uint64_t batches_done_ = 0;
  double epoch_loss_sum_ = 0;
  uint64_t epoch_samples_ = 0;
  double epoch_seconds_ = 0;
  double total_seconds_ = 0;
  EarlyStopState early_;
};

}  // namespace nntrain
