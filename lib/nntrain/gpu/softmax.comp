#version 450
// Softmax over each row of z [rows, n] after z += b: z keeps the logits (with bias), a gets
// the probabilities. One invocation per row, as core's loop: max, sum of exp, scale.
#include "common.glsl"

layout(local_size_x = 64) in;

layout(push_constant) uniform Push {
  Floats z;
  Floats a;
  Floats b;
  uint rows, n;
  uint has_bias;
} p;

void main() {
  const uint r = flat_index();
  if (r >= p.rows) return;
  const uint at = r * p.n;
  float m = -3.402823466e38;
  for (uint j = 0; j < p.n; ++j) {
    float v = p.z.v[at + j];
    if (p.has_bias != 0) v += p.b.v[j];
    p.z.v[at + j] = v;
    m = max(m, v);
  }
  float s = 0.0;
  for (uint j = 0; j < p.n; ++j) {
    const float e = exp(p.z.v[at + j] - m);
    p.a.v[at + j] = e;
    s += e;
  }
  const float inv = 1.0 / s;
  for (uint j = 0; j < p.n; ++j) p.a.v[at + j] *= inv;
}
