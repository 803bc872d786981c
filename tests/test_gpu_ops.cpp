// Tests for gpu/ops.h against core's CPU kernels, op by op, on random and edge shapes
// (1-wide outputs, sizes that are not a multiple of the workgroup).
#include <doctest/doctest.h>

#include <limits>

#include "gpu_test_util.h"
#include "nntrain/core/activation.h"
#include "nntrain/core/dropout.h"
#include "nntrain/core/loss.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/gpu/ops.h"

using namespace nntrain;
using namespace nntrain::gpu;

TEST_CASE("bias_act_forward matches core for every activation, with and without bias, in place or not") {
  const Act acts[] = {Act::identity, Act::sigmoid, Act::tanh, Act::relu, Act::leaky_relu, Act::gelu, Act::softmax};
  const size_t shapes[][2] = {{1, 1}, {3, 1}, {1, 7}, {33, 10}, {257, 3}, {64, 300}};
  uint64_t seed = 1;
  for (Act act : acts)
    for (const auto& sh : shapes)
      for (int with_bias = 0; with_bias < 2; ++with_bias)
        for (int in_place = 0; in_place < 2; ++in_place) {
          const size_t rows = sh[0], n = sh[1];
          if (act == Act::softmax && in_place) continue;  // softmax keeps the logits apart
          CAPTURE(activation_name(act));
          CAPTURE(rows);
          CAPTURE(n);
          CAPTURE(with_bias);
          CAPTURE(in_place);
          auto z = gpu_test::random_floats(rows * n, seed++, 3.0);
          z[0] = 50.0f;  // saturating values too
          if (z.size() > 1) z[1] = -50.0f;
          const auto b = gpu_test::random_floats(n, seed++);
          Buffer gz = gpu_test::to_device(z), gb = gpu_test::to_device(b), ga(gpu_test::device(), z.size() * 4);
          const Ptr a_ptr = in_place ? gz.ptr() : ga.ptr();
          Stream s(gpu_test::device());
          bias_act_forward(s, gz.ptr(), a_ptr, with_bias ? gb.ptr() : Ptr{}, rows, n, act, 0.02f);
          s.run();
          std::vector<float> a(z.size());
          float* a_cpu = in_place ? z.data() : a.data();
          bias_act_forward(z.data(), a_cpu, with_bias ? b.data() : nullptr, rows, n, act, 0.02f);
          const auto got_z = gpu_test::to_host(gz, z.size());
          const auto got_a = in_place ? got_z : gpu_test::to_host(ga, z.size());
          CHECK(gpu_test::worst(got_a, in_place ? z : a, 1e-6, 4e-6) <= 1.0);
          if (!in_place) CHECK(gpu_test::worst(got_z, z, 1e-6, 1e-6) <= 1.0);
        }
}

namespace {

// One uint word of control (ctl[0]) and a loss slot array, zeroed.
struct Control {
  gpu::Buffer ctl = gpu_test::to_device(std::vector<uint32_t>(4, 0u));
  gpu::Buffer losses = gpu_test::to_device(std::vector<float>(8, 0.0f));
  uint32_t flag() {
    uint32_t v = 0;
    download(gpu_test::device(), ctl, 0, &v, 4);
    return v;
  }
  float loss(uint32_t slot) { return gpu_test::to_host(losses, 8)[slot]; }
  LossOut out(uint32_t slot) { return LossOut{losses.ptr(), slot, ctl.ptr()}; }
};

}  // namespace

