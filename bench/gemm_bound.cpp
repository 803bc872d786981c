// The GEMM lower bound of one MLP training workload: times cblas_sgemm at exactly the shapes
// a training step runs, at the given thread count, and scales them to the workload.
// Not a test; prints numbers, asserts nothing.
//
// Per Linear layer of a step with B rows (W: [out, in]):
//   forward  z[B,out]  = x[B,in] · W[out,in]ᵀ        gemm(N, T, B, out, in), beta 0
//   dW       dW[out,in] += dz[B,out]ᵀ · x[B,in]       gemm(T, N, out, in, B), beta 1
//   dx       dx[B,in]  = dz[B,out] · W[out,in]        gemm(N, N, B, in, out), beta 0
// The bound counts all three for every layer; the first layer's dx is computed by
// neither nntrain nor PyTorch (the input needs no gradient), so it is also printed without it.
// OpenBLAS is called directly (cblas_sgemm, openblas_set_num_threads), not through nntrain's
// blas.cpp, so the bound is the library's own rate at these shapes and threads.
// Each call is timed on warm buffers (median of repeated calls); the bound of the workload is
// epochs × (full batches × t(B) + t(last partial batch)).
//
// Usage: gemm_bound --layers 784,256,128,10 --batch 128 --rows 60000 --epochs 1 --threads 2
//        [--min-seconds S]   (time spent per shape; default 0.2)
//        [--via-nntrain]     (time nntrain::gemm with blas_set_threads: its own thread plan)
// Prints one line per GEMM, `bound_seconds_without_first_dx <s>` and `bound_seconds <s>`
// (both read by bench/run.sh).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <cblas.h>

#include "nntrain/core/blas.h"

using Clock = std::chrono::steady_clock;

static bool via_nntrain = false;  // --via-nntrain: time nntrain::gemm (its thread plan) instead

struct Gemm {
  const char* what;
  bool ta, tb;
  int m, n, k;
  float beta;
};

// Median seconds of one call of g, on buffers filled once.
static double time_gemm(const Gemm& g, double min_seconds) {
  const size_t a_size = size_t(g.m) * size_t(g.k), b_size = size_t(g.k) * size_t(g.n), c_size = size_t(g.m) * size_t(g.n);
  std::vector<float> a(a_size), b(b_size), c(c_size, 0.0f);
  for (size_t i = 0; i < a_size; ++i) a[i] = float(i % 13) * 0.01f - 0.05f;
  for (size_t i = 0; i < b_size; ++i) b[i] = float(i % 7) * 0.01f - 0.03f;
  // Row-major leading dimensions of the stored (untransposed) operands.
  const int lda = g.ta ? g.m : g.k, ldb = g.tb ? g.k : g.n, ldc = g.n;
  auto call = [&] {
    if (via_nntrain) {
      nntrain::gemm(g.ta, g.tb, g.m, g.n, g.k, 1.0f, a.data(), lda, b.data(), ldb, g.beta, c.data(), ldc);
      return;
    }
    cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, g.m, g.n, g.k, 1.0f,
                a.data(), lda, b.data(), ldb, g.beta, c.data(), ldc);
  };
  for (int i = 0; i < 3; ++i) call();  // warm-up: caches, OpenBLAS threads
  std::vector<double> samples;
  const auto start = Clock::now();
  do {
    // Batch tiny calls so the clock's resolution does not matter.
    const double flops = 2.0 * g.m * g.n * g.k;
    const int reps = flops < 1e6 ? 20 : 1;
    const auto t0 = Clock::now();
    for (int r = 0; r < reps; ++r) call();
    samples.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / reps);
  } while (std::chrono::duration<double>(Clock::now() - start).count() < min_seconds || samples.size() < 5);
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

// GEMM seconds of one training step on `rows` rows; first_dx gets the first layer's dx alone.
static double step_seconds(const std::vector<int>& widths, int rows, double min_seconds, bool print,
                           double& first_dx) {
  double total = 0;
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    const int in = widths[l], out = widths[l + 1];
    const std::vector<Gemm> gs = {{"forward x.Wt", false, true, rows, out, in, 0.0f},
                                  {"dW += dzt.x", true, false, out, in, rows, 1.0f},
                                  {"dx = dz.W", false, false, rows, in, out, 0.0f}};
    for (const Gemm& g : gs) {
      const double s = time_gemm(g, min_seconds);
      total += s;
      if (l == 0 && g.what[0] == 'd' && g.what[1] == 'x') first_dx = s;
      if (print)
        std::printf("layer %zu %-14s M=%-6d N=%-6d K=%-6d %10.2f us %8.2f GFLOP/s\n", l, g.what, g.m, g.n, g.k,
                    s * 1e6, 2.0 * g.m * g.n * g.k / s / 1e9);
    }
  }
  return total;
}

int main(int argc, char** argv) {
  std::vector<int> widths;
  long rows = 0, batch = 0;
  int epochs = 1, threads = 1;
  double min_seconds = 0.2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--via-nntrain") {
      via_nntrain = true;
      continue;
    }
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!v) break;
    if (a == "--layers") {
      for (const char* p = v; *p;) {
        widths.push_back(std::atoi(p));
        while (*p && *p != ',') ++p;
        if (*p == ',') ++p;
      }
    } else if (a == "--batch") batch = std::atol(v);
    else if (a == "--rows") rows = std::atol(v);
    else if (a == "--epochs") epochs = std::atoi(v);
    else if (a == "--threads") threads = std::atoi(v);
    else if (a == "--min-seconds") min_seconds = std::atof(v);

    else break;
    ++i;
  }
  if (widths.size() < 2 || rows < 1 || epochs < 1) {
    std::fprintf(stderr,
                 "usage: gemm_bound --layers IN,H1,...,OUT --rows N [--batch B (default: full)] [--epochs E] "
                 "[--threads T] [--min-seconds S]\n");
    return 2;
  }
  if (batch < 1 || batch > rows) batch = rows;
  if (via_nntrain) nntrain::blas_set_threads(threads);
  else openblas_set_num_threads(threads);
  std::printf("openblas core %s threads %d (%s)\n", openblas_get_corename(), openblas_get_num_threads(),
              openblas_get_config());
  const long full = rows / batch, last = rows % batch;
  double dx_full = 0, dx_last = 0;
  const double t_full = step_seconds(widths, int(batch), min_seconds, true, dx_full);
  const double t_last = last ? step_seconds(widths, int(last), min_seconds, false, dx_last) : 0.0;
  const double bound = double(epochs) * (double(full) * t_full + t_last);
  const double computed = bound - double(epochs) * (double(full) * dx_full + dx_last);
  std::printf("step_us %.2f steps_per_epoch %ld epochs %d\n", t_full * 1e6, full + (last ? 1 : 0), epochs);
  std::printf("bound_seconds_without_first_dx %.6f\n", computed);
  std::printf("bound_seconds %.6f\n", bound);
  return 0;
}
