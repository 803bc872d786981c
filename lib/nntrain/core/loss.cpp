// Losses (see loss.h): each kernel computes the mean value and its gradient in one pass; the
// Loss classes check shapes and pick the kernel; forward_backward / evaluate_loss are the
// trainer's entry points and allocate nothing.
#include "nntrain/core/loss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "nntrain/core/error.h"

namespace nntrain {

// ---- kernels ---------------------------------------------------------------------------

template <class T>
double bce_with_logits_loss(const T* x, const T* y, size_t n, double pos_weight, T* dx, double denom) {
  if (denom < 0) denom = double(n);
  double sum = 0;
  const T scale = T(1.0 / denom);
  const T pw = T(pos_weight);
  for (size_t i = 0; i < n; ++i) {
    const T xi = x[i], yi = y[i];
    // softplus(-x) = log(1 + e^{-x}), stable; sigmoid(-x) shares e^{-|x|}.
    const T e = std::exp(-std::abs(xi));
    const T softplus_neg = std::log1p(e) + std::max(-xi, T(0));
    const T log_weight = T(1) + (pw - T(1)) * yi;
    sum += double((T(1) - yi) * xi + log_weight * softplus_neg);
    if (dx) {
      const T sig_neg = xi >= T(0) ? e / (T(1) + e) : T(1) / (T(1) + e);  // σ(-x)
      dx[i] = ((T(1) - yi) - log_weight * sig_neg) * scale;
    }
  }
  return sum / denom;
}

template <class T>
double cross_entropy_loss(const T* z, const T* target, size_t rows, size_t classes, const float* weights, T* dz,
                          double batch_denom) {
  double denom = 0;
  for (size_t r = 0; r < rows; ++r) {
    const double t = double(target[r]);
    if (!(t >= 0 && t < double(classes)) || t != std::floor(t))
      throw DataError("cross_entropy target " + std::to_string(t) + " is not a class index in [0, " +
                      std::to_string(classes) + ")");
    denom += weights ? double(weights[size_t(t)]) : 1.0;
  }
  if (batch_denom >= 0) denom = batch_denom;
  double sum = 0;
  const T inv = T(1.0 / denom);
  for (size_t r = 0; r < rows; ++r) {
    const T* zr = z + r * classes;
    const size_t y = size_t(target[r]);
    const T w = weights ? T(weights[y]) : T(1);
    T m = zr[0];
    for (size_t j = 1; j < classes; ++j) m = std::max(m, zr[j]);
    T s = 0;
    for (size_t j = 0; j < classes; ++j) s += std::exp(zr[j] - m);
    const T lse = m + std::log(s);
    sum += double(w * (lse - zr[y]));
    if (dz) {
      T* dr = dz + r * classes;
      const T k = w * inv;
      for (size_t j = 0; j < classes; ++j) dr[j] = k * std::exp(zr[j] - lse);
      dr[y] -= k;
    }
  }
  return sum / denom;
}

template <class T>
double mse_loss(const T* o, const T* y, size_t n, T* d, double denom) {
  if (denom < 0) denom = double(n);
  double sum = 0;
  const T k = T(2.0 / denom);
  for (size_t i = 0; i < n; ++i) {
    const T diff = o[i] - y[i];
    sum += double(diff * diff);
    if (d) d[i] = k * diff;
  }
  return sum / denom;
}

template <class T>
double l1_loss(const T* o, const T* y, size_t n, T* d, double denom) {
  if (denom < 0) denom = double(n);
  double sum = 0;
  const T k = T(1.0 / denom);
  for (size_t i = 0; i < n; ++i) {
    const T diff = o[i] - y[i];
    sum += double(std::abs(diff));
    if (d) d[i] = diff > T(0) ? k : (diff < T(0) ? -k : T(0));
  }
  return sum / denom;
}

template <class T>
double huber_loss(const T* o, const T* y, size_t n, double delta_d, T* d, double denom) {
  if (denom < 0) denom = double(n);
  double sum = 0;
  const T k = T(1.0 / denom);
  const T delta = T(delta_d);
  for (size_t i = 0; i < n; ++i) {
    const T diff = o[i] - y[i];
    const T a = std::abs(diff);
    sum += double(a < delta ? T(0.5) * diff * diff : delta * (a - T(0.5) * delta));
    if (d) d[i] = k * (diff < -delta ? -delta : (diff > delta ? delta : diff));
  }
  return sum / denom;
}

#define NNTRAIN_LOSS_INSTANTIATE(T)                                                              \
  template double bce_with_logits_loss<T>(const T*, const T*, size_t, double, T*, double);              \
  template double cross_entropy_loss<T>(const T*, const T*, size_t, size_t, const float*, T*, double);  \
  template double mse_loss<T>(const T*, const T*, size_t, T*, double);                                  \
  template double l1_loss<T>(const T*, const T*, size_t, T*, double);                                   \
  template double huber_loss<T>(const T*, const T*, size_t, double, T*, double);
NNTRAIN_LOSS_INSTANTIATE(float)
NNTRAIN_LOSS_INSTANTIATE(double)
#undef NNTRAIN_LOSS_INSTANTIATE

// ---- Loss classes ----------------------------------------------------------------------

static void check_shapes(const char* name, ConstMatrix out, ConstMatrix target, size_t target_cols) {
  if (target.rows != out.rows || target.cols != target_cols)
    throw DataError(std::string(name) + ": target is [" + std::to_string(target.rows) + ", " +
                    std::to_string(target.cols) + "] but the network output is [" + std::to_string(out.rows) +
                    ", " + std::to_string(out.cols) + "]");
}

namespace {

class BceLoss final : public Loss {
 public:
  explicit BceLoss(double pos_weight) : pos_weight_(pos_weight) {}
  double forward_part(ConstMatrix, ConstMatrix logits, ConstMatrix target, Matrix* dgrad,
                      double denominator) const override {
    check_shapes("bce", logits, target, logits.cols);
    return bce_with_logits_loss(logits.data, target.data, logits.size(), pos_weight_, dgrad ? dgrad->data : nullptr,
                                denominator);
  }
  bool uses_logits() const override { return true; }