TEST_CASE("dropout masks on the GPU are core's, bit for bit (Philox with umulExtended)") {
  const uint64_t keys[] = {0, 0x0123456789abcdefULL, ~0ull, 0x9e3779b97f4a7c15ULL};
  for (uint64_t key : keys)
    for (double p : {0.1, 0.3, 0.5, 0.9})
      for (size_t row0 : {size_t(0), size_t(37)}) {
        const size_t rows = 19, n = 23;
        const uint32_t layer = uint32_t(row0 % 3);
        std::vector<float> cpu(rows * n);
        nntrain::dropout_make_mask<float>(cpu.data(), row0, rows, n, layer, p, key);
        gpu::Buffer g(gpu_test::device(), rows * n * 4);
        Stream s(gpu_test::device());
        gpu::dropout_make_mask(s, g.ptr(), rows, n, Dropout{p, key, layer, row0});
        s.run();
        CAPTURE(key);
        CAPTURE(p);
        CHECK(gpu_test::to_host(g, rows * n) == cpu);
      }
}

TEST_CASE("bias_act_forward with dropout: y = act(z + b) ⊙ core's mask") {
  const size_t rows = 41, n = 17;
  const Dropout d{0.25, 0xfeedfacecafebeefULL, 1, 5};
  for (Act act : {Act::relu, Act::gelu, Act::tanh}) {
    auto z = gpu_test::random_floats(rows * n, 3);
    const auto b = gpu_test::random_floats(n, 4);
    gpu::Buffer gz = gpu_test::to_device(z), gb = gpu_test::to_device(b), ga(gpu_test::device(), z.size() * 4),
                gy(gpu_test::device(), z.size() * 4);
    Stream s(gpu_test::device());
    gpu::bias_act_forward(s, gz.ptr(), ga.ptr(), gb.ptr(), rows, n, act, 0.01f, d, gy.ptr());
    s.run();
    std::vector<float> a(z.size()), mask(z.size()), y(z.size());
    nntrain::bias_act_forward(z.data(), a.data(), b.data(), rows, n, act, 0.01f);
    nntrain::dropout_make_mask<float>(mask.data(), d.row0, rows, n, d.layer, d.p, d.key);
    nntrain::dropout_forward(y.data(), a.data(), mask.data(), y.size());
    CAPTURE(activation_name(act));
    CHECK(gpu_test::worst(gpu_test::to_host(gy, y.size()), y, 1e-6, 4e-6) <= 1.0);
    CHECK(gpu_test::worst(gpu_test::to_host(ga, a.size()), a, 1e-6, 4e-6) <= 1.0);
  }
}

TEST_CASE("act_backward matches core for every activation, with dropout's mask and without") {
  const Act acts[] = {Act::identity, Act::sigmoid, Act::tanh, Act::relu, Act::leaky_relu, Act::gelu, Act::softmax};
  const size_t shapes[][2] = {{1, 1}, {5, 1}, {1, 9}, {33, 10}, {300, 7}};
  uint64_t seed = 100;
  for (Act act : acts)
    for (const auto& sh : shapes)
      for (int drop = 0; drop < 2; ++drop) {
        if (act == Act::softmax && drop) continue;  // a last-layer activation: no dropout there
        const size_t rows = sh[0], n = sh[1];
        CAPTURE(activation_name(act));
        CAPTURE(rows);
        CAPTURE(n);
        CAPTURE(drop);
        auto z = gpu_test::random_floats(rows * n, seed++, 2.0);
        std::vector<float> a(z.size());
        nntrain::bias_act_forward<float>(z.data(), a.data(), nullptr, rows, n, act, 0.05f);
        const auto g = gpu_test::random_floats(rows * n, seed++);
        const Dropout d = drop ? Dropout{0.4, seed, 2, 3} : Dropout{};
        // CPU: dropout_backward with the mask, then act_backward.
        std::vector<float> gm = g, dz(z.size());
        if (drop) {
          std::vector<float> mask(z.size());
          nntrain::dropout_make_mask<float>(mask.data(), d.row0, rows, n, d.layer, d.p, d.key);
          nntrain::dropout_backward(gm.data(), g.data(), mask.data(), gm.size());
        }
        nntrain::act_backward(dz.data(), gm.data(), z.data(), a.data(), rows, n, act, 0.05f);
        gpu::Buffer gz = gpu_test::to_device(z), ga = gpu_test::to_device(a), gg = gpu_test::to_device(g);
        Stream s(gpu_test::device());
        gpu::act_backward(s, gg.ptr(), gg.ptr(), gz.ptr(), ga.ptr(), rows, n, act, 0.05f, d);  // in place
        s.run();
        CHECK(gpu_test::worst(gpu_test::to_host(gg, dz.size()), dz, 1e-6, 4e-6) <= 1.0);
      }
}

