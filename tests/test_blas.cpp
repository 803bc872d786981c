// Tests for blas.h: GEMM against a naive double loop (transposes, alpha/beta, padded ld*, split
// and degenerate shapes, 1 and 2 threads, concurrent callers), parallel_for's chunks, blas_info.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "nntrain/core/blas.h"
#include "nntrain/core/rng.h"

using namespace nntrain;

// A check_result string: "" passes, anything else fails and is printed.
#define CHECK_OK(result, what)                        \
  do {                                                \
    const std::string err_ = (result);                \
    CHECK_MESSAGE(err_.empty(), what << ": " << err_); \
  } while (0)

namespace {

// Restores the serial default for the tests that run after this one.
struct SerialAfter {
  ~SerialAfter() { blas_set_threads(1); }
};

constexpr float kPadSentinel = 777.25f;  // in C's padding columns, which gemm must not touch

// One GEMM problem in row-major storage with `pad` extra columns on every operand:
// A stored [m, k] (or [k, m] when ta) with lda = cols + pad; B [k, n] (or [n, k]); C [m, n].
template <class T>
struct Problem {
  bool ta = false, tb = false;
  int m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
  std::vector<T> a, b, c0;       // c0: C before the call (m×n values, padding = sentinel)
  std::vector<double> prod, mag;  // [m, n]: sum_p op(A)op(B) and sum_p |op(A)op(B)|, in double

  T A(int i, int p) const { return ta ? a[size_t(p) * lda + i] : a[size_t(i) * lda + p]; }
  T B(int p, int j) const { return tb ? b[size_t(j) * ldb + p] : b[size_t(p) * ldb + j]; }
};

template <class T>
Problem<T> make_problem(bool ta, bool tb, int m, int n, int k, int pad, uint64_t seed) {
  Problem<T> g;
  g.ta = ta, g.tb = tb, g.m = m, g.n = n, g.k = k;
  g.lda = (ta ? m : k) + pad;
  g.ldb = (tb ? k : n) + pad;
  g.ldc = n + pad;
  Rng rng(seed);
  g.a.resize(size_t(ta ? k : m) * g.lda);
  g.b.resize(size_t(tb ? n : k) * g.ldb);
  for (auto& v : g.a) v = T(rng.uniform(-1.0, 1.0));  // padding too: a wrong stride reads garbage
  for (auto& v : g.b) v = T(rng.uniform(-1.0, 1.0));
  g.c0.assign(size_t(m) * g.ldc, T(kPadSentinel));
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) g.c0[size_t(i) * g.ldc + j] = T(rng.uniform(-1.0, 1.0));
  g.prod.assign(size_t(m) * n, 0.0);
  g.mag.assign(size_t(m) * n, 0.0);
  for (int i = 0; i < m; ++i)
    for (int p = 0; p < k; ++p) {
      const double x = double(g.A(i, p));
      double* prod = &g.prod[size_t(i) * n];
      double* mag = &g.mag[size_t(i) * n];
      for (int j = 0; j < n; ++j) {
        const double t = x * double(g.B(p, j));
        prod[j] += t;
        mag[j] += std::fabs(t);
      }
    }
  return g;
}

// C[m, n] with NaN in every element gemm must overwrite (beta == 0: BLAS does not read C).
template <class T>
std::vector<T> nan_c(const Problem<T>& g) {
  std::vector<T> c = g.c0;
  for (int i = 0; i < g.m; ++i)
    for (int j = 0; j < g.n; ++j) c[size_t(i) * g.ldc + j] = std::numeric_limits<T>::quiet_NaN();
  return c;
}

template <class T>
std::vector<T> run_gemm(const Problem<T>& g, T alpha, T beta, std::vector<T> c) {
  gemm(g.ta, g.tb, g.m, g.n, g.k, alpha, g.a.data(), g.lda, g.b.data(), g.ldb, beta, c.data(), g.ldc);
  return c;
}

