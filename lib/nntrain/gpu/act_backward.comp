#version 450
// dz = act'(z) applied to g (core's act_backward), elementwise over [rows, n], for every
// activation but softmax (softmax_backward.comp); with dropout g is first multiplied by the
// forward's mask (recomputed from the key, not stored). dz may alias g.
#include "common.glsl"
#include "activation.glsl"
#include "philox.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats dz;
  Floats g;
  Floats z;
  Floats a;
  uint rows, n;
  uint act;
  float slope;
  uint dropout;
  float p, scale;
  uint key_lo, key_hi, layer, row0;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.rows * p.n) return;
  float g = p.g.v[i];
  if (p.dropout != 0)
    g *= dropout_mask(uvec2(p.key_lo, p.key_hi), p.row0 + i / p.n, i % p.n, p.layer, p.p, p.scale);
  const float z = (p.act == ACT_LEAKY_RELU || p.act == ACT_GELU) ? p.z.v[i] : 0.0;
  const float a = (p.act == ACT_SIGMOID || p.act == ACT_TANH || p.act == ACT_RELU) ? p.a.v[i] : 0.0;
  p.dz.v[i] = act_backward(p.act, g, z, a, p.slope);
}
