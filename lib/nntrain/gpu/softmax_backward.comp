#version 450
// Softmax's backward per row (core's act_backward for softmax): dz_j = a_j (g_j - Σ_k g_k a_k).
// One invocation per row; dz may alias g.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(push_constant) uniform Push {
  Floats dz;
  Floats g;
  Floats a;
  uint rows, n;
} p;

void main() {
  const uint r = flat_index();
  if (r >= p.rows) return;
  const uint at = r * p.n;
  float dot = 0.0;
  for (uint j = 0; j < p.n; ++j) dot += p.g.v[at + j] * p.a.v[at + j];
  for (uint j = 0; j < p.n; ++j) p.dz.v[at + j] = p.a.v[at + j] * (p.g.v[at + j] - dot);
}