// "" when c = alpha * op(A) op(B) + beta * c0 within the rounding bound of a length-k dot
// product in T ((k + 3) ulps of the magnitudes; an offset or stride bug is off by O(1)) and the
// padding columns are untouched; else a description of the first bad element.
template <class T>
std::string check_result(const Problem<T>& g, double alpha, double beta, const std::vector<T>& c) {
  const double eps = std::numeric_limits<T>::epsilon();
  for (int i = 0; i < g.m; ++i) {
    for (int j = 0; j < g.n; ++j) {
      const size_t at = size_t(i) * g.ldc + j;
      const double c0 = beta == 0 ? 0.0 : double(g.c0[at]);
      const double want = alpha * g.prod[size_t(i) * g.n + j] + beta * c0;
      const double bound =
          double(g.k + 3) * eps * (std::fabs(alpha) * g.mag[size_t(i) * g.n + j] + std::fabs(beta * c0)) + 1e-30;
      const double got = double(c[at]);
      if (!(std::fabs(got - want) <= bound)) {
        std::ostringstream s;
        s << "C[" << i << "," << j << "] = " << got << ", want " << want << " (bound " << bound << ")";
        return s.str();
      }
    }
    for (int j = g.n; j < g.ldc; ++j)
      if (c[size_t(i) * g.ldc + j] != T(kPadSentinel)) {
        std::ostringstream s;
        s << "padding C[" << i << "," << j << "] overwritten with " << double(c[size_t(i) * g.ldc + j]);
        return s.str();
      }
  }
  return "";
}

template <class T>
bool bitwise_equal(const std::vector<T>& x, const std::vector<T>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
}

}  // namespace

TEST_CASE("gemm: every transpose combination, float and double") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      CAPTURE(ta);
      CAPTURE(tb);
      const auto f = make_problem<float>(ta, tb, 5, 4, 3, 0, 7);
      CHECK_OK(check_result(f, 2.0, 0.5, run_gemm(f, 2.0f, 0.5f, f.c0)), "float");
      const auto d = make_problem<double>(ta, tb, 5, 4, 3, 0, 7);
      CHECK_OK(check_result(d, 2.0, 0.5, run_gemm(d, 2.0, 0.5, d.c0)), "double");
    }
}

