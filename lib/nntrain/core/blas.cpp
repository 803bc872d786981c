// The OpenBLAS wrapper: row-major GEMM in float and double, thread control, library info, and
// the thread team of --threads N. The only file that includes <cblas.h>; the rest of the project
// sees gemm() alone (which uses sgemv/dgemv for shapes with a dimension of 1).
//
// Thread plan: with N > 1 threads, a float GEMM is split into N contiguous blocks of its larger
// output dimension (rows of C, or columns), each block one single-threaded cblas_sgemm on its
// own thread. On small and mid-size MLP shapes this beats OpenBLAS's own threading (which on 2
// cores is slower than 1 thread for e.g. 128 × 784 → 256), and it is deterministic: every
// element of C is computed by one thread with the whole K reduction, and the blocks depend only
// on the shape and N. The same team runs elementwise loops (parallel_for: Adam, zero_grad).
#include "nntrain/core/blas.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "nntrain/core/clones.h"

// Exported by the threaded builds of OpenBLAS, not declared in its cblas.h; weak, because the
// serial build (libopenblas0-serial) has no thread pool and no such function.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace nntrain {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// The calling thread plus size-1 workers. A job is `parts` independent pieces; the caller and
// the workers claim pieces in order from one counter, so a worker the OS has not scheduled yet
// only loses its share (the caller takes it) instead of making the caller wait. Which thread
// runs a piece never changes its result. Workers spin briefly after a job (jobs come in
// bursts: the GEMMs of one step), then sleep on their slot.
class Team {
 public:
  ~Team() { resize(1); }

  int size() const { return size_; }

