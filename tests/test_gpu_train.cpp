// Training on the GPU (run/gpu_runner.h) against the CPU: the batch gradient through the
// gradient checker (finite differences of the double-precision network), the trainer's
// weights and per-epoch losses for every optimizer and loss head with dropout and clipping,
// a diverged batch leaving the trainer where the CPU leaves it, data split over buffers
// giving the same bytes, and a state round trip between the two backends.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "gpu_test_util.h"
#include "gradcheck.h"
#include "nntrain/core/dropout.h"
#include "nntrain/core/loss.h"
#include "nntrain/core/mlp.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/core/schedule.h"
#include "nntrain/run/gpu_runner.h"
#include "nntrain/run/trainer.h"

using namespace nntrain;

namespace {

// x ~ N(0, 1) [rows, 3]; y per task: binary x0 + 0.5 x1 > 0, 3 classes by the sign pattern,
// or two regression targets.
struct Data {
  std::vector<float> x, y;
  size_t rows, cols = 3, tcols = 1;
  Data(size_t n, const std::string& loss, uint64_t seed) : rows(n) {
    Rng rng(seed);
    const bool regression = loss == "mse" || loss == "mae" || loss == "huber";
    if (regression) tcols = 2;
    for (size_t i = 0; i < n; ++i) {
      float v[3];
      for (float& f : v) f = float(rng.normal());
      x.insert(x.end(), v, v + 3);
      if (regression) {
        y.push_back(v[0] - 2 * v[1] + 0.3f * v[2]);
        y.push_back(v[2] * v[0]);
      } else if (loss == "cross_entropy") {
        y.push_back(float((v[0] > 0) + (v[1] > 0.5f)));
      } else {
        y.push_back(v[0] + 0.5f * v[1] > 0 ? 1.0f : 0.0f);
      }
    }
  }
  EvalSplit split() const { return {{x.data(), rows, cols}, {y.data(), rows, tcols}}; }
};

struct Setup {
  std::vector<LayerSpec> layers;
  LossConfig loss;
  OptimizerConfig opt;
  ScheduleConfig sched;
  TrainingConfig train;
  Task task = Task::binary;
  std::vector<float> class_weights;
  explicit Setup(const std::string& loss_name) {
    loss.name = loss_name;
    layers = {{6, "tanh", 0.01, 0.25}, {5, "leaky_relu", 0.1, 0.0}, {1, "sigmoid", 0.01, 0.0}};
    if (loss_name == "cross_entropy") {
      layers.back() = {3, "softmax", 0.01, 0.0};
      task = Task::multiclass;
      class_weights = {1.0f, 2.0f, 0.5f};
    } else if (loss_name != "bce") {
      layers.back() = {2, "identity", 0.01, 0.0};
      task = Task::regression;
    }
    opt.lr = 0.01;
    train.epochs = 3;
    train.batch_size = 16;
    train.seed = 11;
    train.device = "gpu";
  }
};

// What fit() builds, on the CPU or (gpu = true) with a GpuBatchRunner.
struct Run {
  Network net;
  Rng rng;
  std::unique_ptr<Loss> loss;
  std::unique_ptr<Optimizer> opt;
  LrSchedule sched;
  Trainer trainer;
  std::unique_ptr<GpuBatchRunner> runner;
  Run(const Setup& s, const Data& d, bool gpu)
      : net(s.layers, d.cols, size_t(s.train.batch_size)),
        rng(s.train.seed),
        loss(make_loss(s.loss, s.layers.back(), s.class_weights)),
        opt(make_optimizer(s.opt, net.num_params())),
        sched(s.sched, s.opt.lr, s.train.epochs),
        trainer(init(net, rng), *loss, *opt, sched, rng, s.train, s.task, d.split(), std::nullopt) {
    if (!gpu) return;
    runner = std::make_unique<GpuBatchRunner>(gpu_test::device(), net, s.loss, s.class_weights, s.opt, s.train,
                                              d.split().x, d.split().y, net.max_batch());
    trainer.use_batch_runner(*runner);
  }
  static Network& init(Network& n, Rng& r) {
    n.init("auto", r);
    return n;
  }
  std::vector<double> losses;
  TrainOutcome train() {
    TrainerCallbacks cb;
    cb.on_epoch = [&](const EpochRecord& r) { losses.push_back(r.train_loss); };
    return trainer.run(cb);
  }
  std::vector<float> params() const { return {net.params(), net.params() + net.num_params()}; }
};

double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]) / (1e-3 + std::abs(double(b[i]))));
  return m;
}

