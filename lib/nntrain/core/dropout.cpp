// Dropout kernels (see dropout.h). The mask is stored pre-scaled so forward and backward are
// one multiply each.
#include "nntrain/core/dropout.h"

namespace nntrain {

template <class T>
void dropout_make_mask(T* mask, size_t n, double p, Rng& rng) {
  const T scale = p >= 1.0 ? T(0) : T(1.0 / (1.0 - p));
  const float pf = static_cast<float>(p);
  for (size_t i = 0; i < n; ++i) mask[i] = rng.uniform_float() >= pf ? scale : T(0);
}

template <class T>
void dropout_forward(T* y, const T* x, const T* mask, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * mask[i];
}

template <class T>
void dropout_backward(T* dx, const T* dy, const T* mask, size_t n) {
  for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * mask[i];
}

template void dropout_make_mask<float>(float*, size_t, double, Rng&);
template void dropout_make_mask<double>(double*, size_t, double, Rng&);
template void dropout_forward<float>(float*, const float*, const float*, size_t);
template void dropout_forward<double>(double*, const double*, const double*, size_t);
template void dropout_backward<float>(float*, const float*, const float*, size_t);
template void dropout_backward<double>(double*, const double*, const double*, size_t);

}  // namespace nntrain