  void resize(int n) {
    if (n < 1) n = 1;
    if (n == size_) return;
    for (int i = 0; i + 1 < size_; ++i) {
      slots_[i].state.store(kStop, std::memory_order_release);
      slots_[i].state.notify_one();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    size_ = n;
    slots_ = std::make_unique<Slot[]>(size_t(n - 1));
    for (int i = 0; i + 1 < n; ++i) threads_.emplace_back([this, i] { work(slots_[i]); });
  }

  // fn(ctx, part) for every part in [0, parts); returns when all are done. A call made while
  // the team is busy (a GEMM from another thread) runs every part on the caller.
  void run(int parts, void (*fn)(void*, int), void* ctx) {
    if (size_ == 1 || parts <= 1 || busy_.exchange(true, std::memory_order_acquire)) {
      for (int i = 0; i < parts; ++i) fn(ctx, i);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    parts_ = parts;
    next_.store(0, std::memory_order_relaxed);
    for (int w = 0; w + 1 < size_; ++w) {
      slots_[w].state.store(kPosted, std::memory_order_release);
      slots_[w].state.notify_one();
    }
    claim();
    for (int w = 0; w + 1 < size_; ++w) {
      std::atomic<unsigned>& st = slots_[w].state;
      unsigned expected = kPosted;
      if (st.compare_exchange_strong(expected, kIdle, std::memory_order_acq_rel)) continue;  // never joined
      unsigned v;
      for (int spin = 0; (v = st.load(std::memory_order_acquire)) == kRunning && spin < kSpin; ++spin) cpu_relax();
      while ((v = st.load(std::memory_order_acquire)) == kRunning) st.wait(kRunning, std::memory_order_acquire);
      st.store(kIdle, std::memory_order_relaxed);
    }
    busy_.store(false, std::memory_order_release);
  }

 private:
  enum : unsigned { kIdle, kPosted, kRunning, kDone, kStop };
  static constexpr int kSpin = 4000;  // pauses (tens of µs) before sleeping
  struct Slot {
    std::atomic<unsigned> state{kIdle};
  };

  void claim() {
    for (int p; (p = next_.fetch_add(1, std::memory_order_acq_rel)) < parts_;) fn_(ctx_, p);
  }

  void work(Slot& slot) {
    std::atomic<unsigned>& st = slot.state;
    for (;;) {
      unsigned v;
      for (int spin = 0; ((v = st.load(std::memory_order_acquire)) == kIdle || v == kDone) && spin < kSpin; ++spin)
        cpu_relax();
      while ((v = st.load(std::memory_order_acquire)) == kIdle || v == kDone) st.wait(v, std::memory_order_acquire);
      if (v == kStop) return;
      unsigned expected = kPosted;
      if (!st.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) continue;  // taken back
      claim();
      st.store(kDone, std::memory_order_release);
      st.notify_one();
    }
  }

  int size_ = 1;
  std::unique_ptr<Slot[]> slots_;
  std::vector<std::thread> threads_;
  std::atomic<int> next_{0};
  std::atomic<bool> busy_{false};
  int parts_ = 0;
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

// Piece i of [0, total) cut into `parts` contiguous pieces, each a multiple of 16 but the last
// (16 floats: one 64-byte cache line, so two threads never write one line). Used for GEMM
// blocks and parallel_for chunks alike.
template <class I>
void block(I total, I parts, I i, I& begin, I& end) {
  const I units = (total + 15) / 16;
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
  size_t begin, end;
  block(p.n, size_t(p.parts), size_t(i), begin, end);
  if (begin < end) p.fn(p.ctx, begin, end);
}

void gemv(bool trans, int m, int n, float alpha, const float* a, int lda, const float* x, int incx, float beta,
          float* y, int incy) {
  cblas_sgemv(CblasRowMajor, op(trans), m, n, alpha, a, lda, x, incx, beta, y, incy);
}
void gemv(bool trans, int m, int n, double alpha, const double* a, int lda, const double* x, int incx, double beta,
          double* y, int incy) {
  cblas_dgemv(CblasRowMajor, op(trans), m, n, alpha, a, lda, x, incx, beta, y, incy);
}

// GEMMs with a dimension of 1: the output layer of a regression or binary classifier
// (B×32 · 32×1, its weight gradient 1×B · B×32, its input gradient B×1 · 1×32). OpenBLAS's
// sgemm packs both operands and runs its micro-kernel on them anyway, at a tenth of its usual
// rate; a matrix-vector product or a plain outer-product loop does the same arithmetic without
// the packing. Returns false for any other shape. beta == 0 never reads C (the BLAS rule:
// C may hold NaN), hence the explicit zero fill before gemv.
template <class T>
NNTRAIN_CLONES
bool degenerate_gemm(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb,
                     T beta, T* c, int ldc) {
  if (m <= 0 || n <= 0) return true;
  if (k <= 0 || alpha == T(0)) {  // C = beta·C
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) c[size_t(i) * ldc + j] = beta == T(0) ? T(0) : beta * c[size_t(i) * ldc + j];
    return true;
  }
  if (k == 1) {  // C[i, j] = alpha · a_i · b_j + beta · C[i, j]: op(A) is a column, op(B) a row
    const size_t sa = ta ? 1 : size_t(lda), sb = tb ? size_t(ldb) : 1;
    for (int i = 0; i < m; ++i) {
      const T ai = alpha * a[i * sa];
      T* ci = c + size_t(i) * ldc;
      if (beta == T(0))
        for (int j = 0; j < n; ++j) ci[j] = ai * b[j * sb];
      else
        for (int j = 0; j < n; ++j) ci[j] = beta * ci[j] + ai * b[j * sb];
    }
    return true;
  }
  if (n == 1) {  // C[:, 0] = alpha · op(A) · op(B)[:, 0] + beta · C[:, 0]
    if (beta == T(0))
      for (int i = 0; i < m; ++i) c[size_t(i) * ldc] = T(0);
    // op(A) = A [m, k] (lda) or Aᵀ with A [k, m]; op(B)[:, 0] has stride ldb, or 1 when B is [1, k].
    if (ta) gemv(true, k, m, alpha, a, lda, b, tb ? 1 : ldb, beta, c, ldc);
    else gemv(false, m, k, alpha, a, lda, b, tb ? 1 : ldb, beta, c, ldc);
    return true;
  }
  if (m == 1) {  // C[0, :] = alpha · op(B)ᵀ · op(A)[0, :]ᵀ + beta · C[0, :]
    if (beta == T(0))
      for (int j = 0; j < n; ++j) c[j] = T(0);
    // op(B) = B [k, n] (ldb) or Bᵀ with B [n, k]; op(A)[0, :] has stride 1, or lda when A is [k, 1].
    if (tb) gemv(false, n, k, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);
    else gemv(true, k, n, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);
    return true;
  }
  return false;
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  if (degenerate_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  Team& t = team();
  const int parts = t.size();
  if (parts == 1 || 2.0 * double(m) * double(n) * double(k) < kSplitFlops || std::max(m, n) < 32) {
    cblas_sgemm(CblasRowMajor, op(trans_a), op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // Split the larger output dimension: each thread then packs only its share of the big operand.
  SplitGemm g{trans_a, trans_b, m >= n, m, n, k, parts, alpha, beta, a, lda, b, ldb, c, ldc};
  t.run(parts, split_gemm_part, &g);
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  if (degenerate_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  cblas_dgemm(CblasRowMajor, op(trans_a), op(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void parallel_for(size_t n, size_t min_per_thread, void (*fn)(void*, size_t, size_t), void* ctx) {
  Team& t = team();
  if (t.size() == 1 || n < min_per_thread * 2) {
    fn(ctx, 0, n);
    return;
  }
  ParallelFor p{n, t.size(), fn, ctx};
  t.run(p.parts, parallel_for_part, &p);
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
  // OpenBLAS runs single-threaded inside each block; the team supplies the parallelism. Its own
  // pool (cores - 1 threads, started when the library loads) would otherwise spin in
  // sched_yield for its first ~0.1 s: a whole iris run, and a core taken from the next process
  // of a parallel sweep. OpenBLAS restarts the pool by itself if a later call wants threads.
  // (Setting the count, even to 1, restarts a pool that was shut down: only when needed.)
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
  if (blas_thread_shutdown_ != nullptr && openblas_get_parallel() != 0) blas_thread_shutdown_();
  team().resize(n);
  threads_set = true;
}

int blas_default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace nntrain
