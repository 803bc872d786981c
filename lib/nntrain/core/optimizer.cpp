// Optimizers (see optimizer.h), transcribed from torch.optim 1.13's single-tensor code paths
// (foreach=False, maximize=False, amsgrad=False, centered=False, dampening=0) in float, with
// the step-dependent scalars (bias corrections) in double as Python computes them.
#include "nntrain/core/optimizer.h"

#include <cmath>

#include "nntrain/core/blas.h"
#include "nntrain/core/clones.h"
#include "nntrain/core/error.h"

namespace nntrain {

namespace {

// SGD: d = g + wd·p; buf = d (first step) or momentum·buf + d; d = nesterov ? d + momentum·buf : buf;
// p -= lr·d.
class Sgd final : public Optimizer {
 public:
  Sgd(const OptimizerConfig& c, size_t n) : momentum_(float(c.momentum)), wd_(float(c.effective_weight_decay())), nesterov_(c.nesterov) {
    if (momentum_ != 0.0f) buf_.assign(n, 0.0f);
  }
  void step(float* p, const float* g, size_t n, double lr_d) override {
    const float lr = float(lr_d), m = momentum_, wd = wd_;
    const bool first = steps == 0;
    ++steps;
    if (m == 0.0f) {
      for (size_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + wd * p[i]);
      return;
    }
    float* b = buf_.data();
    for (size_t i = 0; i < n; ++i) {
      const float d = wd != 0.0f ? g[i] + wd * p[i] : g[i];
      b[i] = first ? d : m * b[i] + d;
      p[i] -= lr * (nesterov_ ? d + m * b[i] : b[i]);
    }
  }
  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override {
    if (buf_.empty()) return {};
    return {{"momentum_buffer", &buf_}};
  }

 private:
  float momentum_, wd_;
  bool nesterov_;
  std::vector<float> buf_;
};

// Elementwise loops shorter than this per thread stay on one thread (waking a worker costs µs).
constexpr size_t kMinPerThread = 32768;

// The Adam loop of [begin, end), compiled for AVX2 and for the baseline, picked at load time.
// Both clones do the same IEEE operations in the same order (no FMA contraction: the avx2
// target does not enable fma), so they give the same bits.
NNTRAIN_CLONES
void adam_update(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                 size_t begin, size_t end, const AdamStepScalars k) {
  for (size_t i = begin; i < end; ++i) {
    const float gi = g[i] + k.l2 * p[i];
    const float pi = p[i] * k.decay;
    const float mi = k.b1 * m[i] + k.one_b1 * gi;
    const float vi = k.b2 * v[i] + k.one_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - k.step_size * (mi / (std::sqrt(vi) / k.bc2_sqrt + k.eps));
  }
}

// Adam / AdamW: (adam) g += wd·p | (adamw) p *= 1 - lr·wd; m = β1·m + (1-β1)·g;
// v = β2·v + (1-β2)·g²; p -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + eps).
class Adam final : public Optimizer {
 public:
  Adam(const OptimizerConfig& c, size_t n, bool decoupled)
      : beta1_(c.beta1), beta2_(c.beta2), eps_(float(c.eps)), wd_(float(c.effective_weight_decay())), decoupled_(decoupled),
        m_(n, 0.0f), v_(n, 0.0f) {}
  void step(float* p, const float* g, size_t n, double lr) override {
    ++steps;
    const AdamStepScalars k = adam_step_scalars(beta1_, beta2_, eps_, wd_, decoupled_, lr, steps);
    float* m = m_.data();
    float* v = v_.data();
    // Elementwise, so splitting it over the threads changes no result.
    parallel_for(n, kMinPerThread, [&](size_t begin, size_t end) { adam_update(p, g, m, v, begin, end, k); });
  }
  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override {
    return {{"exp_avg", &m_}, {"exp_avg_sq", &v_}};
  }

