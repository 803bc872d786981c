#version 450
// The tiled GEMM: C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, op = transpose per
// specialization constant. Each workgroup computes a BM x BN tile of C, each invocation a
// TM x TN block of it in registers (TM/4 x TN/4 groups of 4x4, spread so that one subgroup's
// shared-memory reads are consecutive vec4s: no bank conflicts). K goes in steps of BK through
// double-buffered shared memory: the next step's global loads are in registers while this
// step's products run, one barrier per step. gemm.cpp picks BM, BN, BK, TM, TN per shape.
//
// VEC_A / VEC_B / VEC_C: the operand (output) may be read (written) as vec4: its leading
// dimension and its contiguous extent are multiples of 4 and its address is 16-byte aligned,
// so each aligned quad is wholly inside or wholly outside the matrix (gemm.cpp checks this at
// record time). Otherwise elements are loaded one by one, each bounds-checked.
//
// SPLIT != 0: split-K. Workgroup z sums k in [z * k_chunk, (z + 1) * k_chunk) and writes its
// raw partial sums to the workspace w[z][M][N]; gemm_reduce.comp adds the partials in order
// z = 0, 1, ... and applies alpha and beta. Deterministic either way: every sum has a fixed
// order (increasing k within a chunk), no atomics.
//
// beta == 0 never reads C (NaN there does not leak in).
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(buffer_reference, std430, buffer_reference_align = 16) buffer Vec4s { vec4 v[]; };

layout(local_size_x_id = 11) in;  // = (BM / TM) * (BN / TN), set by gemm.cpp
layout(constant_id = 0) const uint TRANS_A = 0;
layout(constant_id = 1) const uint TRANS_B = 0;
layout(constant_id = 2) const uint BM = 64;
layout(constant_id = 3) const uint BN = 64;
layout(constant_id = 4) const uint BK = 16;
layout(constant_id = 5) const uint TM = 4;
layout(constant_id = 6) const uint TN = 4;
layout(constant_id = 7) const uint VEC_A = 0;
layout(constant_id = 8) const uint VEC_B = 0;
layout(constant_id = 9) const uint VEC_C = 0;
layout(constant_id = 10) const uint SPLIT = 0;
layout(constant_id = 12) const uint PAD = 1;  // vec4s of padding per shared row

layout(push_constant) uniform Push {
  Floats a, b, c;
  Floats w;  // the split-K workspace
  uint m, n, k;
  uint lda, ldb, ldc;
  float alpha, beta;
  uint k_chunk;  // split-K: k per workgroup z (a multiple of BK); else >= k
} p;

const uint TX = BN / TN;           // invocations along n
const uint TY = BM / TM;           // invocations along m
const uint THREADS = TX * TY;
const uint LOADS_A = BM * BK / (4 * THREADS);  // quads of op(A) each invocation loads per step
const uint LOADS_B = BN * BK / (4 * THREADS);

// As[buf][kk][i / 4][i % 4] = op(A)[row0 + i][k0 + kk]; Bs likewise with op(B)[k0 + kk][col0 + j].
// PAD vec4s of padding per row spread the transposing stores over the banks (gemm.cpp drops
// it where it would pass the shared-memory limit).
shared vec4 As[2][BK][BM / 4 + PAD];
shared vec4 Bs[2][BK][BN / 4 + PAD];

// Per invocation (module scope: glslc's optimizer rejects arrays sized by specialization
// constants as function parameters): the TM x TN sums, and the next step's quads in flight.
vec4 acc[TM][TN / 4];
vec4 ra[LOADS_A];
vec4 rb[LOADS_B];

// One quad of an operand: 4 consecutive elements along its contiguous dimension. `at` is the
// element index of the first; `valid` how many of the 4 lie inside the matrix (VEC: 0 or 4).
vec4 load_quad(Floats f, uint vec, uint at, uint valid) {
  if (vec != 0) return valid != 0 ? Vec4s(f).v[at / 4] : vec4(0.0);
  vec4 q = vec4(0.0);
  [[unroll]] for (uint c = 0; c < 4; ++c)
    if (c < valid) q[c] = f.v[at + c];
  return q;
}

uint count_in(uint start, uint end) {  // elements of [start, start + 4) below end
  return start >= end ? 0 : min(4u, end - start);
}

// op(A)'s quads of the tile at (row0, k0), k below k_end, into registers.
void load_a(uint row0, uint k0, uint k_end, uint t) {
  [[unroll]] for (uint l = 0; l < LOADS_A; ++l) {
    const uint e = t + l * THREADS;
    if (TRANS_A == 0) {  // A[M][K]: quads along k
      const uint i = row0 + e / (BK / 4), kk = k0 + (e % (BK / 4)) * 4;
      ra[l] = load_quad(p.a, VEC_A, i * p.lda + kk, i < p.m ? count_in(kk, k_end) : 0);
    } else {  // A[K][M]: quads along m
      const uint kk = k0 + e / (BM / 4), i = row0 + (e % (BM / 4)) * 4;
      ra[l] = load_quad(p.a, VEC_A, kk * p.lda + i, kk < k_end ? count_in(i, p.m) : 0);
    }
  }
}

