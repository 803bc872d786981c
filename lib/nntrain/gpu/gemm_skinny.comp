#version 450
// The GEMV-like GEMM for a thin side: C[M,N] = alpha * A * B + beta * C where each workgroup
// owns NS <= 16 columns of C (all of them when N <= 16; gemm.cpp maps M <= 16 here by
// transposing the whole problem). Operands come with general strides, A(i,k) = a[i*sa_i +
// k*sa_k], so the four transpose pairs and the transposed problem are one shader. Tiles would
// waste most of their width here; instead the long dimensions are spread over the invocations:
//   MODE 0 (A's rows are contiguous, sa_k = 1): 32 lanes along k per row, 8 rows per pass;
//   MODE 1 (A's columns are contiguous, sa_i = 1): 32 lanes along i, 8 slices of k.
// Either way each lane sums its own k in increasing order and the lanes' partial sums are
// added in a fixed order through shared memory: deterministic, no atomics. beta == 0 never
// reads C.
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint NS = 16;   // columns of C per workgroup
layout(constant_id = 1) const uint MODE = 0;

layout(push_constant) uniform Push {
  Floats a, b, c;
  uint m, n, k;
  uint sa_i, sa_k, sb_k, sb_j, sc_i, sc_j;
  float alpha, beta;
} p;

const uint LANES = 32, GROUPS = 8;  // 256 = LANES x GROUPS
shared float part[GROUPS][LANES][NS];

float acc[NS];

// Adds A(i, k) * B(k, j0 + j) for k = k_first, k_first + k_step, ... to acc.
void dot_columns(uint i, uint j0, uint nj, uint k_first, uint k_step) {
  [[unroll]] for (uint j = 0; j < NS; ++j) acc[j] = 0.0;
  if (i >= p.m) return;
  for (uint k = k_first; k < p.k; k += k_step) {
    const float x = p.a.v[i * p.sa_i + k * p.sa_k];
    [[unroll]] for (uint j = 0; j < NS; ++j)
      if (j < nj) acc[j] += x * p.b.v[k * p.sb_k + (j0 + j) * p.sb_j];
  }
}

void store(uint i, uint j, float sum) {
  const uint at = i * p.sc_i + j * p.sc_j;
  p.c.v[at] = p.beta == 0.0 ? p.alpha * sum : p.alpha * sum + p.beta * p.c.v[at];
}

void main() {
  const uint lane = gl_LocalInvocationID.x % LANES, group = gl_LocalInvocationID.x / LANES;
  const uint j0 = gl_WorkGroupID.x * NS, nj = min(NS, p.n - j0);
  const uint rows_per_pass = MODE == 0 ? GROUPS : LANES;
  // Row blocks beyond 65,535 workgroups loop here.
  for (uint i0 = gl_WorkGroupID.y * rows_per_pass; i0 < p.m; i0 += gl_NumWorkGroups.y * rows_per_pass) {
    if (MODE == 0) dot_columns(i0 + group, j0, nj, lane, LANES);
    else dot_columns(i0 + lane, j0, nj, group, GROUPS);
    [[unroll]] for (uint j = 0; j < NS; ++j) part[group][lane][j] = acc[j];
    barrier();
    if (MODE == 0) {  // row i0 + group: add the 32 lanes in order, lane j writes column j
      const uint i = i0 + group;
      if (lane < nj && i < p.m) {
        float sum = part[group][0][lane];
        for (uint l = 1; l < LANES; ++l) sum += part[group][l][lane];
        store(i, j0 + lane, sum);
      }
    } else {  // row i0 + lane: add the 8 slices in order; group g writes columns g, g + 8
      const uint i = i0 + lane;
      for (uint j = group; j < nj && i < p.m; j += GROUPS) {
        float sum = part[0][lane][j];
        for (uint g = 1; g < GROUPS; ++g) sum += part[g][lane][j];
        store(i, j0 + j, sum);
      }
    }
    barrier();
  }
}
