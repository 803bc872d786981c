#version 450
// The second half of the split-K GEMM (gemm_tile.comp with SPLIT): C = alpha * (w[0] + w[1] +
// ... + w[splits - 1]) + beta * C over [M, N], the partials added in that fixed order, so the
// result does not depend on which workgroup finished first. beta == 0 never reads C.
#include "common.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats w;  // [splits][M][N], row-major
  Floats c;  // [M][ldc]
  uint m, n, ldc, splits;
  float alpha, beta;
} p;

void main() {
  const uint e = flat_index();
  if (e >= p.m * p.n) return;
  float sum = p.w.v[e];
  for (uint z = 1; z < p.splits; ++z) sum += p.w.v[z * p.m * p.n + e];
  const uint at = (e / p.n) * p.ldc + e % p.n;
  p.c.v[at] = p.beta == 0.0 ? p.alpha * sum : p.alpha * sum + p.beta * p.c.v[at];
}