TEST_CASE("bias_grad sums the rows of dz per column, accumulating or not, for narrow and wide layers") {
  const size_t shapes[][2] = {{1, 1}, {1000, 1}, {7, 3}, {257, 15}, {64, 16}, {130, 700}, {33, 1030}};
  uint64_t seed = 7;
  for (const auto& sh : shapes) {
    const size_t rows = sh[0], n = sh[1];
    CAPTURE(rows);
    CAPTURE(n);
    const auto dz = gpu_test::random_floats(rows * n, seed++);
    const auto db0 = gpu_test::random_floats(n, seed++);
    std::vector<float> sum(n), acc(n);
    for (size_t j = 0; j < n; ++j) {
      double t = 0;
      for (size_t r = 0; r < rows; ++r) t += dz[r * n + j];
      sum[j] = float(t);
      acc[j] = float(t + db0[j]);
    }
    gpu::Buffer gdz = gpu_test::to_device(dz), g1 = gpu_test::to_device(db0), g2 = gpu_test::to_device(db0);
    Stream s(gpu_test::device());
    gpu::bias_grad(s, g1.ptr(), gdz.ptr(), rows, n, false);
    s.concurrent();
    gpu::bias_grad(s, g2.ptr(), gdz.ptr(), rows, n, true);
    s.run();
    const double atol = 1e-6 * std::sqrt(double(rows));
    CHECK(gpu_test::worst(gpu_test::to_host(g1, n), sum, atol, 1e-5) <= 1.0);
    CHECK(gpu_test::worst(gpu_test::to_host(g2, n), acc, atol, 1e-5) <= 1.0);
  }
}

TEST_CASE("the losses match core's kernels: mean, gradient, and the non-finite flag") {
  Control c;
  for (size_t n : {size_t(1), size_t(7), size_t(300), size_t(1000)}) {
    CAPTURE(n);
    auto x = gpu_test::random_floats(n, n, 3.0);
    x[0] = 30.0f;  // a confident logit: softplus(-x) = e^-30 must survive (log1p)
    std::vector<float> y01(n), yreg = gpu_test::random_floats(n, n + 1);
    for (size_t i = 0; i < n; ++i) y01[i] = float((i * 7) % 3 == 0);
    gpu::Buffer gx = gpu_test::to_device(x), gy = gpu_test::to_device(y01), gr = gpu_test::to_device(yreg),
                gd(gpu_test::device(), n * 4);
    std::vector<float> d(n);
    auto check = [&](const char* what, double want, uint32_t slot) {
      CAPTURE(what);
      CHECK(c.loss(slot) == doctest::Approx(want).epsilon(1e-5));
      CHECK(gpu_test::worst(gpu_test::to_host(gd, n), d, 1e-7, 2e-5) <= 1.0);
    };
    Stream s(gpu_test::device());
    gpu::bce_with_logits_loss(s, gx.ptr(), gy.ptr(), n, 2.5, gd.ptr(), c.out(1));
    s.run();
    check("bce pos_weight 2.5", nntrain::bce_with_logits_loss(x.data(), y01.data(), n, 2.5, d.data()), 1);
    gpu::mse_loss(s, gx.ptr(), gr.ptr(), n, gd.ptr(), c.out(2));
    s.run();
    check("mse", nntrain::mse_loss(x.data(), yreg.data(), n, d.data()), 2);
    gpu::l1_loss(s, gx.ptr(), gr.ptr(), n, gd.ptr(), c.out(3));
    s.run();
    check("l1", nntrain::l1_loss(x.data(), yreg.data(), n, d.data()), 3);
    gpu::huber_loss(s, gx.ptr(), gr.ptr(), n, 0.7, gd.ptr(), c.out(4));
    s.run();
    check("huber", nntrain::huber_loss(x.data(), yreg.data(), n, 0.7, d.data()), 4);
  }
  CHECK(c.flag() == 0);
  // A NaN makes the mean NaN: the flag names the slot (+1), and a later bad slot does not move it.
  std::vector<float> bad = {1.0f, std::numeric_limits<float>::quiet_NaN()}, t = {0.0f, 1.0f};
  gpu::Buffer gb = gpu_test::to_device(bad), gt = gpu_test::to_device(t), gd(gpu_test::device(), 8);
  Stream s(gpu_test::device());
  gpu::mse_loss(s, gb.ptr(), gt.ptr(), 2, gd.ptr(), c.out(5));
  gpu::mse_loss(s, gb.ptr(), gt.ptr(), 2, gd.ptr(), c.out(6));
  s.run();
  CHECK(std::isnan(c.loss(5)));
  CHECK(c.flag() == 6);
  // An infinite one too.
  Control c2;
  std::vector<float> huge = {3e38f, 3e38f};
  gpu::Buffer gh = gpu_test::to_device(huge);
  gpu::mse_loss(s, gh.ptr(), gt.ptr(), 2, gd.ptr(), c2.out(2));
  s.run();
  CHECK(std::isinf(c2.loss(2)));
  CHECK(c2.flag() == 3);
}

