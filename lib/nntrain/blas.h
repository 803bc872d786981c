// The only door to OpenBLAS: GEMM wrappers for row-major float matrices, thread control and
// a description of the library that runs (metrics.json, the benchmark). Only blas.cpp
// includes <cblas.h>.
#pragma once
#include <string>

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
void blas_set_threads(int n);  // --threads
int blas_default_threads();    // all cores

}  // namespace nntrain
