// The GPU GEMM behind one function, as core's blas.h is the one door to OpenBLAS: which
// shader and tile shape runs a given problem is decided inside gemm.cpp alone, so a tuned
// kernel (or a vendor library) replaces it without touching any caller.
#pragma once
#include <string>
#include <vector>

#include "nntrain/gpu/buffer.h"
#include "nntrain/gpu/stream.h"

namespace nntrain::gpu {

// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, op = transpose when trans_x (the
// arguments of core's gemm()), recorded into s. beta == 0 never reads C. Deterministic: the
// same problem on the same device gives the same bits.
void gemm(Stream& s, bool trans_a, bool trans_b, int m, int n, int k, float alpha, Ptr a, int lda, Ptr b, int ldb,
          float beta, Ptr c, int ldc);

// The Linear layer's three products (core/linear.h's shapes):
// z[B, out] = x[B, in] · W[out, in]ᵀ
void linear_forward(Stream& s, Ptr z, Ptr x, Ptr W, size_t rows, size_t in, size_t out);
// dW[out, in] (+)= dz[B, out]ᵀ · x[B, in]: accumulate adds to dW, else overwrites it.
void linear_weight_grad(Stream& s, Ptr dW, Ptr dz, Ptr x, size_t rows, size_t in, size_t out, bool accumulate);
// dx[B, in] = dz[B, out] · W[out, in]
void linear_input_grad(Stream& s, Ptr dx, Ptr dz, Ptr W, size_t rows, size_t in, size_t out);

// ---- for tuning and tests (bench/gpu_gemm, tests/test_gpu_gemm.cpp) ----------------------
// Variant names: "t<BM>x<BN>x<BK>_<TM>x<TN>" the tiled kernel (gemm_tile.comp) with a BM x BN
// tile of C per workgroup, K in steps of BK, TM x TN per invocation; ".s<S>" after it splits
// K into S chunks (partial sums in the stream's scratch, added in a fixed order); "+scalar"
// after it forbids vec4 loads and stores; "skinny" the GEMV-like kernel for a thin side
// (gemm_skinny.comp). Every variant computes every shape.

// The variants worth timing, in the order bench/gpu_gemm prints them.
const std::vector<std::string>& gemm_variants();
// The shape class of a problem (what the heuristic's table is keyed by) and the variant
// gemm() runs for it. NNTRAIN_GEMM_VARIANT=<name> in the environment overrides the table
// for every gemm() of the process.
struct GemmChoice {
  std::string shape_class;
  std::string variant;
};
GemmChoice gemm_choice(int m, int n, int k);
// gemm() with `variant` instead of the heuristic's choice. Throws std::invalid_argument for
// a name that is not a variant.
void gemm_variant(Stream& s, const std::string& variant, bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                  Ptr a, int lda, Ptr b, int ldb, float beta, Ptr c, int ldc);

}  // namespace nntrain::gpu
