// GEMM kernel selection (see gemm.h). Today one shader, gemm.comp (64x64 tiles), specialized
// per transpose pair; the place to choose tuned kernels per shape.
#include "nntrain/gpu/gemm.h"

namespace nntrain::gpu {

namespace {

struct GemmPush {
  uint64_t a, b, c;
  uint32_t m, n, k;
  uint32_t lda, ldb, ldc;
  float alpha, beta;
};

}  // namespace

void gemm(Stream& s, bool trans_a, bool trans_b, int m, int n, int k, float alpha, Ptr a, int lda, Ptr b, int ldb,
          float beta, Ptr c, int ldc) {
  if (m <= 0 || n <= 0) return;
  const Kernel kern = s.device().kernel("gemm", {trans_a ? 1u : 0u, trans_b ? 1u : 0u});
  const GemmPush p{a.address, b.address, c.address, uint32_t(m), uint32_t(n), uint32_t(k),
                   uint32_t(lda), uint32_t(ldb), uint32_t(ldc), alpha, beta};
  s.dispatch(kern, Groups{div_up(size_t(n), 64), div_up(size_t(m), 64), 1}, p);
}

void linear_forward(Stream& s, Ptr z, Ptr x, Ptr W, size_t rows, size_t in, size_t out) {
  gemm(s, false, true, int(rows), int(out), int(in), 1.0f, x, int(in), W, int(in), 0.0f, z, int(out));
}

void linear_weight_grad(Stream& s, Ptr dW, Ptr dz, Ptr x, size_t rows, size_t in, size_t out, bool accumulate) {
  gemm(s, true, false, int(out), int(in), int(rows), 1.0f, dz, int(out), x, int(in), accumulate ? 1.0f : 0.0f, dW,
       int(in));
}

void linear_input_grad(Stream& s, Ptr dx, Ptr dz, Ptr W, size_t rows, size_t in, size_t out) {
  gemm(s, false, false, int(rows), int(in), int(out), 1.0f, dz, int(out), W, int(in), 0.0f, dx, int(in));
}

}  // namespace nntrain::gpu
