// Tests for gpu/gemm.h against core's OpenBLAS gemm: the four transpose pairs (the three of
// training among them) on tile-multiple, ragged and 1-wide shapes, alpha/beta, padded
// leading dimensions, beta = 0 ignoring NaN in C, and the Linear wrappers; then every variant
// forced on the edge shapes (vec4 and scalar paths, split-K, the skinny kernel), their
// determinism, and the stream scratch that split-K's partial sums live in.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

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

namespace {

struct Case {
  bool ta, tb;
  int m, n, k;
  int pad;        // added to every leading dimension
  size_t offset;  // elements before A's, B's and C's first (1: misaligned addresses, no vec4)
  float alpha, beta;
};

// A set of cases with their operands packed into one buffer each (every case's matrices at
// 16-byte aligned offsets), and the expected C from OpenBLAS: each variant then costs one
// submission and one download. beta = 0 cases start from a C full of NaN.
class Batch {
 public:
  Batch(std::vector<Case> cases, uint64_t seed) : cases_(std::move(cases)) {
    std::vector<float> a, b, c;
    for (const Case& k : cases_) {
      const int lda = (k.ta ? k.m : k.k) + k.pad, ldb = (k.tb ? k.k : k.n) + k.pad, ldc = k.n + k.pad;
      a_at_.push_back(append(a, gpu_test::random_floats(k.offset + size_t(k.ta ? k.k : k.m) * lda, seed++)));
      b_at_.push_back(append(b, gpu_test::random_floats(k.offset + size_t(k.tb ? k.n : k.k) * ldb, seed++)));
      auto cv = gpu_test::random_floats(k.offset + size_t(k.m) * ldc, seed++);
      if (k.beta == 0.0f) std::fill(cv.begin(), cv.end(), std::numeric_limits<float>::quiet_NaN());
      c_at_.push_back(append(c, cv));
    }
    want_ = c;
    for (size_t i = 0; i < cases_.size(); ++i) {
      const Case& k = cases_[i];
      float* w = want_.data() + c_at_[i] + k.offset;
      const int ldc = k.n + k.pad;
      if (k.beta == 0.0f)  // C's padding keeps its NaN on both sides
        for (int r = 0; r < k.m; ++r) std::fill_n(w + size_t(r) * ldc, k.n, 0.0f);
      gemm(k.ta, k.tb, k.m, k.n, k.k, k.alpha, a.data() + a_at_[i] + k.offset, (k.ta ? k.m : k.k) + k.pad,
           b.data() + b_at_[i] + k.offset, (k.tb ? k.k : k.n) + k.pad, k.beta, w, ldc);
    }
    da_ = gpu_test::to_device(a);
    db_ = gpu_test::to_device(b);
    dc0_ = gpu_test::to_device(c);
    dc_ = Buffer(gpu_test::device(), dc0_.bytes());
  }

  // Runs every case with `variant` in one stream; the worst scaled difference from OpenBLAS.
  double parity(const std::string& variant) {
    Stream s(gpu_test::device());
    s.copy(dc0_, 0, dc_, 0, dc0_.bytes());
    for (size_t i = 0; i < cases_.size(); ++i) {
      const Case& k = cases_[i];
      gemm_variant(s, variant, k.ta, k.tb, k.m, k.n, k.k, k.alpha, da_.ptr(a_at_[i] + k.offset),
                   (k.ta ? k.m : k.k) + k.pad, db_.ptr(b_at_[i] + k.offset), (k.tb ? k.k : k.n) + k.pad, k.beta,
                   dc_.ptr(c_at_[i] + k.offset), k.n + k.pad);
    }
    s.run();
    const auto got = gpu_test::to_host(dc_, want_.size());
    double worst = 0;
    for (size_t i = 0; i < cases_.size(); ++i) {
      const Case& k = cases_[i];
      const size_t at = c_at_[i], len = k.offset + size_t(k.m) * (k.n + k.pad);
      const double w = gpu_test::worst({got.begin() + at, got.begin() + at + len},
                                       {want_.begin() + at, want_.begin() + at + len},
                                       1e-5 * std::sqrt(double(k.k) + 1) * std::abs(k.alpha), 1e-5);
      if (!(w <= 1.0))
        MESSAGE(variant << " ta " << k.ta << " tb " << k.tb << " " << k.m << "x" << k.n << "x" << k.k << " pad "
                        << k.pad << " offset " << k.offset << ": " << w);
      worst = std::max(worst, w);
    }
    return worst;
  }