TEST_CASE("cross_entropy matches core with and without class weights, on 1..many classes") {
  Control c;
  uint32_t slot = 0;
  for (size_t classes : {size_t(1), size_t(2), size_t(10), size_t(37)})
    for (size_t rows : {size_t(1), size_t(33), size_t(600)})
      for (int weighted = 0; weighted < 2; ++weighted) {
        CAPTURE(classes);
        CAPTURE(rows);
        CAPTURE(weighted);
        const auto z = gpu_test::random_floats(rows * classes, rows + classes, 2.0);
        std::vector<float> t(rows), w(classes);
        for (size_t r = 0; r < rows; ++r) t[r] = float((r * 5 + 1) % classes);
        for (size_t k = 0; k < classes; ++k) w[k] = 0.5f + float(k % 4);
        std::vector<float> d(z.size());
        const double want = nntrain::cross_entropy_loss(z.data(), t.data(), rows, classes,
                                                        weighted ? w.data() : nullptr, d.data());
        gpu::Buffer gz = gpu_test::to_device(z), gt = gpu_test::to_device(t), gw = gpu_test::to_device(w),
                    gd(gpu_test::device(), z.size() * 4);
        Stream s(gpu_test::device());
        slot = (slot + 1) % 8;
        gpu::cross_entropy_loss(s, gz.ptr(), gt.ptr(), rows, classes, weighted ? gw.ptr() : Ptr{}, gd.ptr(),
                                c.out(slot));
        s.run();
        CHECK(c.loss(slot) == doctest::Approx(want).epsilon(2e-5));
        CHECK(gpu_test::worst(gpu_test::to_host(gd, d.size()), d, 1e-7, 2e-5) <= 1.0);
      }
  CHECK(c.flag() == 0);
}

TEST_CASE("clip_grad_norm: the factor and norm of core's clip_grad_norm, over many partial sums") {
  for (size_t n : {size_t(1), size_t(100), size_t(8192), size_t(8193), size_t(70000)})
    for (double max_norm : {0.5, 1e9}) {
      CAPTURE(n);
      CAPTURE(max_norm);
      auto g = gpu_test::random_floats(n, n, 0.1);
      std::vector<float> clipped = g;
      const double norm = nntrain::clip_grad_norm(clipped.data(), n, max_norm);
      gpu::Buffer gg = gpu_test::to_device(g), scratch(gpu_test::device(), clip_scratch_floats(n) * 4),
                  result(gpu_test::device(), 8);
      Stream s(gpu_test::device());
      gpu::clip_grad_norm(s, gg.ptr(), n, max_norm, scratch.ptr(), result.ptr());
      s.run();
      const auto r = gpu_test::to_host(result, 2);
      CHECK(r[1] == doctest::Approx(norm).epsilon(1e-5));
      const double coef = max_norm / (norm + 1e-6);
      CHECK(r[0] == doctest::Approx(coef < 1 ? coef : 1.0).epsilon(1e-5));
    }
}