 private:
  double pos_weight_;
};

class CrossEntropyLoss final : public Loss {
 public:
  explicit CrossEntropyLoss(std::vector<float> weights) : weights_(std::move(weights)) {}
  double forward_part(ConstMatrix, ConstMatrix logits, ConstMatrix target, Matrix* dgrad,
                      double denominator) const override {
    check_shapes("cross_entropy", logits, target, 1);
    return cross_entropy_loss(logits.data, target.data, logits.rows, logits.cols,
                              weights_.empty() ? nullptr : weights_.data(), dgrad ? dgrad->data : nullptr, denominator);
  }
  double mean_denominator(ConstMatrix target) const override { return batch_weight(target); }
  bool uses_logits() const override { return true; }
  double batch_weight(ConstMatrix target) const override {
    if (weights_.empty()) return double(target.rows);
    double w = 0;
    for (size_t r = 0; r < target.rows; ++r) {
      const double t = double(target.data[r * target.cols]);
      if (t >= 0 && t < double(weights_.size())) w += weights_[size_t(t)];
    }
    return w;
  }

 private:
  std::vector<float> weights_;
};

enum class Regression { mse, mae, huber };

class RegressionLoss final : public Loss {
 public:
  RegressionLoss(Regression kind, double delta) : kind_(kind), delta_(delta) {}
  double forward_part(ConstMatrix output, ConstMatrix, ConstMatrix target, Matrix* dgrad,
                      double denominator) const override {
    const char* name = kind_ == Regression::mse ? "mse" : kind_ == Regression::mae ? "mae" : "huber";
    check_shapes(name, output, target, output.cols);
    float* d = dgrad ? dgrad->data : nullptr;
    switch (kind_) {
      case Regression::mse: return mse_loss(output.data, target.data, output.size(), d, denominator);
      case Regression::mae: return l1_loss(output.data, target.data, output.size(), d, denominator);
      case Regression::huber: return huber_loss(output.data, target.data, output.size(), delta_, d, denominator);
    }
    return 0;
  }
  bool uses_logits() const override { return false; }

