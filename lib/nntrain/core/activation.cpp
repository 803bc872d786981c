// Activation kernels (see activation.h): PyTorch's formulas, including its choices at the
// kinks (relu'(0) = 0, leaky_relu'(0) = negative_slope) and gelu in the exact erf form.
#include "nntrain/core/activation.h"

#include <algorithm>
#include <cmath>

#include "nntrain/core/clones.h"
#include "nntrain/core/error.h"

namespace nntrain {

Act parse_activation(const std::string& name) {
  if (name == "identity") return Act::identity;
  if (name == "sigmoid") return Act::sigmoid;
  if (name == "tanh") return Act::tanh;
  if (name == "relu") return Act::relu;
  if (name == "leaky_relu") return Act::leaky_relu;
  if (name == "gelu") return Act::gelu;
  if (name == "softmax") return Act::softmax;
  throw ConfigError("unknown activation '" + name +
                    "' (expected identity, sigmoid, tanh, relu, leaky_relu, gelu or softmax)");
}

const char* activation_name(Act act) {
  switch (act) {
    case Act::identity: return "identity";
    case Act::sigmoid: return "sigmoid";
    case Act::tanh: return "tanh";
    case Act::relu: return "relu";
    case Act::leaky_relu: return "leaky_relu";
    case Act::gelu: return "gelu";
    case Act::softmax: return "softmax";
  }
  return "?";
}

bool act_needs_z(Act act) { return act == Act::leaky_relu || act == Act::gelu; }

template <class T>
static inline T sigmoid(T z) {
  // Stable on both sides: never exp of a large positive number.
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// z += b row by row (when b is given) and a = f(z), in one pass over each row. When a and z
// are one buffer only f(z) is stored: a second store to the same address would keep the loop
// from vectorizing.
template <class T, class F>
inline void bias_then(T* z, T* a, const T* b, size_t rows, size_t n, F f) {
  for (size_t r = 0; r < rows; ++r) {
    T* zr = z + r * n;
    T* ar = a + r * n;
    if (ar == zr && b) {
      for (size_t j = 0; j < n; ++j) zr[j] = f(zr[j] + b[j]);
    } else if (ar == zr) {
      for (size_t j = 0; j < n; ++j) zr[j] = f(zr[j]);
    } else if (b) {
      for (size_t j = 0; j < n; ++j) {
        const T v = zr[j] + b[j];
        zr[j] = v;
        ar[j] = f(v);
      }
    } else {
      for (size_t j = 0; j < n; ++j) ar[j] = f(zr[j]);
    }
  }
}

// Both kernels are compiled for AVX2 and for the baseline, picked at load time (as Adam in
// optimizer.cpp): the loops are elementwise, so both clones give the same bits.
template <class T>
NNTRAIN_CLONES
void bias_act_forward(T* z, T* a, const T* b, size_t rows, size_t n, Act act, T slope) {
  constexpr T kInvSqrt2 = T(0.70710678118654752440);
  switch (act) {
    case Act::identity:
      bias_then(z, a, b, rows, n, [](T v) { return v; });
      break;
    case Act::sigmoid:
      bias_then(z, a, b, rows, n, [](T v) { return sigmoid(v); });
      break;
    case Act::tanh:
      bias_then(z, a, b, rows, n, [](T v) { return std::tanh(v); });
      break;
    case Act::relu:
      bias_then(z, a, b, rows, n, [](T v) { return v > T(0) ? v : T(0); });
      break;
    case Act::leaky_relu:
      bias_then(z, a, b, rows, n, [slope](T v) { return v > T(0) ? v : v * slope; });
      break;
    case Act::gelu:  // x · Φ(x), Φ(x) = (1 + erf(x/√2)) / 2
      bias_then(z, a, b, rows, n, [](T v) { return v * T(0.5) * (T(1) + std::erf(v * kInvSqrt2)); });
      break;
    case Act::softmax:  // per row: the bias into z (the logits), then a = softmax(z)
      bias_then(z, z, b, rows, n, [](T v) { return v; });
      for (size_t r = 0; r < rows; ++r) {
        const T* zr = z + r * n;
        T* ar = a + r * n;
        T m = zr[0];
        for (size_t j = 1; j < n; ++j) m = std::max(m, zr[j]);
        T s = 0;
        for (size_t j = 0; j < n; ++j) s += (ar[j] = std::exp(zr[j] - m));
        const T inv = T(1) / s;
        for (size_t j = 0; j < n; ++j) ar[j] *= inv;
      }
      break;
  }
}

template <class T>
NNTRAIN_CLONES
void act_backward(T* dz, const T* g, const T* z, const T* a, size_t rows, size_t n, Act act, T slope) {
  constexpr T kInvSqrt2 = T(0.70710678118654752440);
  constexpr T kInvSqrt2Pi = T(0.39894228040143267794);
  const size_t total = rows * n;
  switch (act) {
    case Act::identity:
      if (dz != g) std::copy(g, g + total, dz);
      break;
    case Act::sigmoid:  // σ' = a(1 - a)
      for (size_t i = 0; i < total; ++i) dz[i] = g[i] * a[i] * (T(1) - a[i]);
      break;
    case Act::tanh:  // tanh' = 1 - a²
      for (size_t i = 0; i < total; ++i) dz[i] = g[i] * (T(1) - a[i] * a[i]);
      break;
    case Act::relu:  // a > 0 exactly when z > 0; g read unconditionally so the loop vectorizes
      for (size_t i = 0; i < total; ++i) {
        const T gi = g[i];
        dz[i] = a[i] > T(0) ? gi : T(0);
      }
      break;
    case Act::leaky_relu:
      for (size_t i = 0; i < total; ++i) {
        const T gi = g[i], scaled = gi * slope;
        dz[i] = z[i] > T(0) ? gi : scaled;
      }
      break;
    case Act::gelu:  // Φ(z) + z·φ(z)
      for (size_t i = 0; i < total; ++i) {
        const T cdf = T(0.5) * (T(1) + std::erf(z[i] * kInvSqrt2));
        const T pdf = kInvSqrt2Pi * std::exp(T(-0.5) * z[i] * z[i]);
        dz[i] = g[i] * (cdf + z[i] * pdf);
      }
      break;
    case Act::softmax:  // dz_j = a_j (g_j - Σ_k g_k a_k), per row
      for (size_t r = 0; r < rows; ++r) {
        const T* gr = g + r * n;
        const T* ar = a + r * n;
        T* dr = dz + r * n;
        T dot = 0;
        for (size_t j = 0; j < n; ++j) dot += gr[j] * ar[j];
        for (size_t j = 0; j < n; ++j) dr[j] = ar[j] * (gr[j] - dot);
      }
      break;
  }
}

template void bias_act_forward<float>(float*, float*, const float*, size_t, size_t, Act, float);
template void bias_act_forward<double>(double*, double*, const double*, size_t, size_t, Act, double);
template void act_backward<float>(float*, const float*, const float*, const float*, size_t, size_t, Act, float);
template void act_backward<double>(double*, const double*, const double*, const double*, size_t, size_t, Act,
                                   double);

}  // namespace nntrain
