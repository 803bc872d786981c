// Tests for blas.h: row-major GEMM with every transpose combination against a naive loop,
// in float and double; library description and thread control.
#include <doctest/doctest.h>

#include <vector>

#include "nntrain/blas.h"
#include "nntrain/rng.h"

using namespace nntrain;

template <class T>
static void check_gemm(bool ta, bool tb) {
  const int m = 5, n = 4, k = 3;
  Rng rng(7);
  std::vector<T> a(m * k), b(k * n), c(m * n), ref(m * n);
  for (auto& v : a) v = T(rng.normal());
  for (auto& v : b) v = T(rng.normal());
  for (auto& v : c) v = T(rng.normal());
  // op(A) is [m, k]: stored [m, k] (lda k) or [k, m] (lda m).
  auto A = [&](int i, int p) { return ta ? a[p * m + i] : a[i * k + p]; };
  auto B = [&](int p, int j) { return tb ? b[j * k + p] : b[p * n + j]; };
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) s += double(A(i, p)) * double(B(p, j));
      ref[i * n + j] = T(2.0 * s + 0.5 * double(c[i * n + j]));
    }
  gemm(ta, tb, m, n, k, T(2), a.data(), ta ? m : k, b.data(), tb ? k : n, T(0.5), c.data(), n);
  for (int i = 0; i < m * n; ++i) CHECK(double(c[i]) == doctest::Approx(double(ref[i])).epsilon(1e-5));
}

TEST_CASE("gemm: every transpose combination, float and double") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      CAPTURE(ta);
      CAPTURE(tb);
      check_gemm<float>(ta, tb);
      check_gemm<double>(ta, tb);
    }
}

TEST_CASE("blas_info describes OpenBLAS; thread count is settable") {
  const BlasInfo info = blas_info();
  CHECK(info.library == "OpenBLAS");
  CHECK(info.version.find('.') != std::string::npos);
  CHECK_FALSE(info.core.empty());
  CHECK((info.threading == "pthreads" || info.threading == "openmp" || info.threading == "sequential"));
  CHECK(blas_default_threads() >= 1);
  const int before = info.threads;
  blas_set_threads(1);
  CHECK(blas_info().threads == 1);
  blas_set_threads(before);
}
