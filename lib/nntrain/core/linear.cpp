// Linear kernels (see linear.h): three GEMMs with transposes instead of copies, and the bias
// gradient as one pass over dz.
#include "nntrain/core/linear.h"

#include "nntrain/core/blas.h"
#include "nntrain/core/clones.h"

namespace nntrain {

// db[out] += Σ_rows dz[rows, out], row after row (the same order in both clones: AVX2 only
// widens the loop over j).
template <class T>
NNTRAIN_CLONES
static void bias_grad(T* db, const T* dz, size_t rows, size_t out) {
  for (size_t r = 0; r < rows; ++r) {
    const T* dzr = dz + r * out;
    for (size_t j = 0; j < out; ++j) db[j] += dzr[j];
  }
}

template <class T>
void linear_forward(T* z, const T* x, const T* W, size_t rows, size_t in, size_t out) {
  // z[B, out] = x[B, in] · W[out, in]ᵀ
  gemm(false, true, int(rows), int(out), int(in), T(1), x, int(in), W, int(in), T(0), z, int(out));
}

template <class T>
void linear_backward(T* dx, T* dW, T* db, const T* dz, const T* x, const T* W, size_t rows, size_t in,
                     size_t out) {
  // dW[out, in] += dz[B, out]ᵀ · x[B, in]
  gemm(true, false, int(out), int(in), int(rows), T(1), dz, int(out), x, int(in), T(1), dW, int(in));
  bias_grad(db, dz, rows, out);
  // dx[B, in] = dz[B, out] · W[out, in]
  if (dx) gemm(false, false, int(rows), int(in), int(out), T(1), dz, int(out), W, int(in), T(0), dx, int(in));
}

template void linear_forward<float>(float*, const float*, const float*, size_t, size_t, size_t);
template void linear_forward<double>(double*, const double*, const double*, size_t, size_t, size_t);
template void linear_backward<float>(float*, float*, float*, const float*, const float*, const float*, size_t,
                                     size_t, size_t);
template void linear_backward<double>(double*, double*, double*, const double*, const double*, const double*,
                                      size_t, size_t, size_t);

}  // namespace nntrain