 private:
  Regression kind_;
  double delta_;
};

}  // namespace

std::unique_ptr<Loss> make_loss(const LossConfig& cfg, const LayerSpec& last, const std::vector<float>& class_weights) {
  if (cfg.name == "bce") {
    if (last.units != 1 || last.activation != "sigmoid")
      throw ConfigError("loss bce needs a last layer of 1 unit with activation sigmoid (got " +
                        std::to_string(last.units) + " units, " + last.activation +
                        "); for more than two classes use loss: cross_entropy with a softmax last layer");
    const double pw = cfg.pos_weight ? *cfg.pos_weight : 1.0;
    if (!(pw > 0) || !std::isfinite(pw)) throw ConfigError("loss.pos_weight must be a positive number");
    return std::make_unique<BceLoss>(pw);
  }
  if (cfg.name == "cross_entropy") {
    if (last.activation != "softmax")
      throw ConfigError("loss cross_entropy needs a softmax last layer (got " + last.activation +
                        "); set the last layer's activation: softmax with one unit per class");
    if (!class_weights.empty() && class_weights.size() != size_t(last.units))
      throw DataError("cross_entropy has " + std::to_string(class_weights.size()) + " class weights but the last layer has " +
                      std::to_string(last.units) + " units");
    return std::make_unique<CrossEntropyLoss>(class_weights);
  }
  if (cfg.name == "mse") return std::make_unique<RegressionLoss>(Regression::mse, 0.0);
  if (cfg.name == "mae") return std::make_unique<RegressionLoss>(Regression::mae, 0.0);
  if (cfg.name == "huber") {
    if (!(cfg.delta > 0) || !std::isfinite(cfg.delta)) throw ConfigError("loss.delta must be a positive number");
    return std::make_unique<RegressionLoss>(Regression::huber, cfg.delta);
  }
  throw ConfigError("unknown loss '" + cfg.name + "' (expected bce, cross_entropy, mse, mae or huber)");
}

std::vector<float> balanced_class_weights(const std::vector<size_t>& class_counts) {
  size_t total = 0;
  for (size_t c : class_counts) total += c;
  std::vector<float> w(class_counts.size(), 0.0f);
  for (size_t i = 0; i < class_counts.size(); ++i)
    if (class_counts[i] > 0) w[i] = float(double(total) / (double(class_counts.size()) * double(class_counts[i])));
  return w;
}

double forward_backward(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, Rng& rng, Matrix dgrad) {
  const uint64_t key = net.is_training() && net.has_dropout() ? rng.next_u64() : 0;
  return forward_backward_rows(net, loss, x, y, key, 0, loss.mean_denominator(y), dgrad);
}

double forward_backward_rows(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, uint64_t dropout_key,
                             size_t row0, double denominator, Matrix dgrad) {
  const ConstMatrix out = net.forward_rows(x, dropout_key, row0);
  Matrix d{dgrad.data, out.rows, out.cols};
  const double value = loss.forward_part(out, net.logits(), y, &d, denominator);
  if (loss.uses_logits()) net.backward_from_logits(d);
  else net.backward(d);
  return value;
}

double evaluate_loss(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, Rng& rng, Matrix* outputs) {
  const bool was_training = net.is_training();
  net.eval();
  double sum = 0, weight = 0;
  const size_t chunk = net.max_batch();
  const size_t out_cols = net.out_features();
  try {
    for (size_t r = 0; r < x.rows; r += chunk) {
      const size_t n = std::min(chunk, x.rows - r);
      const ConstMatrix xb(x.row(r), n, x.cols);
      const ConstMatrix yb(y.row(r), n, y.cols);
      const ConstMatrix out = net.forward(xb, rng);
      const double w = loss.batch_weight(yb);
      const double value = loss.forward(out, net.logits(), yb, nullptr);
      if (w > 0) {  // a weighted cross_entropy chunk whose targets all weigh 0 adds nothing
        sum += value * w;
        weight += w;
      }
      if (outputs) std::copy(out.data, out.data + n * out_cols, outputs->row(r));
    }
  } catch (...) {
    if (was_training) net.train();
    throw;
  }
  if (was_training) net.train();
  return weight > 0 ? sum / weight : 0.0;
}

}  // namespace nntrain