 private:
  static size_t append(std::vector<float>& to, const std::vector<float>& v) {
    const size_t at = (to.size() + 3) / 4 * 4;
    to.resize(at);
    to.insert(to.end(), v.begin(), v.end());
    return at;
  }
  std::vector<Case> cases_;
  std::vector<size_t> a_at_, b_at_, c_at_;
  std::vector<float> want_;
  Buffer da_, db_, dc0_, dc_;
};

// Edge shapes for one transpose pair: 1-wide, primes, not tile multiples, K below and across
// a step of K, alpha, beta; each either wholly aligned (vec4 for A, B and C) or not at all
// (odd extents, odd leading dimensions, misaligned addresses), so that a few pipelines per
// tile cover both paths of every operand (lavapipe compiles each pipeline slowly).
std::vector<Case> edge_cases(bool ta, bool tb) {
  return {
      // scalar: odd extents or leading dimensions
      {ta, tb, 1, 1, 1, 0, 0, 1.0f, 0.0f},
      {ta, tb, 1, 37, 5, 0, 0, 1.0f, 0.0f},
      {ta, tb, 37, 1, 5, 0, 0, 1.0f, 1.0f},
      {ta, tb, 67, 131, 37, 0, 0, 0.75f, 0.0f},
      {ta, tb, 40, 24, 300, 1, 0, 1.0f, 0.0f},
      {ta, tb, 3, 301, 17, 0, 0, 1.0f, 0.25f},
      {ta, tb, 10, 17, 130, 0, 0, 1.0f, 1.0f},
      {ta, tb, 5, 6, 0, 1, 0, 1.0f, 0.5f},
      {ta, tb, 20, 44, 36, 0, 1, 2.0f, 0.0f},  // aligned shape, misaligned addresses
      // vec4: extents and leading dimensions multiples of 4, aligned addresses
      {ta, tb, 64, 32, 48, 0, 0, 1.0f, 0.0f},
      {ta, tb, 132, 68, 100, 0, 0, -1.5f, 0.5f},
      {ta, tb, 36, 140, 8, 4, 0, 1.0f, 1.0f},
      {ta, tb, 20, 44, 36, 0, 0, 1.0f, 0.0f},
  };
}

// gemm_variants() and the scalar path of each tile (on shapes where vec4 would be allowed).
std::vector<std::string> variants_and_scalar() {
  std::vector<std::string> v = gemm_variants();
  for (const std::string& name : gemm_variants())
    if (name[0] == 't' && name.find(".s") == std::string::npos) v.push_back(name + "+scalar");
  v.push_back("t64x64x16_4x4.s3+scalar");
  v.push_back("t32x64x16_4x8");  // another shape parse_tile accepts: TM != TN, BM != BN
  return v;
}

}  // namespace

TEST_CASE("every GEMM variant matches OpenBLAS on edge shapes for all four transpose pairs") {
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      Batch batch(edge_cases(ta, tb), 1000 + 100 * (2 * ta + tb));
      for (const std::string& variant : variants_and_scalar()) {
        // Split-K's partial sums and their reduction do not depend on the transposes: NN and
        // TN (dW, where split-K runs) here; tests_gpu_gemm_forced runs one on all four pairs.
        if (variant.find(".s") != std::string::npos && tb) continue;
        CAPTURE(variant);
        CAPTURE(ta);
        CAPTURE(tb);
        CHECK(batch.parity(variant) <= 1.0);
      }
    }
}

TEST_CASE("every GEMM variant on the training shapes of a small MLP (100->40->10 at batch 33 and 300)") {
  // z = x·Wᵀ, dW += dzᵀ·x, dx = dz·W for each layer; batches not a multiple of any tile.
  const int widths[] = {100, 40, 10};
  std::vector<Case> cases;
  for (int B : {33, 300})
    for (int l = 0; l < 2; ++l) {
      const int in = widths[l], out = widths[l + 1];
      cases.push_back({false, true, B, out, in, 0, 0, 1.0f, 0.0f});
      cases.push_back({true, false, out, in, B, 0, 0, 1.0f, 1.0f});
      cases.push_back({false, false, B, in, out, 0, 0, 1.0f, 0.0f});
    }
  Batch batch(cases, 5000);
  for (const std::string& variant : gemm_variants()) {
    CAPTURE(variant);
    CHECK(batch.parity(variant) <= 1.0);
  }
}

