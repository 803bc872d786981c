// The OpenBLAS wrapper: row-major GEMM in float and double, thread control, library info.
// The only file that includes <cblas.h>; no other BLAS routine is used by the project.
#include "nntrain/blas.h"

#include <cblas.h>

#include <sstream>
#include <thread>

namespace nntrain {

static CBLAS_TRANSPOSE op(bool t) { return t ? CblasTrans : CblasNoTrans; }

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, op(trans_a), op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, op(trans_a), op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

BlasInfo blas_info() {
  BlasInfo info;
  info.library = "OpenBLAS";
  // openblas_get_config(): "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... Zen MAX_THREADS=64"
  const char* config = openblas_get_config();
  std::istringstream words(config ? config : "");
  std::string first, second;
  words >> first >> second;
  info.version = second.empty() ? "unknown" : second;
  const char* core = openblas_get_corename();
  info.core = core ? core : "unknown";
  switch (openblas_get_parallel()) {
    case 0: info.threading = "sequential"; break;
    case 2: info.threading = "openmp"; break;
    default: info.threading = "pthreads"; break;
  }
  info.threads = openblas_get_num_threads();
  return info;
}

void blas_set_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }

int blas_default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace nntrain
