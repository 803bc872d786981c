// The epoch/batch loop of trainer.h. Allocates in the constructor and in state()/set_state()
// only; the batch loop gathers into preallocated buffers. No files, no printing.
#include "nntrain/run/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "nntrain/core/error.h"

namespace nntrain {

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::completed: return "completed";
    case StopReason::early_stopping: return "early_stopping";
    case StopReason::diverged: return "diverged";
    case StopReason::interrupted: return "interrupted";
  }
  return "completed";
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string format_g(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Trainer::Trainer(Network& net, const Loss& loss, Optimizer& optimizer, LrSchedule& schedule, Rng& rng,
                 const TrainingConfig& cfg, Task task, EvalSplit train, std::optional<EvalSplit> val)
    : net_(net), loss_(loss), opt_(optimizer), sched_(schedule), rng_(rng), cfg_(cfg), task_(task),
      train_(train), val_(val), local_reducer_(size_t(std::max(cfg.grad_shards, 1)), net.num_params()),
      reducer_(&local_reducer_) {
  if (train_.x.rows == 0) throw DataError("the training split has no rows");
  if (val_ && val_->x.rows == 0) val_.reset();
  batch_rows_ = cfg_.full_batch ? train_.x.rows
                                : std::min(static_cast<size_t>(std::max(cfg_.batch_size, 1)), train_.x.rows);
  if (batch_rows_ > net_.max_batch())
    throw ConfigError("internal: batch of " + std::to_string(batch_rows_) + " rows exceeds the network's max_batch " +
                      std::to_string(net_.max_batch()));
  batches_per_epoch_ = (train_.x.rows + batch_rows_ - 1) / batch_rows_;

  if (cfg_.early_stopping) {
    if (!val_)
      throw ConfigError("training.early_stopping needs a validation set: set data.validation to a fraction or a file");
    const std::string& m = cfg_.early_stopping->monitor;
    bool known = m == "val_loss";
    for (const auto& name : metric_names(task_)) known = known || m == "val_" + name;
    if (!known) {
      std::string allowed = "val_loss";
      for (const auto& name : metric_names(task_)) allowed += ", val_" + name;
      throw ConfigError("training.early_stopping.monitor: '" + m + "' is not logged for a " + task_name(task_) +
                        " task; use one of " + allowed);
    }
  }

  order_.resize(train_.x.rows);
  std::iota(order_.begin(), order_.end(), 0u);
  xb_.resize(batch_rows_ * train_.x.cols);
  yb_.resize(batch_rows_ * train_.y.cols);
  dgrad_.resize(batch_rows_ * net_.out_features());
  if (val_) val_out_.resize(val_->x.rows * net_.out_features());
}

void Trainer::use_gradient_reducer(GradientReducer& reducer) {
  const size_t want = size_t(cfg_.grad_shards);
  if (want != 0 && reducer.shards() != want)
    throw ConfigError("internal: a gradient reducer of " + std::to_string(reducer.shards()) +
                      " shards for training.grad_shards " + std::to_string(want));
  reducer_ = &reducer;
}

// The gradient of one batch through the reducer, as grad_shards.h's contract says: the
// dropout key first, then this process's shards in order, each from zeroed gradients and
// divided by the whole batch's denominator. Returns the batch's mean loss; the batch gradient
// is in net_.grads(). xb needs only this process's rows, yb all of them (the denominator).
double Trainer::batch_gradient(ConstMatrix xb, ConstMatrix yb) {
  const uint64_t key = net_.has_dropout() ? rng_.next_u64() : 0;
  const double denominator = loss_.mean_denominator(yb);
  GradientReducer& reducer = *reducer_;
  const size_t rows = xb.rows, shards = reducer.shards();
  for (size_t i = 0; i < reducer.local_shards(); ++i) {
    const size_t s = reducer.first_shard() + i;
    const size_t r0 = shard_row_begin(rows, s, shards), n = shard_row_begin(rows, s + 1, shards) - r0;
    net_.zero_grad();
    const Matrix dgrad{dgrad_.data(), n, net_.out_features()};
    const double part = forward_backward_rows(net_, loss_, ConstMatrix(xb.row(r0), n, xb.cols),
                                              ConstMatrix(yb.row(r0), n, yb.cols), key, r0, denominator, dgrad);
    reducer.add_shard(i, net_.grads(), part);
  }
  return reducer.finish(net_.grads());
}

void Trainer::new_epoch_order() {
  std::iota(order_.begin(), order_.end(), 0u);
  if (cfg_.shuffle) rng_.shuffle(order_.data(), order_.size());
  order_dirty_ = true;
  batches_done_ = 0;
  epoch_loss_sum_ = 0;
  epoch_samples_ = 0;
  epoch_seconds_ = 0;
  mid_epoch_ = true;
}

void Trainer::use_batch_runner(BatchRunner& runner) {
  runner_ = &runner;
  runner_->upload(net_, opt_);
  order_dirty_ = true;
  chunk_losses_.resize(1024);  // more than a runner's chunk
}

void Trainer::sync_host() const {
  if (!runner_ || !host_stale_) return;
  runner_->download(net_, opt_);
  host_stale_ = false;
}

void Trainer::diverged(TrainOutcome& out, int epoch, uint64_t b, double batch_loss) const {
  out.stopped = StopReason::diverged;
  out.epochs_run = epochs_done_;
  out.best_epoch = early_.best_epoch;
  out.message = std::string("the loss became ") + (std::isnan(batch_loss) ? "NaN" : "infinite") + " at epoch " +
                std::to_string(epoch) + ", batch " + std::to_string(b + 1) + " of " +
                std::to_string(batches_per_epoch_) + "; try a lower learning rate (optimizer.lr is " +
                format_g(sched_.base_lr()) + ", e.g. optimizer.lr=" + format_g(sched_.base_lr() / 10) + ")";
}

// A stop asked for (SIGINT/SIGTERM) before the epoch's last batch: the run ends here, mid-epoch,
// resumable from the batch after this one. False when no stop is asked or the epoch is done
// (then the epoch ends normally and the stop takes effect after it).
bool Trainer::interrupted_mid_epoch(std::chrono::steady_clock::time_point t0, const TrainerCallbacks& cb,
                                    TrainOutcome& out) {
  if (batches_done_ >= batches_per_epoch_ || !cb.should_stop || !cb.should_stop()) return false;
  epoch_seconds_ += seconds_since(t0);
  out.stopped = StopReason::interrupted;
  out.epochs_run = epochs_done_;
  out.best_epoch = early_.best_epoch;
  return true;
}

// The epoch's remaining batches through the runner, a chunk at a time: the same bookkeeping
// as the CPU loop (loss sums, on_batch per batch), with should_stop polled after each chunk.
// True when the run stops here (diverged or interrupted; `out` says which).
bool Trainer::runner_batches(int epoch, double lr, std::chrono::steady_clock::time_point t0,
                             const TrainerCallbacks& cb, TrainOutcome& out) {
  if (order_dirty_) runner_->set_order(order_);
  order_dirty_ = false;
  const size_t n = train_.x.rows;
  while (batches_done_ < batches_per_epoch_) {
    const uint64_t want = std::min<uint64_t>(batches_per_epoch_ - batches_done_, chunk_losses_.size());
    const size_t ran = runner_->run_batches(batches_done_, want, lr, rng_, chunk_losses_.data());
    host_stale_ = true;
    for (size_t i = 0; i < ran; ++i) {
      const uint64_t b = batches_done_;
      const size_t rows = std::min(batch_rows_, n - static_cast<size_t>(b) * batch_rows_);
      if (!std::isfinite(chunk_losses_[i])) {
        epoch_seconds_ += seconds_since(t0);
        diverged(out, epoch, b, chunk_losses_[i]);
        return true;
      }
      epoch_loss_sum_ += chunk_losses_[i] * static_cast<double>(rows);
      epoch_samples_ += rows;
      batches_done_ = b + 1;
      if (cb.on_batch) cb.on_batch(epoch, batches_done_, batches_per_epoch_);
    }
    if (interrupted_mid_epoch(t0, cb, out)) return true;
  }
  return false;
}

TrainOutcome Trainer::run(const TrainerCallbacks& cb) {
  const TrainOutcome out = run_epochs(cb);
  sync_host();  // the caller writes the model and the checkpoint from the host's copy
  return out;
}

TrainOutcome Trainer::run_epochs(const TrainerCallbacks& cb) {
  TrainOutcome out;
  const size_t n = train_.x.rows, in = train_.x.cols, tcols = train_.y.cols;
  while (epochs_done_ < cfg_.epochs) {
    if (!mid_epoch_) new_epoch_order();
    const int epoch = epochs_done_ + 1;
    const double lr = sched_.lr();
    const auto t0 = std::chrono::steady_clock::now();
    // With a batch runner (the GPU) it runs the batches; otherwise this loop does.
    if (runner_ && runner_batches(epoch, lr, t0, cb, out)) return out;
    for (uint64_t b = runner_ ? batches_per_epoch_ : batches_done_; b < batches_per_epoch_; ++b) {
      const size_t start = static_cast<size_t>(b) * batch_rows_;
      const size_t rows = std::min(batch_rows_, n - start);
      ConstMatrix xb, yb;
      if (!cfg_.shuffle) {  // the order is the identity: view the rows in place
        xb = ConstMatrix(train_.x.row(start), rows, in);
        yb = ConstMatrix(train_.y.row(start), rows, tcols);
      } else {  // gather the batch: x_b[r] = x[order[start + r]], x only for this process's shards
        const size_t first = reducer_->first_shard(), shards = reducer_->shards();
        const size_t x0 = shard_row_begin(rows, first, shards);
        const size_t x1 = shard_row_begin(rows, first + reducer_->local_shards(), shards);
        for (size_t r = 0; r < rows; ++r) {
          const uint32_t src = order_[start + r];
          if (r >= x0 && r < x1) std::copy_n(train_.x.row(src), in, xb_.data() + r * in);
          std::copy_n(train_.y.row(src), tcols, yb_.data() + r * tcols);
        }
        xb = ConstMatrix(xb_.data(), rows, in);
        yb = ConstMatrix(yb_.data(), rows, tcols);
      }
      const double batch_loss = batch_gradient(xb, yb);
      if (!std::isfinite(batch_loss)) {
        epoch_seconds_ += seconds_since(t0);
        diverged(out, epoch, b, batch_loss);
        return out;
      }
      if (cfg_.clip_grad_norm) clip_grad_norm(net_.grads(), net_.num_params(), *cfg_.clip_grad_norm);
      opt_.step(net_.params(), net_.grads(), net_.num_params(), lr);
      epoch_loss_sum_ += batch_loss * static_cast<double>(rows);
      epoch_samples_ += rows;
      batches_done_ = b + 1;
      if (cb.on_batch) cb.on_batch(epoch, batches_done_, batches_per_epoch_);
      if (interrupted_mid_epoch(t0, cb, out)) return out;
    }
    // Validation belongs to the epoch's wall time; finish_epoch adds it.
    const double batches_seconds = seconds_since(t0);
    const EpochRecord rec = finish_epoch(lr, batches_seconds);
    const bool stop_early = update_early_stopping(rec);
    if (cb.on_epoch) cb.on_epoch(rec);
    if (stop_early) {
      out.stopped = StopReason::early_stopping;
      out.epochs_run = epochs_done_;
      out.best_epoch = early_.best_epoch;
      return out;
    }
    if (epochs_done_ < cfg_.epochs && cb.should_stop && cb.should_stop()) {
      out.stopped = StopReason::interrupted;
      out.epochs_run = epochs_done_;
      out.best_epoch = early_.best_epoch;
      return out;
    }
  }
  out.stopped = StopReason::completed;
  out.epochs_run = epochs_done_;
  out.best_epoch = early_.best_epoch;
  return out;
}

EpochRecord Trainer::finish_epoch(double lr, double batches_seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  EpochRecord rec;
  rec.epoch = epochs_done_ + 1;
  rec.lr = lr;
  rec.train_loss = epoch_samples_ > 0 ? epoch_loss_sum_ / static_cast<double>(epoch_samples_) : 0.0;
  std::optional<double> val_loss;
  if (val_) {
    rec.has_val = true;
    if (reducer_->computes_validation()) {
      sync_host();
      Rng eval_rng(0);  // eval mode draws nothing; a scratch generator keeps rng_ untouched regardless
      Matrix outputs{val_out_.data(), val_->x.rows, net_.out_features()};
      rec.val_loss = evaluate_loss(net_, loss_, val_->x, val_->y, eval_rng, &outputs);
      rec.val_metrics = compute_metrics(task_, outputs, val_->y);
    } else {
      for (const auto& name : metric_names(task_)) rec.val_metrics.push_back({name, 0.0});
    }
    reducer_->share_validation(rec.val_loss, rec.val_metrics);  // another process's numbers, under mpirun
    val_loss = rec.val_loss;
  }
  sched_.step(val_loss);
  epoch_seconds_ += batches_seconds + seconds_since(t0);
  rec.seconds = epoch_seconds_;
  total_seconds_ += epoch_seconds_;
  epochs_done_ += 1;
  mid_epoch_ = false;
  batches_done_ = 0;
  epoch_loss_sum_ = 0;
  epoch_samples_ = 0;
  epoch_seconds_ = 0;
  return rec;
}

bool Trainer::update_early_stopping(const EpochRecord& rec) {
  if (!cfg_.early_stopping || !rec.has_val) return false;
  const EarlyStoppingConfig& es = *cfg_.early_stopping;
  double value = rec.val_loss;
  bool higher = false;
  for (const auto& m : rec.val_metrics)
    if (es.monitor == "val_" + m.name) {
      value = m.value;
      higher = metric_higher_is_better(m.name);
    }
  const bool improved = !early_.has_best || (higher ? value > early_.best + es.min_delta
                                                    : value < early_.best - es.min_delta);
  if (improved) {
    early_.has_best = true;
    early_.best = value;
    early_.best_epoch = rec.epoch;
    early_.bad_epochs = 0;
    early_.best_params.assign(net_.params(), net_.params() + net_.num_params());
  } else {
    early_.bad_epochs += 1;
  }
  return early_.bad_epochs >= es.patience;
}

bool early_stopping_exhausted(const EarlyStopState& early, const TrainingConfig& cfg) {
  return cfg.early_stopping && early.has_best && early.bad_epochs >= cfg.early_stopping->patience;
}

bool Trainer::early_stopped() const { return early_stopping_exhausted(early_, cfg_); }

bool Trainer::restore_best_params() {
  if (!cfg_.early_stopping || !early_.has_best || early_.best_params.size() != net_.num_params()) return false;
  std::copy(early_.best_params.begin(), early_.best_params.end(), net_.params());
  return true;
}

TrainState Trainer::state() const {
  sync_host();
  TrainState s;
  s.epochs_done = epochs_done_;
  if (mid_epoch_ && batches_done_ > 0) {
    s.order = order_;
    s.batches_done = batches_done_;
    s.epoch_loss_sum = epoch_loss_sum_;
    s.epoch_samples = epoch_samples_;
    s.epoch_seconds = epoch_seconds_;
  }
  s.total_seconds = total_seconds_;
  s.rng = rng_.state();
  s.schedule = sched_.state();
  s.optimizer_steps = opt_.steps;
  for (auto& [name, buf] : opt_.state_buffers()) s.optimizer_buffers.emplace_back(name, *buf);
  s.params.assign(net_.params(), net_.params() + net_.num_params());
  s.early = early_;
  return s;
}

void Trainer::set_state(const TrainState& s) {
  if (s.params.size() != net_.num_params())
    throw ModelFileError("checkpoint holds " + std::to_string(s.params.size()) + " parameters, the network has " +
                         std::to_string(net_.num_params()));
  if (!s.order.empty()) {
    if (s.order.size() != order_.size())
      throw ModelFileError("checkpoint's epoch order has " + std::to_string(s.order.size()) +
                           " rows, the training split has " + std::to_string(order_.size()));
    for (uint32_t i : s.order)
      if (i >= order_.size()) throw ModelFileError("checkpoint's epoch order names a row outside the training split");
    if (s.batches_done > batches_per_epoch_)
      throw ModelFileError("checkpoint's batch position is past the end of the epoch");
  }
  if (!s.early.best_params.empty() && s.early.best_params.size() != net_.num_params())
    throw ModelFileError("checkpoint's early-stopping weights do not match the network");
  auto bufs = opt_.state_buffers();
  for (auto& [name, buf] : bufs) {
    const std::vector<float>* found = nullptr;
    for (const auto& [sname, sbuf] : s.optimizer_buffers)
      if (sname == name) found = &sbuf;
    if (!found) throw ModelFileError("checkpoint has no optimizer state '" + name + "' (another optimizer?)");
    if (!found->empty() && found->size() != net_.num_params())
      throw ModelFileError("checkpoint's optimizer state '" + name + "' does not match the network");
    *buf = *found;
  }
  opt_.steps = s.optimizer_steps;
  std::copy(s.params.begin(), s.params.end(), net_.params());
  sched_.set_state(s.schedule);
  rng_.set_state(s.rng);
  early_ = s.early;
  epochs_done_ = s.epochs_done;
  if (runner_) runner_->upload(net_, opt_);
  order_dirty_ = true;
  host_stale_ = false;
  total_seconds_ = s.total_seconds;
  if (!s.order.empty() && s.batches_done > 0 && s.batches_done < batches_per_epoch_) {
    std::copy(s.order.begin(), s.order.end(), order_.begin());
    mid_epoch_ = true;
    batches_done_ = s.batches_done;
    epoch_loss_sum_ = s.epoch_loss_sum;
    epoch_samples_ = s.epoch_samples;
    epoch_seconds_ = s.epoch_seconds;
  } else {
    mid_epoch_ = false;
    batches_done_ = 0;
    epoch_loss_sum_ = 0;
    epoch_samples_ = 0;
    epoch_seconds_ = 0;
  }
}

}  // namespace nntrain
