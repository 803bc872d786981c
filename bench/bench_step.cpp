// Micro-benchmark of one training step (zero_grad, forward, loss, backward, Adam) of the core
// on random data: 10->64->32->1 (relu, relu, sigmoid+bce) at batch 32 and 784->256->128->10
// (relu, relu, softmax+cross_entropy) at batch 128. Prints µs/step, GEMM GFLOP/s, the BLAS.
// Usage: bench_step [--threads N] [--seconds S]. Not a test: nothing here asserts timings.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "nntrain/core/blas.h"
#include "nntrain/core/loss.h"
#include "nntrain/core/network.h"
#include "nntrain/core/optimizer.h"

using namespace nntrain;

struct Case {
  const char* name;
  size_t in;
  std::vector<LayerSpec> layers;
  size_t batch;
  const char* loss;
};

static LayerSpec layer(int units, const char* act) {
  LayerSpec s;
  s.units = units;
  s.activation = act;
  return s;
}

static void run(const Case& c, double seconds) {
  Network net(c.layers, c.in, c.batch);
  Rng rng(42);
  net.init("auto", rng);
  const size_t out = net.out_features();
  // A pool of random batches with random labels, cycled: the network cannot memorise them
  // within the run, so gradients stay at a realistic size (a single repeated batch drives
  // them into denormals, which are slow and unlike real training).
  const size_t pool = 64;
  std::vector<float> xs(pool * c.batch * c.in), ys(pool * c.batch), scratch(c.batch * out);
  for (auto& v : xs) v = float(rng.normal());
  for (auto& v : ys) v = float(rng.below(out == 1 ? 2 : out));
  LossConfig lc;
  lc.name = c.loss;
  const auto loss = make_loss(lc, c.layers.back());
  OptimizerConfig oc;  // adam, lr 1e-3
  auto opt = make_optimizer(oc, net.num_params());
  net.train();
  const Matrix D{scratch.data(), c.batch, out};
  size_t next = 0;
  auto step = [&] {
    const size_t k = next++ % pool;
    const ConstMatrix X(xs.data() + k * c.batch * c.in, c.batch, c.in), Y(ys.data() + k * c.batch, c.batch, 1);
    net.zero_grad();
    const double l = forward_backward(net, *loss, X, Y, rng, D);
    opt->step(net.params(), net.grads(), net.num_params(), oc.lr);
    return l;
  };
  for (int i = 0; i < 20; ++i) step();  // warm-up
  // GEMM flops: forward 2·B·in·out per layer; backward dW 2·B·in·out, dx 2·B·in·out (not for
  // the first layer).
  double flops = 0;
  size_t in = c.in;
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const double f = 2.0 * double(c.batch) * double(in) * double(c.layers[i].units);
    flops += (i == 0 ? 2 : 3) * f;
    in = size_t(c.layers[i].units);
  }
  using clock = std::chrono::steady_clock;
  long steps = 0;
  double sink = 0;
  const auto t0 = clock::now();
  double elapsed = 0;
  do {
    for (int i = 0; i < 50; ++i) sink += step();
    steps += 50;
    elapsed = std::chrono::duration<double>(clock::now() - t0).count();
  } while (elapsed < seconds);
  const double us = elapsed / double(steps) * 1e6;
  std::printf("%-28s batch %4zu  params %7zu  %9.2f us/step  %7.2f GFLOP/s  (%ld steps, loss %.4f)\n", c.name,
              c.batch, net.num_params(), us, flops / (us * 1e-6) / 1e9, steps, sink / double(steps));

  // Where the time goes: the same step in phases, each timed (adds a few clock reads).
  double t_fwd = 0, t_bwd = 0, t_opt = 0;
  auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  for (long i = 0; i < steps; ++i) {
    const size_t k = next++ % pool;
    const ConstMatrix X(xs.data() + k * c.batch * c.in, c.batch, c.in), Y(ys.data() + k * c.batch, c.batch, 1);
    auto t = clock::now();
    net.zero_grad();
    const ConstMatrix o = net.forward(X, rng);
    Matrix d{D.data, c.batch, out};
    sink += loss->forward(o, net.logits(), Y, &d);
    t_fwd += since(t);
    t = clock::now();
    net.backward_from_logits(d);
    t_bwd += since(t);
    t = clock::now();
    opt->step(net.params(), net.grads(), net.num_params(), oc.lr);
    t_opt += since(t);
  }
  const double k = 1e6 / double(steps);
  std::printf("%-28s   zero_grad+forward+loss %.2f us, backward %.2f us, adam %.2f us\n", "", t_fwd * k, t_bwd * k,
              t_opt * k);
}

int main(int argc, char** argv) {
  double seconds = 2.0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) blas_set_threads(std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_step [--threads N] [--seconds S]\n");
      return 2;
    }
  }
  const BlasInfo b = blas_info();
  std::printf("BLAS: %s %s, core %s, %s, %d threads\n", b.library.c_str(), b.version.c_str(), b.core.c_str(),
              b.threading.c_str(), b.threads);
  run({"10-64-32-1 relu,relu,bce", 10, {layer(64, "relu"), layer(32, "relu"), layer(1, "sigmoid")}, 32, "bce"}, seconds);
  run({"784-256-128-10 relu,relu,ce", 784, {layer(256, "relu"), layer(128, "relu"), layer(10, "softmax")}, 128,
       "cross_entropy"},
      seconds);
  return 0;
}