TEST_CASE("every GEMM variant is deterministic: the same problem twice gives the same bits") {
  const int m = 90, n = 70, k = 260;
  const auto a = gpu_test::random_floats(size_t(k) * m, 7), b = gpu_test::random_floats(size_t(n) * k, 8);
  Buffer da = gpu_test::to_device(a), db = gpu_test::to_device(b), c1(gpu_test::device(), m * n * 4),
         c2(gpu_test::device(), m * n * 4);
  for (const std::string& variant : gemm_variants()) {
    CAPTURE(variant);
    Stream s(gpu_test::device());
    gemm_variant(s, variant, true, true, m, n, k, 1.0f, da.ptr(), m, db.ptr(), k, 0.0f, c1.ptr(), n);
    s.concurrent();
    gemm_variant(s, variant, true, true, m, n, k, 1.0f, da.ptr(), m, db.ptr(), k, 0.0f, c2.ptr(), n);
    s.run();
    CHECK(gpu_test::to_host(c1, m * n) == gpu_test::to_host(c2, m * n));
  }
}

TEST_CASE("split-K GEMMs recorded concurrently keep their own scratch, which grows as needed") {
  // Three split-K products, each concurrent with the one before and larger than it: the
  // stream alternates scratch buffers and keeps the replaced ones until wait().
  Stream s(gpu_test::device());
  std::vector<Buffer> keep;
  std::vector<std::pair<Buffer, std::vector<float>>> outs;
  const int sizes[] = {20, 40, 60};
  uint64_t seed = 300;
  for (int round = 0; round < 2; ++round)
    for (int m : sizes) {
      const int n = m + 3, k = 200;
      const auto a = gpu_test::random_floats(size_t(m) * k, seed++), b = gpu_test::random_floats(size_t(k) * n, seed++);
      std::vector<float> want(size_t(m) * n, 0.0f);
      gemm(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, want.data(), n);
      keep.push_back(gpu_test::to_device(a));
      keep.push_back(gpu_test::to_device(b));
      Buffer c(gpu_test::device(), want.size() * 4);
      gemm_variant(s, "t32x32x16_4x4.s4", false, false, m, n, k, 1.0f, keep[keep.size() - 2].ptr(), k, keep.back().ptr(), n,
                   0.0f, c.ptr(), n);
      s.concurrent();
      outs.emplace_back(std::move(c), want);
    }
  s.run();
  for (const auto& [c, want] : outs) CHECK(gpu_test::worst(gpu_test::to_host(c, want.size()), want, 2e-4, 1e-5) <= 1.0);
}

TEST_CASE("the heuristic: shape classes, a variant for each, NNTRAIN_GEMM_VARIANT overrides it") {
  const char* forced = std::getenv("NNTRAIN_GEMM_VARIANT");
  const GemmChoice big = gemm_choice(4096, 2048, 2048), thin = gemm_choice(256, 10, 2048);
  CHECK(big.shape_class == "large");
  CHECK(thin.shape_class == "thin");
  CHECK(gemm_choice(1000, 64, 10).shape_class == "shallow");
  if (forced && *forced) {
    CHECK(big.variant == forced);
    CHECK(thin.variant == forced);
  } else {
    CHECK(thin.variant == "skinny");
    const int shapes[][3] = {{4096, 2048, 2048}, {2048, 784, 256}, {256, 2048, 784}, {256, 784, 128},
                             {2048, 100, 4096},  {128, 256, 784},  {32, 64, 1000},   {1000, 64, 10}};
    for (const auto& sh : shapes) {  // every class has a variant, and it is one of the list
      const GemmChoice c = gemm_choice(sh[0], sh[1], sh[2]);
      CAPTURE(c.shape_class);
      CHECK(std::find(gemm_variants().begin(), gemm_variants().end(), c.variant) != gemm_variants().end());
    }
  }
  Stream s(gpu_test::device());
  for (const char* bad : {"t7x7", "t64x64x16_4x4.sx", "t64x64x16_4x4x", "t64x64x16_6x4", "t32x32x16_4x4+vec",
                          "t512x256x8_8x8", "t16x16x4_4x4", "t64x64x2_4x4", "t128x128x32_8x8"}) {
    CAPTURE(bad);  // unknown, bad split, trailing text, TM not /4, suffix, > 1,024 invocations,
                   // < 32, BK not /4, > 32 KiB shared
    CHECK_THROWS_AS(gemm_variant(s, bad, false, false, 1, 1, 1, 1.0f, Ptr{}, 1, Ptr{}, 1, 0.0f, Ptr{}, 1),
                    std::invalid_argument);
  }
}
