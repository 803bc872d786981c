// bench_load: loading Fashion-MNIST train (60,000 x 785, .csv.gz) into the float matrix, nntrain
// (load_training_data) against pandas.read_csv (bench/bench_load_pandas.py), in one run,
// alternating, median of 3, each load in its own process for an honest peak RSS.
// Not a test: it prints numbers and the targets (time <= 0.5x pandas, peak RSS <= 1.3x matrix).
//
// Usage: bench_load [--file F.csv.gz] [--reps N] [--python /usr/bin/python3] [--script PATH]
//        bench_load --child F [split]   (one load; prints "seconds peak_rss_kb rows cols")
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "nntrain/data/dataset.h"
#include "nntrain/core/error.h"

using namespace nntrain;

namespace {

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int child(const std::string& file, bool split) {
  Config c;
  c.data.train = file;
  c.data.target = {"label"};
  c.loss.name = "cross_entropy";
  // "into the float matrix": no split, no standardization; `split` = what fit does by default
  c.data.validation_fraction = split ? 0.2 : 0.0;
  c.data.standardize = split;
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const TrainingData td = load_training_data(c);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const size_t rows = td.train.rows + (td.val ? td.val->rows : 0);
    std::printf("%.4f %ld %zu %zu\n", s, peak_rss_kb(), rows, td.train.x_cols + td.train.y_cols);
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_load: %s\n", e.formatted().c_str());
    return 3;
  }
  return 0;
}

struct Run {
  double seconds = 0;
  long rss_kb = 0;
  size_t rows = 0, cols = 0;
};

Run run(const std::string& cmd) {
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p || std::fscanf(p, "%lf %ld %zu %zu", &r.seconds, &r.rss_kb, &r.rows, &r.cols) != 4) {
    std::fprintf(stderr, "bench_load: no result from: %s\n", cmd.c_str());
    std::exit(1);
  }
  pclose(p);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string file = NNTRAIN_SOURCE_DIR "/data/fashion-mnist-train.csv.gz";  // sh data/make-fashion-mnist.sh
  std::string python = "/usr/bin/python3";
  std::string script = NNTRAIN_SOURCE_DIR "/bench/bench_load_pandas.py";
  int reps = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--child" && i + 1 < argc) return child(argv[i + 1], i + 2 < argc && std::strcmp(argv[i + 2], "split") == 0);
    if (a == "--file" && i + 1 < argc) file = argv[++i];
    else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--python" && i + 1 < argc) python = argv[++i];
    else if (a == "--script" && i + 1 < argc) script = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_load [--file F] [--reps N] [--python P] [--script S]\n");
      return 2;
    }
  }
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  self[n] = '\0';
  const std::string nn = std::string(self) + " --child '" + file + "'";
  const std::string pd = python + " '" + script + "' '" + file + "'";
  std::vector<double> nn_s, pd_s, nn_rss, pd_rss, sp_s, sp_rss;
  Run last;
  for (int i = 0; i < reps; ++i) {
    // alternate which side goes first
    Run a, b;
    if (i % 2 == 0) {
      a = run(nn);
      b = run(pd);
    } else {
      b = run(pd);
      a = run(nn);
    }
    const Run s = run(nn + " split");
    std::printf("rep %d: nntrain %.3f s %.1f MiB | pandas %.3f s %.1f MiB | nntrain+split/standardize %.3f s %.1f MiB\n", i + 1,
                a.seconds, a.rss_kb / 1024.0, b.seconds, b.rss_kb / 1024.0, s.seconds, s.rss_kb / 1024.0);
    nn_s.push_back(a.seconds);
    pd_s.push_back(b.seconds);
    nn_rss.push_back(a.rss_kb);
    pd_rss.push_back(b.rss_kb);
    sp_s.push_back(s.seconds);
    sp_rss.push_back(s.rss_kb);
    last = a;
    if (a.rows != b.rows || a.cols != b.cols) {
      std::fprintf(stderr, "bench_load: shapes differ: %zu x %zu vs %zu x %zu\n", a.rows, a.cols, b.rows, b.cols);
      return 1;
    }
  }
  const double matrix_mb = static_cast<double>(last.rows) * last.cols * 4 / (1024.0 * 1024.0);
  const double t_ratio = median(nn_s) / median(pd_s);
  const double m_ratio = median(nn_rss) / 1024.0 / matrix_mb;
  std::printf("\n%s: %zu x %zu, float32 matrix %.1f MiB\n", file.c_str(), last.rows, last.cols, matrix_mb);
  std::printf("median of %d   nntrain %.3f s, peak RSS %.1f MiB | pandas.read_csv %.3f s, peak RSS %.1f MiB\n", reps,
              median(nn_s), median(nn_rss) / 1024.0, median(pd_s), median(pd_rss) / 1024.0);
  std::printf("time ratio nntrain/pandas      %.2f (target <= 0.50) %s\n", t_ratio, t_ratio <= 0.5 ? "ok" : "MISSED");
  std::printf("peak RSS / float32 matrix      %.2f (target <= 1.30) %s\n", m_ratio, m_ratio <= 1.3 ? "ok" : "MISSED");
  std::printf("with split 0.2 + standardize   %.3f s, peak RSS %.2fx the matrix\n", median(sp_s),
              median(sp_rss) / 1024.0 / matrix_mb);
  return 0;
}