// The double-precision mean loss of the network `specs` with parameters p on (x, y) with the
// dropout masks of `key`: what the gradient checker differentiates numerically.
double double_loss(Mlp<double>& mlp, const Setup& s, const std::vector<double>& x, const std::vector<double>& y,
                   size_t rows, uint64_t key) {
  const double* out = mlp.forward(x.data(), rows, true, key);
  const double* z = mlp.logits();
  const size_t n = rows * mlp.out_features();
  const std::string& l = s.loss.name;
  if (l == "bce") return bce_with_logits_loss<double>(z, y.data(), n, 1.0, nullptr);
  if (l == "cross_entropy")
    return cross_entropy_loss<double>(z, y.data(), rows, mlp.out_features(), s.class_weights.data(), nullptr);
  if (l == "mse") return mse_loss<double>(out, y.data(), n, nullptr);
  if (l == "mae") return l1_loss<double>(out, y.data(), n, nullptr);
  return huber_loss<double>(out, y.data(), n, s.loss.delta, nullptr);
}

}  // namespace

TEST_CASE("gpu training: the GPU's batch gradient passes the gradient checker, every loss head, with dropout") {
  for (const char* l : {"bce", "cross_entropy", "mse", "mae", "huber"}) {
    CAPTURE(l);
    Setup s(l);
    s.train.shuffle = false;  // batch 0 = rows 0..15 in order
    s.opt.name = "sgd";
    s.opt.lr = 0;  // the step leaves the parameters as they are
    const Data d(16, l, 5);
    Run gpu(s, d, true);
    Rng probe = gpu.rng;
    double loss = 0;
    gpu.runner->set_order(std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    REQUIRE(gpu.runner->run_batches(0, 1, 0.0, probe, &loss) == 1);
    std::vector<float> g(gpu.net.num_params());
    gpu.runner->download_grads(g.data());

    Mlp<double> mlp(s.layers, d.cols, d.rows);
    std::vector<double> p(gpu.net.params(), gpu.net.params() + g.size()), gd(g.size(), 0.0);
    mlp.bind(p.data(), gd.data());
    const std::vector<double> x(d.x.begin(), d.x.end()), y(d.y.begin(), d.y.end());
    const uint64_t drawn = Rng(gpu.rng).next_u64();  // the key run_batches drew
    const std::vector<double> analytic(g.begin(), g.end());
    const auto res = gradcheck::check([&] { return double_loss(mlp, s, x, y, d.rows, drawn); },
                                      {{"params", p.data(), p.size(), analytic.data()}});
    CHECK(res[0].rel_error < 2e-4);  // float gradients against double differences
    CHECK(loss == doctest::Approx(double_loss(mlp, s, x, y, d.rows, drawn)).epsilon(1e-5));
  }
}

TEST_CASE("gpu training: the GPU trainer matches the CPU: every optimizer and loss head, dropout and clipping") {
  struct Case {
    const char* loss;
    const char* opt;
    double momentum;
    bool nesterov;
    double clip;
  };
  const Case cases[] = {{"bce", "adam", 0, false, 0},         {"cross_entropy", "adamw", 0, false, 1.0},
                        {"mse", "sgd", 0.9, true, 0.5},       {"mae", "sgd", 0, false, 0},
                        {"huber", "rmsprop", 0.5, false, 0},  {"bce", "rmsprop", 0, false, 0.3},
                        {"cross_entropy", "sgd", 0.8, false, 0}};
  for (const Case& c : cases) {
    CAPTURE(c.loss);
    CAPTURE(c.opt);
    Setup s(c.loss);
    s.opt.name = c.opt;
    s.opt.momentum = c.momentum;
    s.opt.nesterov = c.nesterov;
    if (c.clip > 0) s.train.clip_grad_norm = c.clip;
    const Data d(70, c.loss, 9);  // 5 batches, the last of 6 rows
    Run cpu(s, d, false), gpu(s, d, true);
    CHECK(cpu.train().stopped == StopReason::completed);
    CHECK(gpu.train().stopped == StopReason::completed);
    CHECK(max_rel_diff(gpu.params(), cpu.params()) < 1e-4);
    REQUIRE(gpu.losses.size() == cpu.losses.size());
    for (size_t e = 0; e < cpu.losses.size(); ++e) CHECK(gpu.losses[e] == doctest::Approx(cpu.losses[e]).epsilon(1e-5));
    const TrainState a = cpu.trainer.state(), b = gpu.trainer.state();
    CHECK(a.rng == b.rng);  // the same keys and shuffles drawn
    CHECK(a.optimizer_steps == b.optimizer_steps);
    REQUIRE(a.optimizer_buffers.size() == b.optimizer_buffers.size());
    for (size_t i = 0; i < a.optimizer_buffers.size(); ++i) {
      CHECK(a.optimizer_buffers[i].first == b.optimizer_buffers[i].first);
      CHECK(max_rel_diff(b.optimizer_buffers[i].second, a.optimizer_buffers[i].second) < 1e-3);
    }
  }
}

TEST_CASE("gpu training: a diverged GPU batch leaves the trainer where the CPU's does") {
  Setup s("mse");
  s.opt.name = "sgd";
  s.opt.lr = 1e6;
  s.train.epochs = 20;
  const Data d(70, "mse", 3);
  Run cpu(s, d, false), gpu(s, d, true);
  const TrainOutcome a = cpu.train(), b = gpu.train();
  REQUIRE(a.stopped == StopReason::diverged);
  REQUIRE(b.stopped == StopReason::diverged);
  // The same epoch and batch (the overflow may read NaN in float where the CPU's double sum
  // reads infinite).
  CHECK(a.message.substr(a.message.find(" at epoch")) == b.message.substr(b.message.find(" at epoch")));
  const TrainState sa = cpu.trainer.state(), sb = gpu.trainer.state();
  CHECK(sa.rng == sb.rng);
  CHECK(sa.optimizer_steps == sb.optimizer_steps);
  CHECK(sa.batches_done == sb.batches_done);
}

TEST_CASE("gpu training: data split over many GPU buffers trains to the same bytes; states move between the backends") {
  Setup s("cross_entropy");
  const Data d(1000, "cross_entropy", 4);
  Run whole(s, d, true);
  whole.train();
  setenv("NNTRAIN_TEST_GPU_MAX_BUFFER", "4096", 1);  // 341 rows of 3 floats per buffer: 3 buffers
  Run split(s, d, true);
  unsetenv("NNTRAIN_TEST_GPU_MAX_BUFFER");
  split.train();
  CHECK(split.params() == whole.params());

  // Two epochs on the CPU, then the last on the GPU (and the reverse): the run that stayed.
  Setup s2 = s;
  s2.train.epochs = 2;
  Run cpu2(s2, d, false), gpu2(s2, d, true);
  cpu2.train();
  gpu2.train();
  Run to_gpu(s, d, true), to_cpu(s, d, false);
  to_gpu.trainer.set_state(cpu2.trainer.state());
  to_cpu.trainer.set_state(gpu2.trainer.state());
  to_gpu.train();
  to_cpu.train();
  CHECK(max_rel_diff(to_gpu.params(), whole.params()) < 1e-4);
  CHECK(max_rel_diff(to_cpu.params(), whole.params()) < 1e-4);
}
