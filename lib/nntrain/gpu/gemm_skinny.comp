#version 450
// The GEMV-like GEMM for a thin side: C[M,N] = alpha * A * B + beta * C where each workgroup
// owns NS <= 16 columns of C (all of them when N <= 16; gemm.cpp maps M <= 16 here by
// transposing the whole problem). Operands come with general strides, A(i,k) = a[i*sa_i +
// k*sa_k], so the four transpose pairs and the transposed problem are one shader. Tiles would
// waste most of their width here; instead the long dimensions are spread over the
// invocations, 32 lanes by GROUPS:
//   MODE 0 (A's rows are contiguous, sa_k = 1): the lanes along k, one row per group;
//   MODE 1 (A's columns are contiguous, sa_i = 1): the lanes along i, the groups split k
//   (many groups when K is long: this is what keeps enough loads in flight).
// Each lane sums its own k in increasing order (4 at a time: the loads first, then the
// products, same order) and the lanes' or groups' partial sums are added in a fixed order
// through shared memory: deterministic, no atomics. beta == 0 never reads C.
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 2) in;  // = 32 * GROUPS, set by gemm.cpp
layout(constant_id = 0) const uint NS = 16;  // columns of C per workgroup
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint THREADS = 256;

layout(push_constant) uniform Push {
  Floats a, b, c;
  uint m, n, k;
  uint sa_i, sa_k, sb_k, sb_j, sc_i, sc_j;
  float alpha, beta;
} p;

const uint LANES = 32, GROUPS = THREADS / LANES;
const uint PART = 4096;                  // floats of shared memory for the partial sums
const uint COLS_PER_ROUND = PART / THREADS;  // columns whose partial sums fit at once
shared float part[PART];

float acc[NS];

// acc[j] = sum of A(i, k) * B(k, j0 + j) over k = k_first, k_first + k_step, ... (j < nj).
void dot_columns(uint i, uint j0, uint nj, uint k_first, uint k_step) {
  [[unroll]] for (uint j = 0; j < NS; ++j) acc[j] = 0.0;
  if (i >= p.m) return;
  uint k = k_first;
  for (; k + 3 * k_step < p.k; k += 4 * k_step) {
    float x[4], y[4][NS];
    [[unroll]] for (uint u = 0; u < 4; ++u) {
      x[u] = p.a.v[i * p.sa_i + (k + u * k_step) * p.sa_k];
      [[unroll]] for (uint j = 0; j < NS; ++j)
        y[u][j] = j < nj ? p.b.v[(k + u * k_step) * p.sb_k + (j0 + j) * p.sb_j] : 0.0;
    }
    [[unroll]] for (uint u = 0; u < 4; ++u)
      [[unroll]] for (uint j = 0; j < NS; ++j) acc[j] += x[u] * y[u][j];
  }
  for (; k < p.k; k += k_step) {
    const float x = p.a.v[i * p.sa_i + k * p.sa_k];
    [[unroll]] for (uint j = 0; j < NS; ++j)
      if (j < nj) acc[j] += x * p.b.v[k * p.sb_k + (j0 + j) * p.sb_j];
  }
}

void store(uint i, uint j, float sum) {
  const uint at = i * p.sc_i + j * p.sc_j;
  p.c.v[at] = p.beta == 0.0 ? p.alpha * sum : p.alpha * sum + p.beta * p.c.v[at];
}

// Adds the partial sums of rows i0.. for columns j0 + jr .. (COLS_PER_ROUND of them) in a
// fixed order and stores them. MODE 0: row i0 + group, its 32 lanes in order, one invocation
// per column. MODE 1: row i0 + lane, its groups in order, groups taking columns in turn.
void reduce_round(uint i0, uint j0, uint jr, uint nj, uint lane, uint group) {
  if (MODE == 0) {
    const uint i = i0 + group, j = jr + lane;
    if (lane < COLS_PER_ROUND && j < nj && i < p.m) {
      float sum = part[(group * LANES) * COLS_PER_ROUND + lane];
      for (uint l = 1; l < LANES; ++l) sum += part[(group * LANES + l) * COLS_PER_ROUND + lane];
      store(i, j0 + j, sum);
    }
  } else {
    const uint i = i0 + lane;
    for (uint jj = group; jj < COLS_PER_ROUND && jr + jj < nj && i < p.m; jj += GROUPS) {
      float sum = part[lane * COLS_PER_ROUND + jj];
      for (uint g = 1; g < GROUPS; ++g) sum += part[(g * LANES + lane) * COLS_PER_ROUND + jj];
      store(i, j0 + jr + jj, sum);
    }
  }
}

void main() {
  const uint t = gl_LocalInvocationID.x, lane = t % LANES, group = t / LANES;
  const uint j0 = gl_WorkGroupID.x * NS, nj = min(NS, p.n - j0);
  const uint rows_per_pass = MODE == 0 ? GROUPS : LANES;
  // Row blocks beyond 65,535 workgroups loop here.
  for (uint i0 = gl_WorkGroupID.y * rows_per_pass; i0 < p.m; i0 += gl_NumWorkGroups.y * rows_per_pass) {
    if (MODE == 0) dot_columns(i0 + group, j0, nj, lane, LANES);
    else dot_columns(i0 + lane, j0, nj, group, GROUPS);
    // part[t * COLS_PER_ROUND + jj] = this invocation's sum for column jr + jj
    [[unroll]] for (uint jr = 0; jr < NS; jr += COLS_PER_ROUND) {
      [[unroll]] for (uint jj = 0; jj < COLS_PER_ROUND; ++jj)
        if (jr + jj < NS) part[t * COLS_PER_ROUND + jj] = acc[jr + jj];
      barrier();
      reduce_round(i0, j0, jr, nj, lane, group);
      barrier();
    }
  }
}