// Shapes above the split threshold (2e6 flops, max(m, n) >= 32): a tall one split by rows of C
// and a wide one split by columns, the last block not a multiple of 16 wide.
TEST_CASE("gemm float with 2 threads (split): correct, deterministic, close to 1 thread") {
  SerialAfter restore;
  struct Shape {
    int m, n, k;
  };
  for (const Shape s : {Shape{300, 64, 128}, Shape{40, 700, 100}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (int pad : {0, 3}) {
          CAPTURE(s.m);
          CAPTURE(s.n);
          CAPTURE(ta);
          CAPTURE(tb);
          CAPTURE(pad);
          const auto g = make_problem<float>(ta, tb, s.m, s.n, s.k, pad, 11 + s.m);
          // (No structured bindings here: CAPTURE's lambda cannot capture them in clang 14.)
          for (const auto& ab : {std::pair{-0.75f, 0.0f}, std::pair{-0.75f, 1.0f}, std::pair{1.0f, 0.5f}}) {
            const float alpha = ab.first, beta = ab.second;
            CAPTURE(alpha);
            CAPTURE(beta);
            const std::vector<float> c_in = beta == 0 ? nan_c(g) : g.c0;
            blas_set_threads(2);
            const auto c2 = run_gemm(g, alpha, beta, c_in);
            const auto c2_again = run_gemm(g, alpha, beta, c_in);
            blas_set_threads(1);
            const auto c1 = run_gemm(g, alpha, beta, c_in);
            CHECK_OK(check_result(g, alpha, beta, c2), "2 threads");
            CHECK_MESSAGE(bitwise_equal(c2, c2_again), "2 threads, run twice: not bitwise identical");
            CHECK_OK(check_result(g, alpha, beta, c1), "1 thread");
            // 1 vs 2 threads may differ in the last bits (seen: up to 5e-6 on |C| ~ 10), no more.
            double worst = 0;
            for (size_t i = 0; i < c1.size(); ++i) worst = std::max(worst, std::fabs(double(c1[i]) - double(c2[i])));
            CHECK(worst <= 2e-4);
          }
        }
}

// Matrix-vector (n == 1, m == 1), outer product (k == 1) and scalar shapes, below and above the
// split threshold. beta == 0 runs on a C full of NaN: BLAS must overwrite it without reading it.
TEST_CASE("gemm degenerate shapes (n, m or k == 1), float and double, 1 and 2 threads") {
  SerialAfter restore;
  struct Shape {
    int m, n, k;
  };
  const Shape shapes[] = {{1000, 1, 32}, {1, 32, 1000}, {1000, 32, 1}, {1, 1, 1},
                          {40000, 1, 32}, {1, 40000, 32}, {1024, 1024, 1}, {1, 1, 5000}};
  for (const Shape s : shapes)
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (int pad : {0, 2}) {
          // The split-size ones (float only: double GEMMs are never split) once, padded, to stay fast.
          const bool big = 2.0 * s.m * s.n * s.k >= 2e6;
          if (big && pad == 0) continue;
          CAPTURE(s.m);
          CAPTURE(s.n);
          CAPTURE(s.k);
          CAPTURE(ta);
          CAPTURE(tb);
          CAPTURE(pad);
          const auto f = make_problem<float>(ta, tb, s.m, s.n, s.k, pad, 100 + s.k);
          const auto d = big ? Problem<double>{} : make_problem<double>(ta, tb, s.m, s.n, s.k, pad, 100 + s.k);
          for (int threads : {1, 2}) {
            CAPTURE(threads);
            blas_set_threads(threads);
            CHECK_OK(check_result(f, -0.75, 0.0, run_gemm(f, -0.75f, 0.0f, nan_c(f))), "float beta 0");
            CHECK_OK(check_result(f, -0.75, 1.0, run_gemm(f, -0.75f, 1.0f, f.c0)), "float beta 1");
            CHECK_OK(check_result(f, 1.0, 0.5, run_gemm(f, 1.0f, 0.5f, f.c0)), "float beta 0.5");
            if (big) continue;
            CHECK_OK(check_result(d, -0.75, 0.0, run_gemm(d, -0.75, 0.0, nan_c(d))), "double beta 0");
            CHECK_OK(check_result(d, -0.75, 1.0, run_gemm(d, -0.75, 1.0, d.c0)), "double beta 1");
            CHECK_OK(check_result(d, 1.0, 0.5, run_gemm(d, 1.0, 0.5, d.c0)), "double beta 0.5");
          }
        }
}

// blas.cpp: a GEMM called while the team is busy with another thread's GEMM runs on its caller.
// Three callers (two std::threads and this one) on two split-size problems, many times each:
// every result must be correct and bitwise equal to the same call made alone (deterministic for
// a given thread count).
TEST_CASE("gemm float from concurrent callers while the team has 2 threads") {
  SerialAfter restore;
  blas_set_threads(2);
  const auto tall = make_problem<float>(false, true, 300, 64, 128, 3, 21);
  const auto wide = make_problem<float>(true, false, 40, 700, 100, 1, 22);
  const auto tall_alone = run_gemm(tall, -0.75f, 1.0f, tall.c0);
  const auto wide_alone = run_gemm(wide, -0.75f, 1.0f, wide.c0);
  REQUIRE(check_result(tall, -0.75, 1.0, tall_alone) == "");
  REQUIRE(check_result(wide, -0.75, 1.0, wide_alone) == "");

  constexpr int kRepeats = 30;
  struct Outcome {
    int wrong = 0, not_identical = 0;
    std::string first;
  };
  auto caller = [&](const Problem<float>& g, const std::vector<float>& alone, Outcome& out) {
    for (int r = 0; r < kRepeats; ++r) {
      const auto c = run_gemm(g, -0.75f, 1.0f, g.c0);
      const std::string err = check_result(g, -0.75, 1.0, c);
      if (!err.empty() && out.wrong++ == 0) out.first = err;
      if (!bitwise_equal(c, alone)) ++out.not_identical;
    }
  };
  Outcome o1, o2, o3;
  std::thread t1([&] { caller(tall, tall_alone, o1); });
  std::thread t2([&] { caller(wide, wide_alone, o2); });
  caller(tall, tall_alone, o3);
  t1.join();
  t2.join();
  for (const Outcome* o : {&o1, &o2, &o3}) {
    CHECK_MESSAGE(o->wrong == 0, o->first);
    CHECK(o->not_identical == 0);
  }
}

namespace {

// Every chunk parallel_for hands out, and how often each index was visited.
struct ForRecord {
  std::mutex mu;
  std::vector<std::pair<size_t, size_t>> chunks;
  std::vector<std::thread::id> who;
  std::unique_ptr<std::atomic<int>[]> visits;
  explicit ForRecord(size_t n) : visits(new std::atomic<int>[n + 1]()) {}
};

std::unique_ptr<ForRecord> run_for(size_t n, size_t min_per_thread) {
  auto out = std::make_unique<ForRecord>(n);
  ForRecord& rec = *out;
  parallel_for(n, min_per_thread, [&](size_t begin, size_t end) {
    {
      std::lock_guard<std::mutex> lock(rec.mu);
      rec.chunks.emplace_back(begin, end);
      rec.who.push_back(std::this_thread::get_id());
    }
    for (size_t i = begin; i < end && i <= n; ++i) rec.visits[i].fetch_add(1, std::memory_order_relaxed);
  });
  return out;
}

// Chunks are non-empty (empty ones are ignored), do not overlap, and tile [0, n) in order once
// sorted; every index is visited exactly once. Returns the number of non-empty chunks.
size_t check_cover(ForRecord& rec, size_t n) {
  std::vector<std::pair<size_t, size_t>> nonempty;
  for (const auto& c : rec.chunks) {
    CHECK(c.first <= c.second);
    if (c.first < c.second) nonempty.push_back(c);
  }
  std::sort(nonempty.begin(), nonempty.end());
  size_t at = 0;
  for (const auto& c : nonempty) {
    CHECK(c.first == at);  // a gap or an overlap
    at = c.second;
  }
  CHECK(at == n);
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) bad += rec.visits[i].load() != 1;
  CHECK(bad == 0);
  CHECK(rec.visits[n].load() == 0);  // nothing past the end
  return nonempty.size();
}

}  // namespace

TEST_CASE("parallel_for with 2 threads: each index once, chunks tile [0, n)") {
  SerialAfter restore;
  blas_set_threads(2);
  const auto caller = std::this_thread::get_id();

  SUBCASE("split: one chunk per thread") {
    auto rec = run_for(100003, 1);
    CHECK(rec->chunks.size() == 2);
    CHECK(check_cover(*rec, 100003) == 2);
    for (size_t n : {size_t(64), size_t(17), size_t(2)}) {  // small: chunks may be rounded away
      CAPTURE(n);
      auto small = run_for(n, 1);
      CHECK(small->chunks.size() <= 2);
      CHECK(check_cover(*small, n) >= 1);
    }
  }
  SUBCASE("n at the serial threshold: n == 2 * min_per_thread splits") {
    auto rec = run_for(100002, 50001);
    CHECK(check_cover(*rec, 100002) == 2);
  }
  SUBCASE("serial when n < 2 * min_per_thread: one chunk [0, n) on the caller") {
    for (const auto& nm : {std::pair<size_t, size_t>{100003, 50002}, {1999, 1000}, {1, 1}}) {
      const size_t n = nm.first, min = nm.second;
      CAPTURE(n);
      auto rec = run_for(n, min);
      REQUIRE(rec->chunks.size() == 1);
      CHECK(rec->chunks[0] == std::pair<size_t, size_t>{0, n});
      CHECK(rec->who[0] == caller);
      check_cover(*rec, n);
    }
  }
  SUBCASE("n = 0 and n = 1") {
    for (size_t min : {size_t(0), size_t(1), size_t(1000)}) {
      CAPTURE(min);
      auto r0 = run_for(0, min);
      CHECK(check_cover(*r0, 0) == 0);
      auto r1 = run_for(1, min);
      CHECK(check_cover(*r1, 1) == 1);
    }
  }
  SUBCASE("1 thread: one chunk") {
    blas_set_threads(1);
    auto rec = run_for(100003, 1);
    REQUIRE(rec->chunks.size() == 1);
    CHECK(rec->chunks[0] == std::pair<size_t, size_t>{0, 100003});
    CHECK(rec->who[0] == caller);
  }
}

TEST_CASE("blas_info describes OpenBLAS; thread count is settable") {
  SerialAfter restore;
  const BlasInfo info = blas_info();
  CHECK(info.library == "OpenBLAS");
  CHECK(info.version.find('.') != std::string::npos);
  CHECK_FALSE(info.core.empty());
  CHECK((info.threading == "pthreads" || info.threading == "openmp" || info.threading == "sequential"));
  CHECK(blas_default_threads() >= 1);
  blas_set_threads(2);
  CHECK(blas_info().threads == 2);
  blas_set_threads(1);
  CHECK(blas_info().threads == 1);
}
