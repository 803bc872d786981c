// GEMM kernel selection (see gemm.h): the variants (gemm_tile.comp with a tile shape and an
// optional split of K, gemm_skinny.comp for a thin side), the table that picks one per shape
// class, and the record-time checks that allow vec4 loads. Nothing here depends on values,
// only on shapes, strides and addresses: the same call records the same kernels, so results
// are bit-for-bit repeatable on one device and driver.
#include "nntrain/gpu/gemm.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "nntrain/core/error.h"

namespace nntrain::gpu {

namespace {

// ---- the variants --------------------------------------------------------------------

// A tile of C per workgroup (BM x BN), K per step through shared memory (BK), and the block
// of C per invocation (TM x TN): (BM / TM) * (BN / TN) invocations. Named
// "t<BM>x<BN>x<BK>_<TM>x<TN>", so that bench/gpu_gemm --variants can try any shape that
// parse_tile accepts without a code change.
struct Tile {
  uint32_t bm = 0, bn = 0, bk = 0, tm = 0, tn = 0;
  uint32_t pad = 1;  // vec4s of padding per shared row (0 when 1 would pass the limit)
  uint32_t threads() const { return (bm / tm) * (bn / tn); }
};

struct Variant {
  bool skinny = false;
  Tile tile;
  uint32_t split = 1;   // chunks of K
  bool scalar = false;  // no vec4 loads or stores
};

// Shared memory every tile must fit: lavapipe's limit (NVIDIA's is 48 KiB).
constexpr uint32_t kMaxShared = 32768;

Tile parse_tile(const std::string& text, const std::string& name) {
  Tile t;
  int used = 0;
  if (std::sscanf(text.c_str(), "t%ux%ux%u_%ux%u%n", &t.bm, &t.bn, &t.bk, &t.tm, &t.tn, &used) != 5 ||
      size_t(used) != text.size())
    throw std::invalid_argument("gpu gemm: no variant named '" + name + "'");
  const auto bad = [&](const char* why) { return std::invalid_argument("gpu gemm: variant '" + name + "': " + why); };
  if (t.tm == 0 || t.tn == 0 || t.tm % 4 || t.tn % 4 || t.bk == 0 || t.bk % 4 || t.bm % t.tm || t.bn % t.tn)
    throw bad("TM, TN, BK must be multiples of 4, BM of TM, BN of TN");
  if (t.threads() < 32 || t.threads() > 1024) throw bad("between 32 and 1,024 invocations");
  if ((t.bm * t.bk) % (4 * t.threads()) || (t.bn * t.bk) % (4 * t.threads()))
    throw bad("each invocation must load whole quads of both tiles");
  const auto shared = [&](uint32_t pad) { return 2 * t.bk * (t.bm / 4 + pad + t.bn / 4 + pad) * 16; };
  if (shared(1) > kMaxShared) t.pad = 0;
  if (shared(t.pad) > kMaxShared) throw bad("more than 32 KiB of shared memory");
  return t;
}

// "skinny", or a tile name with ".s<S>" (split K into S chunks) and/or "+scalar" after it.
Variant parse_variant(const std::string& name) {
  Variant v;
  if (name == "skinny") {
    v.skinny = true;
    return v;
  }
  std::string rest = name;
  if (rest.size() > 7 && rest.compare(rest.size() - 7, 7, "+scalar") == 0) {
    v.scalar = true;
    rest.resize(rest.size() - 7);
  }
  if (const size_t dot = rest.find(".s"); dot != std::string::npos) {
    const std::string s = rest.substr(dot + 2);
    if (s.empty() || s.size() > 2 || s.find_first_not_of("0123456789") != std::string::npos || std::stoi(s) < 1)
      throw std::invalid_argument("gpu gemm: bad split in variant '" + name + "'");
    v.split = uint32_t(std::stoi(s));
    rest.resize(dot);
  }
  v.tile = parse_tile(rest, name);
  return v;
}

// ---- the heuristic ---------------------------------------------------------------------

// Shape classes, as bench/gpu_gemm prints them. Thin: a side of 16 or less (the last layer's
// z and dW). Shallow: K of 32 or less (the first layer of a narrow input, dx of the last
// layer): bound by writing C. Otherwise by the size of C, which sets how many tiles there are
// to spread over the GPU, and by K where C is small (split-K pays there).
const char* shape_class(int m, int n, int k) {
  if (std::min(m, n) <= 16) return "thin";
  if (k <= 32) return "shallow";
  const double mn = double(m) * double(n);
  if (mn >= double(1 << 21)) return "large";
  if (mn >= double(1 << 19)) return m >= n ? "wide-tall" : "wide-flat";
  if (mn >= double(1 << 17)) return k >= 1024 ? "medium-deep" : "medium";
  return k >= 512 ? "small-deep" : "small";
}

// The variant each class runs. Source: first guesses, not yet measured on the H200: the
// largest tile that still gives about one workgroup per SM (132 on an H200), split-K where C
// has too few tiles for the SMs and K is long. Replace each entry by the per-class winner of
// bench/gpu_gemm's summary on the target GPU (see bench/RESULTS.md).
constexpr std::pair<const char*, const char*> kChoice[] = {
    {"thin", "skinny"},
    {"shallow", "t64x64x16_4x4"},
    {"large", "t128x128x8_8x8"},
    {"wide-tall", "t128x64x16_8x8"},
    {"wide-flat", "t64x128x16_8x8"},
    {"medium", "t64x64x16_4x4"},
    {"medium-deep", "t64x64x16_4x4.s4"},
    {"small", "t32x32x16_4x4"},
    {"small-deep", "t32x32x16_4x4.s4"},
};

const std::string& forced_variant() {  // NNTRAIN_GEMM_VARIANT, checked on first use
  static const std::string v = [] {
    const char* e = std::getenv("NNTRAIN_GEMM_VARIANT");
    const std::string name = e ? e : "";
    if (name.empty()) return name;
    try {
      parse_variant(name);
    } catch (const std::invalid_argument&) {
      throw ConfigError("NNTRAIN_GEMM_VARIANT=" + name + " is not a GEMM variant (see gpu/gemm.h)");
    }
    return name;
  }();
  return v;
}

// ---- recording -------------------------------------------------------------------------

struct Problem {
  bool ta, tb;
  int m, n, k;
  float alpha;
  Ptr a;
  int lda;
  Ptr b;
  int ldb;
  float beta;
  Ptr c;
  int ldc;
};

struct TilePush {
  uint64_t a, b, c, w;
  uint32_t m, n, k;
  uint32_t lda, ldb, ldc;
  float alpha, beta;
  uint32_t k_chunk;
};
struct ReducePush {
  uint64_t w, c;
  uint32_t m, n, ldc, splits;
  float alpha, beta;
};
struct SkinnyPush {
  uint64_t a, b, c;
  uint32_t m, n, k;
  uint32_t sa_i, sa_k, sb_k, sb_j, sc_i, sc_j;
  float alpha, beta;
};

// Split-K's partial sums live in the stream's scratch, at most this many floats (16 MiB).
constexpr size_t kMaxScratchFloats = size_t(4) << 20;
constexpr uint32_t kMaxGroups = 65535;  // the smallest maxComputeWorkGroupCount

// Workgroups along the rows of C per dispatch: the kernels loop over the rows beyond. The
// test hook NNTRAIN_TEST_GEMM_ROW_GROUPS lowers it, so small problems take that loop too.
uint32_t row_groups(size_t rows, uint32_t rows_per_group) {
  static const uint32_t cap = [] {
    const char* e = std::getenv("NNTRAIN_TEST_GEMM_ROW_GROUPS");
    const unsigned long v = e && *e ? std::strtoul(e, nullptr, 10) : kMaxGroups;
    return uint32_t(std::clamp<unsigned long>(v, 1, kMaxGroups));
  }();
  return std::min(div_up(rows, rows_per_group), cap);
}

// vec4 access is safe when every aligned quad of the matrix is wholly inside or outside it.
bool vec_ok(Ptr p, int ld, int contiguous_extent) {
  return p.address % 16 == 0 && ld % 4 == 0 && contiguous_extent % 4 == 0;
}
uint32_t flag(bool b) { return b ? 1u : 0u; }

// K per chunk (a multiple of BK) and the number of chunks for a requested split of K.
std::pair<uint32_t, uint32_t> split_k(const Problem& p, const Tile& t, uint32_t split) {
  const uint32_t k = uint32_t(p.k);
  const size_t mn = size_t(p.m) * size_t(p.n);
  while (split > 1 && size_t(split) * mn > kMaxScratchFloats) --split;
  if (split <= 1 || k == 0) return {k, 1};
  const uint32_t chunk = div_up(div_up(k, split), t.bk) * t.bk;
  return {chunk, div_up(k, chunk)};
}

void record_tiled(Stream& s, const Tile& t, uint32_t split, bool scalar, const Problem& p) {
  const auto [chunk, splits] = split_k(p, t, split);
  const uint32_t groups_x = div_up(size_t(p.n), t.bn);
  if (groups_x > kMaxGroups) throw std::invalid_argument("gpu gemm: N too wide for one dispatch");
  const Ptr w = splits > 1 ? s.scratch(size_t(splits) * size_t(p.m) * size_t(p.n) * 4) : Ptr{};
  const bool vec_a = !scalar && vec_ok(p.a, p.lda, p.ta ? p.m : p.k);
  const bool vec_b = !scalar && vec_ok(p.b, p.ldb, p.tb ? p.k : p.n);
  const bool vec_c = !scalar && (splits > 1 ? vec_ok(w, p.n, p.n) : vec_ok(p.c, p.ldc, p.n));
  const Kernel kern = s.device().kernel("gemm_tile", {flag(p.ta), flag(p.tb), t.bm, t.bn, t.bk, t.tm, t.tn, flag(vec_a),
                                                      flag(vec_b), flag(vec_c), flag(splits > 1), t.threads(), t.pad});
  const TilePush push{p.a.address, p.b.address, p.c.address, w.address, uint32_t(p.m), uint32_t(p.n), uint32_t(p.k),
                      uint32_t(p.lda), uint32_t(p.ldb), uint32_t(p.ldc), p.alpha, p.beta, chunk};
  s.dispatch(kern, Groups{groups_x, row_groups(size_t(p.m), t.bm), splits}, push);
  if (splits > 1) {  // dependent: the stream puts a barrier between the partial sums and their sum
    const ReducePush r{w.address, p.c.address, uint32_t(p.m), uint32_t(p.n), uint32_t(p.ldc), splits, p.alpha, p.beta};
    s.dispatch(s.device().kernel("gemm_reduce"), groups_for(size_t(p.m) * size_t(p.n), 256), r);
  }
}

// op(A)(i, k) = a[i * sa_i + k * sa_k] and so on; when M is the thin side the problem is
// transposed (Cᵀ = op(B)ᵀ · op(A)ᵀ), so the kernel always sees at most 16 columns per workgroup.
void record_skinny(Stream& s, const Problem& p) {
  const uint32_t lda = uint32_t(p.lda), ldb = uint32_t(p.ldb), ldc = uint32_t(p.ldc);
  const uint32_t sa_i = p.ta ? 1 : lda, sa_k = p.ta ? lda : 1, sb_k = p.tb ? 1 : ldb, sb_j = p.tb ? ldb : 1;
  SkinnyPush q{p.a.address, p.b.address, p.c.address, uint32_t(p.m), uint32_t(p.n), uint32_t(p.k), sa_i, sa_k,
               sb_k,        sb_j,        ldc,         1,             p.alpha,       p.beta};
  if (p.m < p.n)
    q = SkinnyPush{p.b.address, p.a.address, p.c.address, uint32_t(p.n), uint32_t(p.m), uint32_t(p.k), sb_j, sb_k,
                   sa_k,        sa_i,        1,           ldc,           p.alpha,       p.beta};
  const uint32_t ns = std::min(16u, q.n);
  const uint32_t mode = q.sa_k == 1 ? 0 : 1;  // 0: lanes along k (rows contiguous), 1: along i
  // Groups of 32 lanes: mode 0, 8 rows per workgroup; mode 1, slices of k, about 32 k each
  // (a power of two, at most 32), so that a long K keeps many loads in flight.
  uint32_t groups = 8;
  if (mode == 1)
    for (groups = 1; groups < 32 && groups * 2 * 32 <= q.k;) groups *= 2;
  const uint32_t rows_per_group = mode == 0 ? groups : 32;
  const uint32_t groups_x = div_up(q.n, ns);
  if (groups_x > kMaxGroups) throw std::invalid_argument("gpu gemm: skinny kernel: both sides too wide");
  s.dispatch(s.device().kernel("gemm_skinny", {ns, mode, 32 * groups}),
             Groups{groups_x, row_groups(q.m, rows_per_group), 1}, q);
}

void record(Stream& s, const Variant& v, const Problem& p) {
  if (p.m <= 0 || p.n <= 0) return;
  if (v.skinny) return record_skinny(s, p);
  record_tiled(s, v.tile, v.split, v.scalar, p);
}

}  // namespace

const std::vector<std::string>& gemm_variants() {
  static const std::vector<std::string> names = {
      "t128x128x8_8x8",    "t128x128x16_8x8",   "t128x64x16_8x8",    "t64x128x16_8x8",    "t64x64x16_8x8",
      "t64x64x16_4x4",     "t32x32x16_4x4",     "t64x64x16_4x4.s2",  "t64x64x16_4x4.s4",  "t64x64x16_4x4.s8",
      "t32x32x16_4x4.s2",  "t32x32x16_4x4.s4",  "t32x32x16_4x4.s8",  "skinny",
  };
  return names;
}

GemmChoice gemm_choice(int m, int n, int k) {
  GemmChoice c{shape_class(m, n, k), ""};
  for (const auto& [cls, variant] : kChoice)
    if (c.shape_class == cls) c.variant = variant;
  if (!forced_variant().empty()) c.variant = forced_variant();
  return c;
}

void gemm_variant(Stream& s, const std::string& variant, bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                  Ptr a, int lda, Ptr b, int ldb, float beta, Ptr c, int ldc) {
  record(s, parse_variant(variant), Problem{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc});
}

void gemm(Stream& s, bool trans_a, bool trans_b, int m, int n, int k, float alpha, Ptr a, int lda, Ptr b, int ldb,
          float beta, Ptr c, int ldc) {
  if (m <= 0 || n <= 0) return;
  gemm_variant(s, gemm_choice(m, n, k).variant, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void linear_forward(Stream& s, Ptr z, Ptr x, Ptr W, size_t rows, size_t in, size_t out) {
  gemm(s, false, true, int(rows), int(out), int(in), 1.0f, x, int(in), W, int(in), 0.0f, z, int(out));
}

void linear_weight_grad(Stream& s, Ptr dW, Ptr dz, Ptr x, size_t rows, size_t in, size_t out, bool accumulate) {
  gemm(s, true, false, int(out), int(in), int(rows), 1.0f, dz, int(out), x, int(in), accumulate ? 1.0f : 0.0f, dW,
       int(in));
}

void linear_input_grad(Stream& s, Ptr dx, Ptr dz, Ptr W, size_t rows, size_t in, size_t out) {
  gemm(s, false, false, int(rows), int(in), int(out), 1.0f, dz, int(out), W, int(in), 0.0f, dx, int(in));
}

}  // namespace nntrain::gpu