void load_b(uint col0, uint k0, uint k_end, uint t) {
  [[unroll]] for (uint l = 0; l < LOADS_B; ++l) {
    const uint e = t + l * THREADS;
    if (TRANS_B == 0) {  // B[K][N]: quads along n
      const uint kk = k0 + e / (BN / 4), j = col0 + (e % (BN / 4)) * 4;
      rb[l] = load_quad(p.b, VEC_B, kk * p.ldb + j, kk < k_end ? count_in(j, p.n) : 0);
    } else {  // B[N][K]: quads along k
      const uint j = col0 + e / (BK / 4), kk = k0 + (e % (BK / 4)) * 4;
      rb[l] = load_quad(p.b, VEC_B, j * p.ldb + kk, j < p.n ? count_in(kk, k_end) : 0);
    }
  }
}

void store_a(uint buf, uint t) {
  [[unroll]] for (uint l = 0; l < LOADS_A; ++l) {
    const uint e = t + l * THREADS;
    if (TRANS_A == 0) {  // a quad along k: four rows of As
      const uint i = e / (BK / 4), kk = (e % (BK / 4)) * 4;
      [[unroll]] for (uint c = 0; c < 4; ++c) As[buf][kk + c][i / 4][i % 4] = ra[l][c];
    } else {
      As[buf][e / (BM / 4)][e % (BM / 4)] = ra[l];
    }
  }
}

void store_b(uint buf, uint t) {
  [[unroll]] for (uint l = 0; l < LOADS_B; ++l) {
    const uint e = t + l * THREADS;
    if (TRANS_B == 0) {
      Bs[buf][e / (BN / 4)][e % (BN / 4)] = rb[l];
    } else {
      const uint j = e / (BK / 4), kk = (e % (BK / 4)) * 4;
      [[unroll]] for (uint c = 0; c < 4; ++c) Bs[buf][kk + c][j / 4][j % 4] = rb[l][c];
    }
  }
}

// This invocation's rows are g * TY * 4 + ty * 4 + (0..3) for g < TM / 4 (columns likewise),
// so the vec4 it reads for group g is As[..][g * TY + ty].
void multiply(uint buf, uint tx, uint ty) {
  [[unroll]] for (uint kk = 0; kk < BK; ++kk) {
    vec4 a[TM / 4], b[TN / 4];
    [[unroll]] for (uint g = 0; g < TM / 4; ++g) a[g] = As[buf][kk][g * TY + ty];
    [[unroll]] for (uint g = 0; g < TN / 4; ++g) b[g] = Bs[buf][kk][g * TX + tx];
    [[unroll]] for (uint i = 0; i < TM; ++i)
      [[unroll]] for (uint j = 0; j < TN / 4; ++j) acc[i][j] += a[i / 4][i % 4] * b[j];
  }
}

// Writes one 4-wide group of a row: v = alpha * sums (+ beta * C), or raw partial sums to
// the workspace (row-major [M][N]) when SPLIT.
void store_c(uint r, uint col, vec4 v) {
  const uint valid = count_in(col, p.n);
  if (r >= p.m || valid == 0) return;
  Floats f = p.c;
  uint at = r * p.ldc + col;
  if (SPLIT != 0) {
    f = p.w;
    at = (gl_WorkGroupID.z * p.m + r) * p.n + col;
  } else {
    v *= p.alpha;
  }
  if (VEC_C != 0) {
    Vec4s q = Vec4s(f);
    if (SPLIT == 0 && p.beta != 0.0) v += p.beta * q.v[at / 4];
    q.v[at / 4] = v;
  } else {
    [[unroll]] for (uint c = 0; c < 4; ++c)
      if (c < valid) f.v[at + c] = SPLIT == 0 && p.beta != 0.0 ? v[c] + p.beta * f.v[at + c] : v[c];
  }
}

void tile(uint row0, uint col0, uint k_begin, uint k_end, uint t) {
  const uint tx = t % TX, ty = t / TX;
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN / 4; ++j) acc[i][j] = vec4(0.0);

  if (k_begin < k_end) {
    load_a(row0, k_begin, k_end, t);
    load_b(col0, k_begin, k_end, t);
    store_a(0, t);
    store_b(0, t);
    barrier();
    uint buf = 0;
    for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
      const bool more = k0 + BK < k_end;
      if (more) {  // the next step's loads fly while this step multiplies
        load_a(row0, k0 + BK, k_end, t);
        load_b(col0, k0 + BK, k_end, t);
      }
      multiply(buf, tx, ty);
      if (more) {
        store_a(buf ^ 1, t);
        store_b(buf ^ 1, t);
      }
      barrier();
      buf ^= 1;
    }
  }
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN / 4; ++j)
      store_c(row0 + (i / 4) * TY * 4 + ty * 4 + i % 4, col0 + j * TX * 4 + tx * 4, acc[i][j]);
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint k_begin = gl_WorkGroupID.z * p.k_chunk;
  const uint k_end = min(p.k, k_begin + p.k_chunk);
  const uint col0 = gl_WorkGroupID.x * BN;
  // Tile rows beyond 65,535 workgroups (the smallest maxComputeWorkGroupCount) loop here.
  for (uint row0 = gl_WorkGroupID.y * BM; row0 < p.m; row0 += gl_NumWorkGroups.y * BM) {
    tile(row0, col0, k_begin, k_end, t);  // ends with a barrier: shared memory is free again
  }
}
