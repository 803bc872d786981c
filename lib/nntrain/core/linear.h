// The Linear layer's two kernels on the BLAS (PyTorch's nn.Linear: W is [out, in]):
// forward z = x·Wᵀ (the bias is added by bias_act_forward in the same pass as the activation),
// backward dW += dzᵀ·x, db += Σ_rows dz, dx = dz·W. No storage: the network owns the buffers.
#pragma once
#include <cstddef>

namespace nntrain {

// x: [B, in], W: [out, in] -> z: [B, out] (overwritten; bias not added).
template <class T>
void linear_forward(T* z, const T* x, const T* W, size_t rows, size_t in, size_t out);

// dz: [B, out], x: [B, in], W: [out, in]. dW: [out, in] and db: [out] accumulate (+=);
// dx: [B, in] is overwritten, skipped when null (the first layer needs no input gradient).
template <class T>
void linear_backward(T* dx, T* dW, T* db, const T* dz, const T* x, const T* W, size_t rows, size_t in,
                     size_t out);

}  // namespace nntrain
