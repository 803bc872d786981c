// Synthetic classification rows for the benchmark (bench/gpu_train.sh workloads 1, 9, 10, and
// Fashion-MNIST's shape where that file is absent): FEATURES standard-normal columns
// x0..x{F-1} and a label: [w·x + noise > 0] for 2 classes, else the k of the largest
// w_k·x + noise_k; from a fixed seed, so every machine trains on the same bytes. C++ rather
// than Python: workloads 9 and 10 need 2,000,000 × 100 values (1.5 GB of CSV), which Python
// writes in minutes.
//
// Usage: make_rows ROWS FEATURES CLASSES SEED FILE   (writes FILE.tmp, then renames it to FILE)
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// splitmix64: tiny and fully specified, so the data does not depend on a library's generator.
struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double((next() >> 11) + 1) * 0x1.0p-53; }  // (0, 1]
  double normal() {  // Box-Muller, one value per call (simple over fast)
    const double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: make_rows ROWS FEATURES CLASSES SEED FILE\n");
    return 2;
  }
  const long rows = std::atol(argv[1]), features = std::atol(argv[2]), classes = std::atol(argv[3]);
  const std::string path = argv[5], tmp = path + ".tmp";
  if (rows <= 0 || features <= 0 || classes < 2) {
    std::fprintf(stderr, "make_rows: ROWS and FEATURES must be positive, CLASSES at least 2\n");
    return 2;
  }
  SplitMix rng{std::strtoull(argv[4], nullptr, 10)};
  const long scores = classes == 2 ? 1 : classes;  // binary: one score, its sign
  std::vector<double> w(size_t(features * scores), 0.0), s(size_t(scores), 0.0);
  for (double& v : w) v = rng.normal();
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    std::perror(tmp.c_str());
    return 1;
  }
  std::string line;
  for (long j = 0; j < features; ++j) line.append("x").append(std::to_string(j)).append(",");
  line += "label\n";
  std::fputs(line.c_str(), f);
  char buf[32];
  for (long r = 0; r < rows; ++r) {
    line.clear();
    for (double& v : s) v = 0.5 * rng.normal();  // label noise
    for (long j = 0; j < features; ++j) {
      const float x = float(std::lround(rng.normal() * 1e4)) * 1e-4f;  // the value the CSV spells
      for (long k = 0; k < scores; ++k) s[size_t(k)] += w[size_t(k * features + j)] * double(x);
      const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, 4);
      line.append(buf, res.ptr);
      line += ',';
    }
    const long label = classes == 2 ? long(s[0] > 0) : long(std::max_element(s.begin(), s.end()) - s.begin());
    line += std::to_string(label) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), f) != line.size()) {
      std::perror(tmp.c_str());
      return 1;
    }
  }
  if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::perror(path.c_str());
    return 1;
  }
  return 0;
}