namespace {

// n parameters stepped `steps` times by a CPU optimizer of `cfg` and by the GPU kernels, with
// fresh gradients each step (and clipping on the last ones); returns the worst difference of
// the parameters and of each state buffer.
double optimizer_parity(const OptimizerConfig& cfg, size_t n, int steps) {
  auto cpu = make_optimizer(cfg, n);
  auto p = gpu_test::random_floats(n, 1);
  gpu::Buffer gp = gpu_test::to_device(p), gg(gpu_test::device(), n * 4), s1(gpu_test::device(), n * 4),
              s2(gpu_test::device(), n * 4), scratch(gpu_test::device(), clip_scratch_floats(n) * 4),
              clip(gpu_test::device(), 8);
  Control c;
  Stream s(gpu_test::device());
  s.fill(s1, 0, n * 4, 0);
  s.fill(s2, 0, n * 4, 0);
  s.run();
  for (int t = 1; t <= steps; ++t) {
    auto g = gpu_test::random_floats(n, 100 + t);
    const bool clipping = t > steps / 2;
    const double lr = 0.01 * t;
    upload(gpu_test::device(), gg, 0, g.data(), n * 4);
    StepArgs args{c.ctl.ptr(), Ptr{}};
    if (clipping) {
      gpu::clip_grad_norm(s, gg.ptr(), n, 0.3, scratch.ptr(), clip.ptr());
      args.clip = clip.ptr();
      nntrain::clip_grad_norm(g.data(), n, 0.3);
    }
    const float wd = float(cfg.effective_weight_decay());
    if (cfg.name == "sgd") {
      gpu::sgd_step(s, gp.ptr(), gg.ptr(), s1.ptr(), n, float(lr), float(cfg.momentum), wd, cfg.nesterov, t == 1, args);
    } else if (cfg.name == "rmsprop") {
      gpu::rmsprop_step(s, gp.ptr(), gg.ptr(), s1.ptr(), s2.ptr(), n, float(lr), float(cfg.alpha), float(cfg.eps),
                        float(cfg.momentum), wd, args);
    } else {
      const auto k = adam_step_scalars(cfg.beta1, cfg.beta2, float(cfg.eps), wd, cfg.name == "adamw", lr, t);
      gpu::adam_step(s, gp.ptr(), gg.ptr(), s1.ptr(), s2.ptr(), n, k, args);
    }
    s.run();
    cpu->step(p.data(), g.data(), n, lr);
  }
  double w = gpu_test::worst(gpu_test::to_host(gp, n), p, 1e-6, 1e-5);
  const auto bufs = cpu->state_buffers();
  for (size_t i = 0; i < bufs.size(); ++i)
    w = std::max(w, gpu_test::worst(gpu_test::to_host(i == 0 ? s1 : s2, n), *bufs[i].second, 1e-7, 1e-5));
  return w;
}

OptimizerConfig opt(const char* name, double momentum = 0, double wd = -1, bool nesterov = false) {
  OptimizerConfig c;
  c.name = name;
  c.momentum = momentum;
  c.nesterov = nesterov;
  if (wd >= 0) c.weight_decay = wd;
  return c;
}

}  // namespace