 private:
  double beta1_, beta2_;
  float eps_, wd_;
  bool decoupled_;
  std::vector<float> m_, v_;
};

// RMSprop: g += wd·p; s = α·s + (1-α)·g²; avg = √s + eps;
// momentum > 0: buf = momentum·buf + g/avg, p -= lr·buf; else p -= lr·g/avg.
class RmsProp final : public Optimizer {
 public:
  RmsProp(const OptimizerConfig& c, size_t n)
      : alpha_(float(c.alpha)), eps_(float(c.eps)), momentum_(float(c.momentum)), wd_(float(c.effective_weight_decay())),
        sq_(n, 0.0f) {
    if (momentum_ > 0.0f) buf_.assign(n, 0.0f);
  }
  void step(float* p, const float* g, size_t n, double lr_d) override {
    ++steps;
    const float lr = float(lr_d), a = alpha_, one_a = 1.0f - alpha_, eps = eps_, m = momentum_, wd = wd_;
    float* s = sq_.data();
    float* b = buf_.empty() ? nullptr : buf_.data();
    for (size_t i = 0; i < n; ++i) {
      const float gi = g[i] + wd * p[i];
      s[i] = a * s[i] + one_a * gi * gi;
      const float avg = std::sqrt(s[i]) + eps;
      if (b) {
        b[i] = m * b[i] + gi / avg;
        p[i] -= lr * b[i];
      } else {
        p[i] -= lr * (gi / avg);
      }
    }
  }
  std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() override {
    std::vector<std::pair<std::string, std::vector<float>*>> out{{"square_avg", &sq_}};
    if (!buf_.empty()) out.push_back({"momentum_buffer", &buf_});
    return out;
  }

 private:
  float alpha_, eps_, momentum_, wd_;
  std::vector<float> sq_, buf_;
};

}  // namespace

AdamStepScalars adam_step_scalars(double beta1, double beta2, float eps, float weight_decay, bool decoupled, double lr,
                                  int64_t step) {
  const double bc1 = 1.0 - std::pow(beta1, double(step));
  const double bc2 = 1.0 - std::pow(beta2, double(step));
  AdamStepScalars k;
  k.step_size = float(lr / bc1);
  k.bc2_sqrt = float(std::sqrt(bc2));
  k.b1 = float(beta1);
  k.b2 = float(beta2);
  k.one_b1 = float(1.0 - beta1);
  k.one_b2 = float(1.0 - beta2);
  k.eps = eps;
  k.l2 = decoupled ? 0.0f : weight_decay;
  k.decay = decoupled ? float(1.0 - lr * double(weight_decay)) : 1.0f;
  return k;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& cfg, size_t num_params) {
  if (!(cfg.lr >= 0) || !std::isfinite(cfg.lr)) throw ConfigError("optimizer.lr must be a non-negative number");
  if (cfg.name == "sgd") {
    if (cfg.nesterov && cfg.momentum <= 0) throw ConfigError("optimizer.nesterov needs optimizer.momentum > 0 (as torch.optim.SGD)");
    return std::make_unique<Sgd>(cfg, num_params);
  }
  if (cfg.name == "adam") return std::make_unique<Adam>(cfg, num_params, false);
  if (cfg.name == "adamw") return std::make_unique<Adam>(cfg, num_params, true);
  if (cfg.name == "rmsprop") return std::make_unique<RmsProp>(cfg, num_params);
  throw ConfigError("unknown optimizer '" + cfg.name + "' (expected sgd, adam, adamw or rmsprop)");
}

double clip_grad_norm(float* grads, size_t n, double max_norm) {
  double sq = 0;
  for (size_t i = 0; i < n; ++i) sq += double(grads[i]) * double(grads[i]);
  const double norm = std::sqrt(sq);
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    const float c = float(coef);
    for (size_t i = 0; i < n; ++i) grads[i] *= c;
  }
  return norm;
}

}  // namespace nntrain
