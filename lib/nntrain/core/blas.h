// The only door to OpenBLAS: GEMM wrappers for row-major float matrices, thread control and
// a description of the library that runs (metrics.json, the benchmark). Only blas.cpp
// includes <cblas.h>.
#pragma once
#include <cstddef>
#include <string>
#include <type_traits>

namespace nntrain {

// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, op = transpose when trans_x.
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);
// The same in double (cblas_dgemm): the gradient checker runs the kernels in double.
void gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc);

struct BlasInfo {
  std::string library;    // "OpenBLAS"
  std::string version;    // e.g. "0.3.21"
  std::string core;       // openblas_get_corename(), e.g. "Haswell"
  std::string threading;  // "pthreads" | "openmp" | "sequential"
  int threads = 1;        // openblas_get_num_threads()
};
BlasInfo blas_info();
// --threads: n threads for every float GEMM (blocks of C, one single-threaded OpenBLAS call per
// thread; deterministic for a given n) and for parallel_for. Before the first call OpenBLAS
// runs with its own default threads and parallel_for is serial. Not thread-safe: call it
// before training, never while another thread is inside gemm or parallel_for. Shapes with a
// dimension of 1 (matrix-vector, outer products) run on the caller alone.
void blas_set_threads(int n);
int blas_default_threads();    // all cores

// fn(ctx, begin, end) over contiguous chunks covering [0, n), one chunk per thread of
// blas_set_threads (the caller runs the first); serial when n < 2 * min_per_thread. For
// elementwise loops only (each element written by one chunk, so results do not depend on the
// split). Allocates nothing.
void parallel_for(size_t n, size_t min_per_thread, void (*fn)(void* ctx, size_t begin, size_t end), void* ctx);
template <class F>  // F: void(size_t begin, size_t end)
void parallel_for(size_t n, size_t min_per_thread, F&& f) {
  using Fn = std::remove_reference_t<F>;
  parallel_for(
      n, min_per_thread, [](void* ctx, size_t b, size_t e) { (*static_cast<Fn*>(ctx))(b, e); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace nntrain
