// trainer.cpp: resume from a state taken mid-epoch or between epochs gives the same weights
// bit for bit; divergence, early stopping, the recorded losses and rates against their
// definitions (evaluate_loss of the same data, the schedule's formula).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <memory>
#include <vector>

#include "alloc_counter.h"
#include "nntrain/core/error.h"
#include "nntrain/core/loss.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/core/schedule.h"
#include "nntrain/run/trainer.h"

using namespace nntrain;

namespace {

// y = 1 when x0 + 0.5 x1 > 0 (binary), or y = x0 - 2 x1 + 0.3 x2 (regression); x ~ N(0, 1).
struct Data {
  std::vector<float> x, y;
  size_t rows = 0, cols = 3;
  Data(size_t n, bool regression, uint64_t seed) : rows(n) {
    Rng rng(seed);
    for (size_t i = 0; i < n; ++i) {
      float v[3];
      for (float& f : v) f = static_cast<float>(rng.normal());
      x.insert(x.end(), v, v + 3);
      y.push_back(regression ? v[0] - 2 * v[1] + 0.3f * v[2] : (v[0] + 0.5f * v[1] > 0 ? 1.0f : 0.0f));
    }
  }
  EvalSplit split() const { return {{x.data(), rows, cols}, {y.data(), rows, 1}}; }
};

struct Setup {
  std::vector<LayerSpec> layers;
  LossConfig loss_cfg;
  OptimizerConfig opt_cfg;
  ScheduleConfig sched_cfg;
  TrainingConfig train_cfg;
  Task task = Task::binary;
  Setup() {
    layers = {{8, "relu", 0.01, 0.25}, {1, "sigmoid", 0.01, 0.0}};
    loss_cfg.name = "bce";
    opt_cfg.name = "adam";
    opt_cfg.lr = 0.01;
    train_cfg.epochs = 5;
    train_cfg.batch_size = 16;
    train_cfg.seed = 7;
  }
};

// Everything a Trainer borrows, built the way fit() builds it.
struct Run {
  Network net;
  Rng rng;
  std::unique_ptr<Loss> loss;
  std::unique_ptr<Optimizer> opt;
  LrSchedule sched;
  Trainer trainer;
  Run(const Setup& s, const Data& d, const Data* val = nullptr)
      : net(s.layers, d.cols, s.train_cfg.full_batch ? d.rows : static_cast<size_t>(s.train_cfg.batch_size)),
        rng(s.train_cfg.seed),
        loss(make_loss(s.loss_cfg, s.layers.back())),
        opt(make_optimizer(s.opt_cfg, net.num_params())),
        sched(s.sched_cfg, s.opt_cfg.lr, s.train_cfg.epochs),
        trainer(init_and_return(net, rng), *loss, *opt, sched, rng, s.train_cfg, s.task, d.split(),
                val ? std::optional<EvalSplit>(val->split()) : std::nullopt) {}
  static Network& init_and_return(Network& n, Rng& r) {
    n.init("auto", r);
    return n;
  }
  std::vector<float> params() const { return {net.params(), net.params() + net.num_params()}; }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TrainerCallbacks stop_after_batches(uint64_t* seen, uint64_t n) {
  TrainerCallbacks cb;
  cb.on_batch = [seen](int, uint64_t, uint64_t) { ++*seen; };
  cb.should_stop = [seen, n]() { return *seen >= n; };
  return cb;
}

}  // namespace

TEST_CASE("a run stopped mid-epoch and resumed from its state ends bit-identical") {
  Setup s;  // 100 rows, batches of 16: 7 per epoch; dropout and shuffling both draw from rng
  Data d(100, false, 1), v(40, false, 2);
  Run a(s, d, &v);
  const TrainOutcome full = a.trainer.run({});
  CHECK(full.stopped == StopReason::completed);
  CHECK(full.epochs_run == 5);

  for (uint64_t stop_at : {17u, 14u, 1u}) {  // mid epoch 3; right after epoch 2; first batch
    CAPTURE(stop_at);
    Run b(s, d, &v);
    uint64_t seen = 0;
    const TrainOutcome part = b.trainer.run(stop_after_batches(&seen, stop_at));
    REQUIRE(part.stopped == StopReason::interrupted);
    const TrainState st = b.trainer.state();
    if (stop_at == 17) {
      CHECK(st.epochs_done == 2);
      CHECK(st.batches_done == 3);
      CHECK(st.order.size() == 100);
    }
    if (stop_at == 14) {
      CHECK(st.epochs_done == 2);
      CHECK(st.order.empty());
    }
    Setup other = s;
    other.train_cfg.seed = 999;  // the state, not the seed, must decide what follows
    Run c(other, d, &v);
    c.trainer.set_state(st);
    const TrainOutcome rest = c.trainer.run({});
    CHECK(rest.stopped == StopReason::completed);
    CHECK(rest.epochs_run == 5);
    CHECK(same_bits(c.params(), a.params()));
  }
}

TEST_CASE("the same seed gives the same weights, another seed other weights") {
  Setup s;
  Data d(100, false, 1);
  Run a(s, d), b(s, d);
  a.trainer.run({});
  b.trainer.run({});
  CHECK(same_bits(a.params(), b.params()));
  Setup s2 = s;
  s2.train_cfg.seed = 8;
  Run c(s2, d);
  c.trainer.run({});
  CHECK_FALSE(same_bits(a.params(), c.params()));
}

TEST_CASE("train_loss is the sample-weighted mean of the batch losses; val_loss is evaluate_loss") {
  // SGD with lr 0 changes nothing, so every batch sees the initial weights: the epoch's
  // train_loss must equal the loss of the whole training set, and val_loss that of val.
  Setup s;
  s.layers[0].dropout = 0.0;
  s.opt_cfg.name = "sgd";
  s.opt_cfg.lr = 0.0;
  s.train_cfg.epochs = 2;
  Data d(100, false, 1), v(30, false, 2);
  Run r(s, d, &v);
  Rng scratch(0);
  const double whole_train = evaluate_loss(r.net, *r.loss, d.split().x, d.split().y, scratch, nullptr);
  const double whole_val = evaluate_loss(r.net, *r.loss, v.split().x, v.split().y, scratch, nullptr);
  std::vector<EpochRecord> recs;
  TrainerCallbacks cb;
  cb.on_epoch = [&](const EpochRecord& e) { recs.push_back(e); };
  r.trainer.run(cb);
  REQUIRE(recs.size() == 2);
  for (const auto& e : recs) {
    CHECK(e.train_loss == doctest::Approx(whole_train).epsilon(1e-6));
    REQUIRE(e.has_val);
    CHECK(e.val_loss == doctest::Approx(whole_val).epsilon(1e-6));
    CHECK(e.val_metrics.size() == 4);  // accuracy, precision, recall, f1
  }
  CHECK(recs[0].epoch == 1);
  CHECK(recs[1].epoch == 2);
}

TEST_CASE("the recorded lr is the rate of that epoch; the schedule steps after it") {
  Setup s;
  s.sched_cfg.name = "step";
  s.sched_cfg.step_size = 2;
  s.sched_cfg.gamma = 0.5;
  s.opt_cfg.lr = 0.1;
  s.train_cfg.epochs = 5;
  Data d(50, false, 1);
  Run r(s, d);
  std::vector<double> lrs;
  TrainerCallbacks cb;
  cb.on_epoch = [&](const EpochRecord& e) { lrs.push_back(e.lr); };
  r.trainer.run(cb);
  const std::vector<double> want = {0.1, 0.1, 0.05, 0.05, 0.025};  // StepLR(step_size=2, gamma=0.5)
  REQUIRE(lrs.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(lrs[i] == doctest::Approx(want[i]));
}

TEST_CASE("a NaN or infinite batch loss stops the run and says where") {
  Setup s;
  s.task = Task::regression;
  s.layers = {{16, "relu", 0.01, 0.0}, {1, "identity", 0.01, 0.0}};
  s.loss_cfg.name = "mse";
  s.opt_cfg.name = "sgd";
  s.opt_cfg.lr = 1e6;
  s.sched_cfg.warmup_epochs = 4;  // the rate in use is a fraction of it; the hint names optimizer.lr as set
  s.train_cfg.epochs = 50;
  Data d(64, true, 3);
  Run r(s, d);
  int epochs_seen = 0;
  TrainerCallbacks cb;
  cb.on_epoch = [&](const EpochRecord&) { ++epochs_seen; };
  const TrainOutcome o = r.trainer.run(cb);
  REQUIRE(o.stopped == StopReason::diverged);
  CHECK(o.epochs_run == epochs_seen);
  CHECK(o.message.find("epoch " + std::to_string(epochs_seen + 1) + ", batch ") != std::string::npos);
  CHECK(o.message.find("learning rate (optimizer.lr is 1e+06, e.g. optimizer.lr=100000)") != std::string::npos);
}

TEST_CASE("early stopping stops after patience epochs and restores the best weights") {
  Setup s;
  s.layers[0].dropout = 0.0;
  s.train_cfg.epochs = 10;
  s.train_cfg.early_stopping = EarlyStoppingConfig{"val_loss", 2, 1e9};  // nothing after epoch 1 is better by 1e9
  Data d(80, false, 1), v(30, false, 2);
  Run r(s, d, &v);
  const TrainOutcome o = r.trainer.run({});
  CHECK(o.stopped == StopReason::early_stopping);
  CHECK(o.epochs_run == 3);
  CHECK(o.best_epoch == 1);
  CHECK(r.trainer.early_stopped());

  Setup one = s;  // the same run, one epoch only: its weights are the best ones
  one.train_cfg.epochs = 1;
  one.train_cfg.early_stopping.reset();
  Run ref(one, d, &v);
  ref.trainer.run({});
  CHECK_FALSE(same_bits(r.params(), ref.params()));
  CHECK(r.trainer.restore_best_params());
  CHECK(same_bits(r.params(), ref.params()));
}

TEST_CASE("early stopping on a metric: higher accuracy is better") {
  Setup s;
  s.train_cfg.epochs = 30;
  s.train_cfg.early_stopping = EarlyStoppingConfig{"val_accuracy", 3, 0.0};
  Data d(100, false, 1), v(40, false, 2);
  Run r(s, d, &v);
  std::vector<double> acc;
  TrainerCallbacks cb;
  cb.on_epoch = [&](const EpochRecord& e) { acc.push_back(e.val_metrics[0].value); };
  const TrainOutcome o = r.trainer.run(cb);
  // The best epoch is the first with the maximum accuracy among those run (strictly better only).
  size_t best = 0;
  for (size_t i = 1; i < acc.size(); ++i)
    if (acc[i] > acc[best]) best = i;
  CHECK(o.best_epoch == static_cast<int>(best) + 1);
  if (o.stopped == StopReason::early_stopping) CHECK(acc.size() == best + 1 + 3);
}

TEST_CASE("early stopping needs validation and a logged metric") {
  Setup s;
  s.train_cfg.early_stopping = EarlyStoppingConfig{};
  Data d(20, false, 1), v(10, false, 2);
  CHECK_THROWS_AS(Run(s, d), ConfigError);
  s.train_cfg.early_stopping->monitor = "val_r2";  // not a classification metric
  CHECK_THROWS_AS(Run(s, d, &v), ConfigError);
}

TEST_CASE("a state that does not fit the network is refused") {
  Setup s;
  Data d(20, false, 1);
  Run r(s, d);
  TrainState st = r.trainer.state();
  st.params.pop_back();
  CHECK_THROWS_AS(r.trainer.set_state(st), ModelFileError);
  st = r.trainer.state();
  st.order = {1, 2, 3};
  st.batches_done = 1;
  CHECK_THROWS_AS(r.trainer.set_state(st), ModelFileError);
}

TEST_CASE("grad_shards: 1 is auto's bytes; 4 trains to the same weights up to rounding, and resumes bit-identical") {
  Setup s;  // 100 rows, batches of 16 (the last of 4 rows): shards of 4, and of 1 row at the end
  Data d(100, false, 1), v(40, false, 2);
  Run plain(s, d, &v);
  plain.trainer.run({});
  s.train_cfg.grad_shards = 1;
  Run one(s, d, &v);
  one.trainer.run({});
  CHECK(same_bits(plain.params(), one.params()));
  s.train_cfg.grad_shards = 4;
  Run four(s, d, &v);
  four.trainer.run({});
  CHECK_FALSE(same_bits(plain.params(), four.params()));  // other additions: other rounding
  const auto a = plain.params(), b = four.params();
  for (size_t i = 0; i < a.size(); ++i) CHECK(b[i] == doctest::Approx(a[i]).epsilon(1e-3).scale(1e-3));

  uint64_t seen = 0;
  Run first(s, d, &v);
  CHECK(first.trainer.run(stop_after_batches(&seen, 10)).stopped == StopReason::interrupted);
  Run second(s, d, &v);
  second.trainer.set_state(first.trainer.state());
  second.trainer.run({});
  CHECK(same_bits(second.params(), four.params()));
}

// A process that does not validate (a rank other than 0 under mpirun): its gradients are its
// own (one shard, as LocalGradientReducer), its validation numbers come from `shared`, epoch by
// epoch, as MpiGradientReducer's broadcast hands them over.
class FollowerReducer final : public GradientReducer {
 public:
  FollowerReducer(size_t num_params, std::vector<double> shared) : local_(1, num_params), shared_(std::move(shared)) {}
  size_t shards() const override { return 1; }
  size_t first_shard() const override { return 0; }
  size_t local_shards() const override { return 1; }
  void add_shard(size_t i, const float* grad, double loss_part) override { local_.add_shard(i, grad, loss_part); }
  double finish(float* grad) override { return local_.finish(grad); }
  bool computes_validation() const override { return false; }
  void share_validation(double& val_loss, std::vector<Metric>& metrics) override {
    given.push_back(val_loss);
    names.clear();
    for (const auto& m : metrics) names.push_back(m.name);
    val_loss = shared_.at(epochs_++);
    for (auto& m : metrics) m.value = val_loss;  // any number: the metric's is rank 0's too
  }
  std::vector<std::string> names;  // the metric names the trainer asked for, last epoch
  std::vector<double> given;       // the val_loss the trainer handed over, every epoch

 private:
  LocalGradientReducer local_;
  std::vector<double> shared_;
  size_t epochs_ = 0;
};

TEST_CASE("a process that does not validate takes its schedule and early stopping from the shared numbers") {
  Setup s;
  s.train_cfg.epochs = 10;
  s.train_cfg.early_stopping = EarlyStoppingConfig{"val_loss", 2, 0.0};
  s.sched_cfg.name = "plateau";
  s.sched_cfg.patience = 0;
  s.sched_cfg.gamma = 0.5;
  Data d(64, false, 1), v(20, false, 2);
  std::fill(v.x.begin(), v.x.end(), std::nanf(""));  // validating here would give NaN losses
  Run r(s, d, &v);
  // Better, better, worse (the plateau halves the rate), worse again: patience 2 is used up.
  FollowerReducer follower(r.net.num_params(), {1.0, 0.5, 0.6, 0.7, 0.1});
  r.trainer.use_gradient_reducer(follower);
  std::vector<EpochRecord> recs;
  TrainerCallbacks cb;
  cb.on_epoch = [&](const EpochRecord& e) { recs.push_back(e); };
  const TrainOutcome o = r.trainer.run(cb);
  CHECK(o.stopped == StopReason::early_stopping);
  CHECK(o.best_epoch == 2);
  REQUIRE(recs.size() == 4);
  const double want_loss[] = {1.0, 0.5, 0.6, 0.7}, want_lr[] = {0.01, 0.01, 0.01, 0.005};
  for (size_t i = 0; i < recs.size(); ++i) {
    CHECK(recs[i].has_val);
    CHECK(recs[i].val_loss == want_loss[i]);
    CHECK(recs[i].lr == doctest::Approx(want_lr[i]));
    REQUIRE(recs[i].val_metrics.size() == 4);
    CHECK(recs[i].val_metrics[0].value == want_loss[i]);
  }
  CHECK(follower.names == metric_names(Task::binary));
  // Nothing was validated here: the NaN features would have given NaN, not the record's 0.
  CHECK(follower.given == std::vector<double>(4, 0.0));
}

TEST_CASE("the batch loop allocates nothing") {
  Setup s;  // shuffled batches, dropout, Adam, clipping, 3 gradient shards: everything the loop does
  s.train_cfg.grad_shards = 3;
  s.train_cfg.clip_grad_norm = 1.0;
  s.train_cfg.epochs = 3;
  Data d(100, false, 1), v(30, false, 2);
  Run r(s, d, &v);
  uint64_t last = 0, batches = 0, allocating = 0;
  const test_util::AllocCount count;  // operator new counted (alloc_counter.h)
  TrainerCallbacks cb;
  cb.on_batch = [&](int, uint64_t batch, uint64_t) {
    const uint64_t now = count.since_start();
    if (batch > 1 && now != last) ++allocating;  // between two batches of one epoch
    last = now;
    ++batches;
  };
  r.trainer.run(cb);
  CHECK(batches == 21);
  CHECK(allocating == 0);
}
