#version 450
// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, op = transpose per specialization
// constant. The first, untuned GEMM: 64x64 tiles of C per workgroup of 256, 4x4 per invocation,
// K in steps of 16 through shared memory. Deterministic: each C element is summed by one
// invocation in increasing k. beta == 0 never reads C (NaN there does not leak in).
#include "common.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint TRANS_A = 0;
layout(constant_id = 1) const uint TRANS_B = 0;

layout(push_constant) uniform Push {
  Floats a;
  Floats b;
  Floats c;
  uint m, n, k;
  uint lda, ldb, ldc;
  float alpha, beta;
} p;

const uint TM = 64, TN = 64, TK = 16;
shared float As[TK][TM + 1];  // As[kk][i] = op(A)[row0 + i][k0 + kk]
shared float Bs[TK][TN + 1];  // Bs[kk][j] = op(B)[k0 + kk][col0 + j]

float load_a(uint i, uint kk) {  // op(A)[i][kk], 0 outside
  if (i >= p.m || kk >= p.k) return 0.0;
  return TRANS_A != 0 ? p.a.v[kk * p.lda + i] : p.a.v[i * p.lda + kk];
}
float load_b(uint kk, uint j) {  // op(B)[kk][j], 0 outside
  if (kk >= p.k || j >= p.n) return 0.0;
  return TRANS_B != 0 ? p.b.v[j * p.ldb + kk] : p.b.v[kk * p.ldb + j];
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint tx = t % 16, ty = t / 16;  // this invocation's 4x4: rows ty*4.., cols tx*4..
  const uint row0 = gl_WorkGroupID.y * TM, col0 = gl_WorkGroupID.x * TN;
  float acc[4][4];
  for (uint i = 0; i < 4; ++i)
    for (uint j = 0; j < 4; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < p.k; k0 += TK) {
    // 1024 elements of each tile, 4 per invocation; the fast index follows memory order.
    for (uint e = t; e < TM * TK; e += 256) {
      uint i, kk;
      if (TRANS_A != 0) { i = e % TM; kk = e / TM; } else { kk = e % TK; i = e / TK; }
      As[kk][i] = load_a(row0 + i, k0 + kk);
      uint j, kb;
      if (TRANS_B != 0) { kb = e % TK; j = e / TK; } else { j = e % TN; kb = e / TN; }
      Bs[kb][j] = load_b(k0 + kb, col0 + j);
    }
    barrier();
    for (uint kk = 0; kk < TK; ++kk) {
      float av[4], bv[4];
      for (uint i = 0; i < 4; ++i) av[i] = As[kk][ty * 4 + i];
      for (uint j = 0; j < 4; ++j) bv[j] = Bs[kk][tx * 4 + j];
      for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
    }
    barrier();
  }
  for (uint i = 0; i < 4; ++i) {
    const uint r = row0 + ty * 4 + i;
    if (r >= p.m) break;
    for (uint j = 0; j < 4; ++j) {
      const uint c = col0 + tx * 4 + j;
      if (c >= p.n) break;
      const uint at = r * p.ldc + c;
      const float v = p.alpha * acc[i][j];
      p.c.v[at] = p.beta == 0.0 ? v : v + p.beta * p.c.v[at];
    }
  }
}