TEST_CASE("SGD, Adam, AdamW and RMSprop steps match core's optimizers step after step, clipping included") {
  const std::pair<const char*, OptimizerConfig> cases[] = {
      {"sgd", opt("sgd")},
      {"sgd momentum wd", opt("sgd", 0.9, 0.01)},
      {"sgd nesterov", opt("sgd", 0.8, 0, true)},
      {"adam", opt("adam")},
      {"adam l2", opt("adam", 0, 0.05)},
      {"adamw", opt("adamw")},
      {"rmsprop", opt("rmsprop")},
      {"rmsprop momentum wd", opt("rmsprop", 0.5, 0.02)},
  };
  for (const auto& [what, cfg] : cases)
    for (size_t n : {size_t(1), size_t(300), size_t(5000)}) {
      CAPTURE(what);
      CAPTURE(n);
      CHECK(optimizer_parity(cfg, n, 4) <= 1.0);
    }
}

TEST_CASE("an optimizer step does nothing once ctl[0] is set (a diverged batch)") {
  const size_t n = 100;
  const auto p = gpu_test::random_floats(n, 5), g = gpu_test::random_floats(n, 6);
  gpu::Buffer gp = gpu_test::to_device(p), gg = gpu_test::to_device(g), m(gpu_test::device(), n * 4),
              v(gpu_test::device(), n * 4);
  gpu::Buffer ctl = gpu_test::to_device(std::vector<uint32_t>{3u});
  Stream s(gpu_test::device());
  s.fill(m, 0, n * 4, 0);
  s.fill(v, 0, n * 4, 0);
  const auto k = adam_step_scalars(0.9, 0.999, 1e-8f, 0.0f, false, 0.1, 1);
  gpu::adam_step(s, gp.ptr(), gg.ptr(), m.ptr(), v.ptr(), n, k, StepArgs{ctl.ptr(), Ptr{}});
  gpu::sgd_step(s, gp.ptr(), gg.ptr(), Ptr{}, n, 0.1f, 0.0f, 0.0f, false, true, StepArgs{ctl.ptr(), Ptr{}});
  gpu::rmsprop_step(s, gp.ptr(), gg.ptr(), m.ptr(), Ptr{}, n, 0.1f, 0.99f, 1e-8f, 0.0f, 0.0f, StepArgs{ctl.ptr(), Ptr{}});
  s.run();
  CHECK(gpu_test::to_host(gp, n) == p);
  CHECK(gpu_test::to_host(m, n) == std::vector<float>(n, 0.0f));
}

TEST_CASE("gather_rows: a batch by the order, from data split over blocks") {
  const size_t rows = 50, cols = 3;
  std::vector<float> data(rows * cols);
  for (size_t i = 0; i < data.size(); ++i) data[i] = float(i);
  std::vector<uint32_t> order(rows);
  for (size_t i = 0; i < rows; ++i) order[i] = uint32_t((i * 17 + 3) % rows);
  // Three blocks: rows 0-19, 20-39, 40-49.
  std::vector<gpu::Buffer> blocks;
  for (size_t b0 = 0; b0 < rows; b0 += 20)
    blocks.push_back(gpu_test::to_device(std::vector<float>(data.begin() + b0 * cols,
                                                            data.begin() + std::min(rows, b0 + 20) * cols)));
  gpu::Buffer gorder = gpu_test::to_device(order), dst(gpu_test::device(), 13 * cols * 4);
  const size_t start = 30, batch = 13;  // order[30..43)
  Stream s(gpu_test::device());
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (b > 0) s.concurrent();  // blocks write disjoint rows
    gpu::gather_rows(s, dst.ptr(), blocks[b].ptr(), gorder.ptr(), start, batch, cols, b * 20,
                     std::min<size_t>(20, rows - b * 20));
  }
  s.run();
  std::vector<float> want(batch * cols);
  for (size_t r = 0; r < batch; ++r)
    for (size_t c = 0; c < cols; ++c) want[r * cols + c] = data[order[start + r] * cols + c];
  CHECK(gpu_test::to_host(dst, want.size()) == want);
}
