// gpu_gemm: every GPU GEMM variant (gpu/gemm.h) timed on the training shapes of issue 14's
// workloads (bench/gpu_gemm_shapes.txt), to set gemm.cpp's per-shape-class table from
// measurements. Not a test: it prints numbers and asserts nothing.
//
// Usage: gpu_gemm [--quick] [--device gpu|gpu:N] [--only w5,big] [--variants LIST]
//                 [--trial-ms 15] [--torch FILE] [--shapes FILE] [--dry-run]
//   --quick     every side above 16 divided by 16 (lavapipe: checks that it runs)
//   --variants  comma-separated names (gpu/gemm.h), e.g. t128x128x16_8x8,t64x64x16_8x8.s2:
//               any tile shape gemm.cpp accepts, not only gemm_variants()
//   --torch F   cuBLAS's times from bench/gpu_gemm_torch.py's output, printed beside ours
//   --dry-run   list the (shape, variant) pairs it would time, and how many
// bench/gpu_gemm.sh runs both sides in one command.
//
// Each (shape, variant): one warm-up product (pipeline creation), then `reps` dependent
// products (a barrier between each, as in a training step) recorded into one command buffer,
// submitted and waited for once, timed on the host; reps fill --trial-ms, the median of 3
// trials is printed as µs per product. beta = 0 throughout (cuBLAS's side does the same).
// Then, per shape class, the variant with the least total time: the table for gemm.cpp.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nntrain/core/error.h"
#include "nntrain/core/rng.h"
#include "nntrain/gpu/gemm.h"

using namespace nntrain;
using namespace nntrain::gpu;

