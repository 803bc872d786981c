// Dropout kernels (see dropout.h). The mask is stored pre-scaled so forward and backward are
// one multiply each; Philox is plain 32-bit integer arithmetic (a GLSL shader mirrors it with
// umulExtended).
#include "nntrain/core/dropout.h"

namespace nntrain {

namespace {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;  // key increments (Weyl)

inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = uint64_t(a) * uint64_t(b);
  hi = uint32_t(p >> 32);
  lo = uint32_t(p);
}

}  // namespace

std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {  // Random123 bumps the key before every round but the first
      k[0] += kPhiloxW0;
      k[1] += kPhiloxW1;
    }
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kPhiloxM0, c[0], hi0, lo0);
    mulhilo(kPhiloxM1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

float dropout_uniform(uint64_t key, uint32_t row, uint32_t col, uint32_t layer) {
  const auto x = philox4x32_10({row, col, layer, 0u}, {uint32_t(key), uint32_t(key >> 32)});
  return float(x[0] >> 8) * 0x1p-24f;
}

template <class T>
void dropout_make_mask(T* mask, size_t row0, size_t rows, size_t cols, uint32_t layer, double p, uint64_t key) {
  const T scale = p >= 1.0 ? T(0) : T(1.0 / (1.0 - p));
  const float pf = static_cast<float>(p);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      mask[r * cols + c] = dropout_uniform(key, uint32_t(row0 + r), uint32_t(c), layer) >= pf ? scale : T(0);
}

template <class T>
void dropout_forward(T* y, const T* x, const T* mask, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * mask[i];
}

template <class T>
void dropout_backward(T* dx, const T* dy, const T* mask, size_t n) {
  for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * mask[i];
}

template void dropout_make_mask<float>(float*, size_t, size_t, size_t, uint32_t, double, uint64_t);
template void dropout_make_mask<double>(double*, size_t, size_t, size_t, uint32_t, double, uint64_t);
template void dropout_forward<float>(float*, const float*, const float*, size_t);
template void dropout_forward<double>(double*, const double*, const double*, size_t);
template void dropout_backward<float>(float*, const float*, const float*, size_t);
template void dropout_backward<double>(double*, const double*, const double*, size_t);

}  // namespace nntrain
