// The OpenBLAS wrapper: row-major GEMM in float and double, thread control, library info, and
// the thread team of --threads N. The only file that includes <cblas.h>; no other BLAS routine
// is used by the project.
//
// Thread plan: with N > 1 threads, a float GEMM is split into N contiguous blocks of its larger
// output dimension (rows of C, or columns), each block one single-threaded cblas_sgemm on its
// own thread. On small and mid-size MLP shapes this beats OpenBLAS's own threading (which on 2
// cores is slower than 1 thread for e.g. 128 × 784 → 256), and it is deterministic: every
// element of C is computed by one thread with the whole K reduction, and the blocks depend only
// on the shape and N. The same team runs elementwise loops (parallel_for: Adam, zero_grad).
#include "nntrain/blas.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>
#include <vector>

namespace nntrain {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// The calling thread plus size-1 workers. Workers spin briefly after a job (jobs come in bursts:
// the GEMMs of one step) and then sleep on the generation counter.
class Team {
 public:
  ~Team() { resize(1); }

  int size() const { return size_; }

  void resize(int n) {
    if (n < 1) n = 1;
    if (n == size_) return;
    if (!workers_.empty()) {
      stop_.store(true, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      generation_.notify_all();
      for (auto& t : workers_) t.join();
      workers_.clear();
      stop_.store(false, std::memory_order_relaxed);
    }
    size_ = n;
    // Workers start from the current generation: a job posted before a worker first runs is not missed.
    const unsigned start = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, start] { work(i, start); });
  }

  // fn(ctx, i) for every i in [0, size()), i = 0 on the caller; returns when all are done.
  // A call made while the team is busy (another thread's GEMM) runs every part on the caller.
  void run(void (*fn)(void*, int), void* ctx) {
    if (size_ == 1 || busy_.exchange(true, std::memory_order_acquire)) {
      for (int i = 0; i < size_; ++i) fn(ctx, i);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    pending_.store(size_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    fn(ctx, 0);
    int left;
    for (int spin = 0; (left = pending_.load(std::memory_order_acquire)) != 0 && spin < kSpin; ++spin) cpu_relax();
    while ((left = pending_.load(std::memory_order_acquire)) != 0) pending_.wait(left, std::memory_order_acquire);
    busy_.store(false, std::memory_order_release);
  }

 private:
  static constexpr int kSpin = 20000;  // ~ tens of µs of pause before sleeping

  void work(int index, unsigned seen) {
    for (;;) {
      unsigned g;
      for (int spin = 0; (g = generation_.load(std::memory_order_acquire)) == seen && spin < kSpin; ++spin)
        cpu_relax();
      while ((g = generation_.load(std::memory_order_acquire)) == seen) generation_.wait(seen, std::memory_order_acquire);
      seen = g;
      if (stop_.load(std::memory_order_relaxed)) return;
      fn_(ctx_, index);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::atomic<unsigned> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};
  void (*fn_)(void*, int) = nullptr;
  void* ctx_ = nullptr;
};

Team& team() {
  static Team t;
  return t;
}

bool threads_set = false;  // blas_set_threads called: the team owns the threads, OpenBLAS runs 1

CBLAS_TRANSPOSE op(bool t) { return t ? CblasTrans : CblasNoTrans; }

// Below this many flops a GEMM runs on the caller alone (waking a worker costs a few µs).
constexpr double kSplitFlops = 2.0e6;

struct SplitGemm {
  bool ta, tb, split_rows;
  int m, n, k, parts;
  float alpha, beta;
  const float* a;
  int lda;
  const float* b;
  int ldb;
  float* c;
  int ldc;
};

// Block i of `total` in `parts` contiguous pieces, each a multiple of 16 but the last.
void block(int total, int parts, int i, int& begin, int& end) {
  const int units = (total + 15) / 16;
  begin = std::min(total, units * i / parts * 16);
  end = i + 1 == parts ? total : std::min(total, units * (i + 1) / parts * 16);
}

void split_gemm_part(void* ctx, int i) {
  const SplitGemm& g = *static_cast<const SplitGemm*>(ctx);
  int begin, end;
  if (g.split_rows) {  // rows [begin, end) of op(A) and C
    block(g.m, g.parts, i, begin, end);
    if (end <= begin) return;
    const float* a = g.ta ? g.a + begin : g.a + size_t(begin) * size_t(g.lda);
    cblas_sgemm(CblasRowMajor, op(g.ta), op(g.tb), end - begin, g.n, g.k, g.alpha, a, g.lda, g.b, g.ldb, g.beta,
                g.c + size_t(begin) * size_t(g.ldc), g.ldc);
  } else {  // columns [begin, end) of op(B) and C
    block(g.n, g.parts, i, begin, end);
    if (end <= begin) return;
    const float* b = g.tb ? g.b + size_t(begin) * size_t(g.ldb) : g.b + begin;
    cblas_sgemm(CblasRowMajor, op(g.ta), op(g.tb), g.m, end - begin, g.k, g.alpha, g.a, g.lda, b, g.ldb, g.beta,
                g.c + begin, g.ldc);
  }
}

struct ParallelFor {
  size_t n;
  int parts;
  void (*fn)(void*, size_t, size_t);
  void* ctx;
};

void parallel_for_part(void* ctx, int i) {
  const ParallelFor& p = *static_cast<const ParallelFor*>(ctx);
  // Chunk edges on 64-byte lines of floats, so two threads never write one cache line.
  const size_t lines = (p.n + 15) / 16;
  const size_t begin = std::min(p.n, lines * size_t(i) / size_t(p.parts) * 16);
  const size_t end = i + 1 == p.parts ? p.n : std::min(p.n, lines * size_t(i + 1) / size_t(p.parts) * 16);
  if (begin < end) p.fn(p.ctx, begin, end);
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  Team& t = team();
  const int parts = t.size();
  if (parts == 1 || 2.0 * double(m) * double(n) * double(k) < kSplitFlops || std::max(m, n) < 32) {
    cblas_sgemm(CblasRowMajor, op(trans_a), op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // Split the larger output dimension: each thread then packs only its share of the big operand.
  SplitGemm g{trans_a, trans_b, m >= n, m, n, k, parts, alpha, beta, a, lda, b, ldb, c, ldc};
  t.run(split_gemm_part, &g);
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, op(trans_a), op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void parallel_for(size_t n, size_t min_per_thread, void (*fn)(void*, size_t, size_t), void* ctx) {
  Team& t = team();
  if (t.size() == 1 || n < min_per_thread * 2) {
    fn(ctx, 0, n);
    return;
  }
  ParallelFor p{n, t.size(), fn, ctx};
  t.run(parallel_for_part, &p);
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
  info.threads = threads_set ? team().size() : openblas_get_num_threads();
  return info;
}

void blas_set_threads(int n) {
  if (n < 1) n = 1;
  // OpenBLAS runs single-threaded inside each block; the team supplies the parallelism.
  openblas_set_num_threads(1);
  team().resize(n);
  threads_set = true;
}

int blas_default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace nntrain
