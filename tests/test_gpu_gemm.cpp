// Tests for gpu/gemm.h against core's OpenBLAS gemm: the four transpose pairs (the three of
// training among them) on tile-multiple, ragged and 1-wide shapes, alpha/beta, padded
// leading dimensions, beta = 0 ignoring NaN in C, and the Linear wrappers.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "gpu_test_util.h"
#include "nntrain/core/blas.h"
#include "nntrain/core/linear.h"
#include "nntrain/gpu/gemm.h"

using namespace nntrain;
using namespace nntrain::gpu;

namespace {

// Runs one problem on both backends; returns the worst scaled difference of C.
double gemm_parity(bool ta, bool tb, int m, int n, int k, int pad, float alpha, float beta, uint64_t seed) {
  const int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
  const auto a = gpu_test::random_floats(size_t(ta ? k : m) * lda, seed);
  const auto b = gpu_test::random_floats(size_t(tb ? n : k) * ldb, seed + 1);
  auto c = gpu_test::random_floats(size_t(m) * ldc, seed + 2);
  Buffer da = gpu_test::to_device(a), db = gpu_test::to_device(b), dc = gpu_test::to_device(c);
  Stream s(gpu_test::device());
  gemm(s, ta, tb, m, n, k, alpha, da.ptr(), lda, db.ptr(), ldb, beta, dc.ptr(), ldc);
  s.run();
  const auto got = gpu_test::to_host(dc, c.size());
  gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  // Sums of k products of N(0,1) numbers: errors grow like sqrt(k) ulps of the magnitude.
  return gpu_test::worst(got, c, 1e-5 * std::sqrt(double(k) + 1), 1e-5);
}

}  // namespace

TEST_CASE("gemm matches OpenBLAS for every transpose pair on tile-multiple, ragged and 1-wide shapes") {
  const int shapes[][3] = {{64, 64, 16}, {128, 64, 32}, {1, 1, 1},   {1, 37, 5}, {37, 1, 5},  {33, 65, 1},
                           {7, 5, 300},  {65, 63, 17},  {130, 3, 70}, {3, 130, 9}, {1, 200, 1}, {100, 1, 100}};
  uint64_t seed = 10;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (const auto& sh : shapes) {
        CAPTURE(ta);
        CAPTURE(tb);
        CAPTURE(sh[0]);
        CAPTURE(sh[1]);
        CAPTURE(sh[2]);
        CHECK(gemm_parity(ta, tb, sh[0], sh[1], sh[2], 0, 1.0f, 0.0f, seed += 3) <= 1.0);
      }
}

TEST_CASE("gemm: alpha, beta and padded leading dimensions") {
  CHECK(gemm_parity(false, true, 19, 23, 29, 3, 0.5f, 1.0f, 100) <= 1.0);
  CHECK(gemm_parity(true, false, 19, 23, 29, 5, -2.0f, 0.25f, 101) <= 1.0);
  CHECK(gemm_parity(false, false, 70, 9, 66, 1, 1.0f, 1.0f, 102) <= 1.0);
}

TEST_CASE("gemm with beta = 0 does not read C; k = 0 gives beta * C") {
  const int m = 5, n = 6, k = 7;
  std::vector<float> a(m * k, 1.0f), b(k * n, 2.0f), c(m * n, std::numeric_limits<float>::quiet_NaN());
  Buffer da = gpu_test::to_device(a), db = gpu_test::to_device(b), dc = gpu_test::to_device(c);
  Stream s(gpu_test::device());
  gemm(s, false, false, m, n, k, 1.0f, da.ptr(), k, db.ptr(), n, 0.0f, dc.ptr(), n);
  s.run();
  CHECK(gpu_test::to_host(dc, c.size()) == std::vector<float>(m * n, 14.0f));
  gemm(s, false, false, m, n, 0, 1.0f, da.ptr(), k, db.ptr(), n, 0.5f, dc.ptr(), n);
  s.run();
  CHECK(gpu_test::to_host(dc, c.size()) == std::vector<float>(m * n, 7.0f));
}

TEST_CASE("the Linear products z = x·Wᵀ, dW (+)= dzᵀ·x, dx = dz·W match core's linear kernels") {
  const size_t B = 77, in = 45, out = 13;
  const auto x = gpu_test::random_floats(B * in, 1), W = gpu_test::random_floats(out * in, 2),
             dz = gpu_test::random_floats(B * out, 3), dW0 = gpu_test::random_floats(out * in, 4);
  std::vector<float> z(B * out), dx(B * in), dW = dW0, db(out, 0.0f);
  linear_forward(z.data(), x.data(), W.data(), B, in, out);
  linear_backward(dx.data(), dW.data(), db.data(), dz.data(), x.data(), W.data(), B, in, out);

  Buffer gx = gpu_test::to_device(x), gW = gpu_test::to_device(W), gdz = gpu_test::to_device(dz),
         gz(gpu_test::device(), B * out * 4), gdx(gpu_test::device(), B * in * 4), gdW = gpu_test::to_device(dW0),
         gdW2 = gpu_test::to_device(dW0);
  Stream s(gpu_test::device());
  gpu::linear_forward(s, gz.ptr(), gx.ptr(), gW.ptr(), B, in, out);
  s.concurrent();
  linear_weight_grad(s, gdW.ptr(), gdz.ptr(), gx.ptr(), B, in, out, true);
  s.concurrent();
  linear_weight_grad(s, gdW2.ptr(), gdz.ptr(), gx.ptr(), B, in, out, false);
  s.concurrent();
  linear_input_grad(s, gdx.ptr(), gdz.ptr(), gW.ptr(), B, in, out);
  s.run();
  CHECK(gpu_test::worst(gpu_test::to_host(gz, z.size()), z, 1e-4, 1e-5) <= 1.0);
  CHECK(gpu_test::worst(gpu_test::to_host(gdx, dx.size()), dx, 1e-4, 1e-5) <= 1.0);
  CHECK(gpu_test::worst(gpu_test::to_host(gdW, dW.size()), dW, 1e-4, 1e-5) <= 1.0);
  std::vector<float> dW_only(dW.size());
  for (size_t i = 0; i < dW.size(); ++i) dW_only[i] = dW[i] - dW0[i];
  CHECK(gpu_test::worst(gpu_test::to_host(gdW2, dW.size()), dW_only, 1e-4, 1e-4) <= 1.0);
}

TEST_CASE("gemm is deterministic: the same problem twice gives the same bits") {
  const int m = 200, n = 150, k = 333;
  const auto a = gpu_test::random_floats(size_t(m) * k, 7), b = gpu_test::random_floats(size_t(k) * n, 8);
  Buffer da = gpu_test::to_device(a), db = gpu_test::to_device(b), c1(gpu_test::device(), m * n * 4),
         c2(gpu_test::device(), m * n * 4);
  Stream s(gpu_test::device());
  gemm(s, false, false, m, n, k, 1.0f, da.ptr(), k, db.ptr(), n, 0.0f, c1.ptr(), n);
  s.concurrent();
  gemm(s, false, false, m, n, k, 1.0f, da.ptr(), k, db.ptr(), n, 0.0f, c2.ptr(), n);
  s.run();
  CHECK(gpu_test::to_host(c1, m * n) == gpu_test::to_host(c2, m * n));
}