namespace {

struct Shape {
  std::string workload, product, trans;  // trans: NN, NT, TN or TT
  int m = 0, n = 0, k = 0;
  bool ta() const { return trans[0] == 'T'; }
  bool tb() const { return trans[1] == 'T'; }
  double flops() const { return 2.0 * m * n * k; }
  std::string key() const {  // what --torch lines are matched by
    return trans + " " + std::to_string(m) + " " + std::to_string(n) + " " + std::to_string(k);
  }
};

struct Options {
  bool quick = false, dry_run = false, shapes_default = true;
  std::string device = "gpu", shapes = std::string(NNTRAIN_SOURCE_DIR) + "/bench/gpu_gemm_shapes.txt", torch;
  std::vector<std::string> only, variants;
  double trial_ms = 15;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

int usage(const char* why) {
  if (why) std::fprintf(stderr, "gpu_gemm: %s (see --help)\n", why);
  return 2;
}

// --quick: sides above 16 become 16 times smaller (thin sides stay thin).
int quick_side(int d) { return d <= 16 ? d : (d + 15) / 16; }

std::vector<Shape> read_shapes(const Options& o) {
  std::ifstream in(o.shapes);
  // A binary carried to another machine: the checkout it runs in, not the one it was built in.
  if (!in && o.shapes_default) in.open("bench/gpu_gemm_shapes.txt");
  if (!in) throw ConfigError("cannot read " + o.shapes + " (--shapes FILE)");
  std::vector<Shape> shapes;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Shape s;
    if (!(ls >> s.workload >> s.product >> s.trans >> s.m >> s.n >> s.k)) throw ConfigError("bad line: " + line);
    if (!o.only.empty() && !contains(o.only, s.workload)) continue;
    if (o.quick) s.m = quick_side(s.m), s.n = quick_side(s.n), s.k = quick_side(s.k);
    shapes.push_back(s);
  }
  return shapes;
}

// cuBLAS µs by Shape::key() from gpu_gemm_torch.py's rows "workload product trans M N K µs TFLOP/s".
std::map<std::string, double> read_torch(const std::string& file) {
  std::map<std::string, double> us;
  if (file.empty()) return us;
  std::ifstream in(file);
  if (!in) throw ConfigError("cannot read " + file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    Shape s;
    double t = 0;
    if (line.empty() || line[0] == '#' || !(ls >> s.workload >> s.product >> s.trans >> s.m >> s.n >> s.k >> t)) continue;
    us[s.key()] = t;
  }
  return us;
}

// Worth timing: the skinny kernel only where a side is small, split-K only where C is not
// large and each chunk keeps at least 128 of K.
bool applicable(const std::string& v, const Shape& s) {
  if (v == "skinny") return std::min(s.m, s.n) <= 64;
  const size_t dot = v.find(".s");
  if (dot == std::string::npos) return true;
  const int split = std::atoi(v.c_str() + dot + 2);
  return double(s.m) * s.n < double(1 << 21) && s.k >= 128 * split;
}

struct Operands {
  Buffer a, b, c;
};

Operands operands(Device& dev, const Shape& s, uint64_t seed) {
  Rng rng(seed);
  auto fill = [&](size_t n) {
    std::vector<float> v(std::max<size_t>(n, 1));
    for (auto& x : v) x = float(rng.normal());
    Buffer b(dev, v.size() * 4);
    upload(dev, b, 0, v.data(), v.size() * 4);
    return b;
  };
  return {fill(size_t(s.m) * s.k), fill(size_t(s.k) * s.n), fill(size_t(s.m) * s.n)};
}

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Seconds for `reps` dependent products of `variant`, recorded first, then submitted and waited for.
double timed(Device& dev, const Shape& s, const Operands& x, const std::string& variant, int reps) {
  Stream st(dev);
  const int lda = s.ta() ? s.m : s.k, ldb = s.tb() ? s.k : s.n;
  for (int r = 0; r < reps; ++r)
    gemm_variant(st, variant, s.ta(), s.tb(), s.m, s.n, s.k, 1.0f, x.a.ptr(), lda, x.b.ptr(), ldb, 0.0f, x.c.ptr(), s.n);
  const double t0 = now();
  st.run();
  return now() - t0;
}

// µs per product: warm-up, reps to fill a trial, the median of 3 trials.
double us_per_product(Device& dev, const Shape& s, const Operands& x, const std::string& variant, double trial_ms) {
  timed(dev, s, x, variant, 1);
  const double est = timed(dev, s, x, variant, 3) / 3;
  const int reps = int(std::clamp(trial_ms * 1e-3 / std::max(est, 1e-7), 3.0, 5000.0));
  double t[3];
  for (double& v : t) v = timed(dev, s, x, variant, reps) / reps;
  std::sort(t, t + 3);
  return t[1] * 1e6;
}

struct Row {
  Shape shape;
  std::string cls, variant;
  double us = 0;
  bool chosen = false;
};

void print_row(const Row& r, const std::map<std::string, double>& torch) {
  const Shape& s = r.shape;
  std::printf("%-4s %-4s %-2s %5d %5d %5d  %-11s %-18s %s %10.1f %8.3f", s.workload.c_str(), s.product.c_str(),
              s.trans.c_str(), s.m, s.n, s.k, r.cls.c_str(), r.variant.c_str(), r.chosen ? "*" : " ", r.us,
              s.flops() / r.us * 1e-6);
  if (auto it = torch.find(s.key()); it != torch.end()) std::printf(" %10.1f %6.2f", it->second, r.us / it->second);
  std::printf("\n");
  std::fflush(stdout);
}

// Per shape class: the total µs of every variant timed on all of the class's shapes, the
// best of them, and the table's choice; then the best as a table to paste into gemm.cpp.
void print_class_summary(const std::vector<Row>& rows) {
  std::map<std::string, std::map<std::string, std::pair<int, double>>> total;  // class -> variant -> (shapes, µs)
  std::map<std::string, int> shapes;
  std::map<std::string, std::string> chosen;
  for (const Row& r : rows) {
    auto& t = total[r.cls][r.variant];
    t.first++;
    t.second += r.us;
    if (r.chosen) shapes[r.cls]++, chosen[r.cls] = r.variant;
  }
  std::printf("\nper shape class: total µs over its shapes (variants timed on all of them)\n");
  std::printf("%-11s %6s  %-18s %10s  %-18s %10s %10s\n", "class", "shapes", "best", "µs", "table", "µs", "table/best");
  std::string table;
  for (const auto& [cls, by_variant] : total) {
    std::string best;
    double best_us = 0;
    for (const auto& [v, t] : by_variant)
      if (t.first == shapes[cls] && (best.empty() || t.second < best_us)) best = v, best_us = t.second;
    const auto table_it = by_variant.find(chosen[cls]);
    const double table_us = table_it == by_variant.end() ? 0 : table_it->second.second;
    std::printf("%-11s %6d  %-18s %10.1f  %-18s %10.1f %10.2f\n", cls.c_str(), shapes[cls], best.c_str(), best_us,
                chosen[cls].c_str(), table_us, table_us / best_us);
    table += "    {\"" + cls + "\", \"" + best + "\"},\n";
  }
  std::printf("\nkChoice for lib/nntrain/gpu/gemm.cpp from this run:\n%s", table.c_str());
}

// Per workload: one training step's GEMMs (the sum over its products) with the table's
// choices, with the best variant of each shape, and with cuBLAS.
void print_step_summary(const std::vector<Row>& rows, const std::map<std::string, double>& torch) {
  std::map<std::string, double> chosen, best, cublas;
  std::map<std::string, std::map<std::string, double>> best_of;  // workload -> product -> µs
  for (const Row& r : rows) {
    const std::string w = r.shape.workload, p = r.shape.product;
    if (r.chosen) {
      chosen[w] += r.us;
      if (auto it = torch.find(r.shape.key()); it != torch.end()) cublas[w] += it->second;
    }
    auto& b = best_of[w][p];
    if (b == 0 || r.us < b) b = r.us;
  }
  for (const auto& [w, products] : best_of)
    for (const auto& [p, us] : products) best[w] += us;
  std::printf("\nper workload: µs for all its products (one training step's GEMMs)\n%-8s %10s %10s%s\n", "workload",
              "table", "best", torch.empty() ? "" : "     cuBLAS table/cuBLAS");
  for (const auto& [w, us] : chosen) {
    std::printf("%-8s %10.1f %10.1f", w.c_str(), us, best[w]);
    if (cublas.count(w)) std::printf(" %10.1f %12.2f", cublas[w], us / cublas[w]);
    std::printf("\n");
  }
}

int run(const Options& o) {
  Device dev(o.device);
  const auto shapes = read_shapes(o);
  const auto torch = read_torch(o.torch);
  const auto& all = o.variants.empty() ? gemm_variants() : o.variants;
  std::printf("# gpu_gemm on %s (%s, Vulkan %s)%s; µs per product, median of 3 trials of %.0f ms\n",
              dev.info().name.c_str(), dev.info().driver.c_str(), dev.info().vulkan.c_str(), o.quick ? ", --quick" : "",
              o.trial_ms);
  std::printf("# * = gemm()'s choice (gemm.cpp's table)%s\n", torch.empty() ? "" : "; last columns: cuBLAS µs, ours/cuBLAS");
  std::printf("%-4s %-4s %-2s %5s %5s %5s  %-11s %-18s %s %10s %8s%s\n", "wl", "prod", "tr", "M", "N", "K", "class",
              "variant", " ", "µs", "TFLOP/s", torch.empty() ? "" : "     cuBLAS  ratio");
  std::vector<Row> rows;
  const double t0 = now();
  uint64_t seed = 1;
  for (const Shape& s : shapes) {
    const Operands x = o.dry_run ? Operands{} : operands(dev, s, seed++);
    const GemmChoice choice = gemm_choice(s.m, s.n, s.k);
    std::vector<std::string> timed_here;  // the applicable variants, and always the table's choice
    for (const std::string& v : all)
      if (applicable(v, s) || v == choice.variant) timed_here.push_back(v);
    if (!contains(timed_here, choice.variant)) timed_here.push_back(choice.variant);
    for (const std::string& v : timed_here) {
      if (o.dry_run) {
        std::printf("%-4s %-4s %-2s %5d %5d %5d  %-11s %-18s%s\n", s.workload.c_str(), s.product.c_str(), s.trans.c_str(),
                    s.m, s.n, s.k, choice.shape_class.c_str(), v.c_str(), v == choice.variant ? " *" : "");
        rows.push_back(Row{s, choice.shape_class, v, 0, v == choice.variant});
        continue;
      }
      Row r{s, choice.shape_class, v, 0, v == choice.variant};
      try {
        r.us = us_per_product(dev, s, x, v, o.trial_ms);
      } catch (const std::exception& e) {  // one failing variant must not cost the whole run
        std::printf("%-4s %-4s %-2s %5d %5d %5d  %-11s %-18s failed: %s\n", s.workload.c_str(), s.product.c_str(),
                    s.trans.c_str(), s.m, s.n, s.k, r.cls.c_str(), v.c_str(), e.what());
        continue;
      }
      print_row(r, torch);
      rows.push_back(r);
    }
  }
  if (o.dry_run) {
    std::printf("# %zu (shape, variant) pairs\n", rows.size());
    return 0;
  }
  print_class_summary(rows);
  print_step_summary(rows, torch);
  std::printf("\n# %zu rows in %.1f s\n", rows.size(), now() - t0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--quick") {
      o.quick = true;
      o.trial_ms = 5;
    } else if (a == "--device") {
      o.device = value();
    } else if (a == "--only") {
      o.only = split_commas(value());
    } else if (a == "--variants") {
      o.variants = split_commas(value());
    } else if (a == "--trial-ms") {
      o.trial_ms = std::atof(value().c_str());
    } else if (a == "--torch") {
      o.torch = value();
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (a == "--shapes") {
      o.shapes = value();
      o.shapes_default = false;
    } else if (a == "-h" || a == "--help") {
      std::printf("Usage: gpu_gemm [--quick] [--device gpu|gpu:N] [--only w5,big] [--variants LIST] [--trial-ms T]\n"
                  "                [--torch FILE] [--shapes FILE] [--dry-run]\nVariants timed by default: ");
      for (const auto& v : gemm_variants()) std::printf("%s ", v.c_str());
      std::printf("\n(any t<BM>x<BN>x<BK>_<TM>x<TN>[.s<S>][+scalar] that gpu/gemm.cpp accepts also works)\n");
      return 0;
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }
  if (o.trial_ms <= 0) return usage("--trial-ms must be positive");
  try {
    return run(o);
  } catch (const Error& e) {
    std::fprintf(stderr, "gpu_gemm: %s\n", e.formatted().c_str());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_gemm: %s\n", e.what());
    return 2;
  }
}
