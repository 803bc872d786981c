#version 450
// z += b (per column) and a = act(z), elementwise over [rows, n], for every activation but
// softmax (softmax.comp); then, with dropout, y = a * mask (philox.glsl, the rows being rows
// row0.. of the batch). When a and z are one buffer only act(z + b) is stored.
#include "common.glsl"
#include "activation.glsl"
#include "philox.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats z;
  Floats a;
  Floats b;
  Floats y;
  uint rows, n;
  uint act;
  uint has_bias;  // b is given
  uint a_is_z;    // a and z are one buffer
  float slope;
  uint dropout;   // y = a * mask
  float p, scale;
  uint key_lo, key_hi, layer, row0;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.rows * p.n) return;
  const uint col = i % p.n;
  float v = p.z.v[i];
  if (p.has_bias != 0) v += p.b.v[col];
  if (p.a_is_z == 0) p.z.v[i] = v;
  const float a = act_forward(p.act, v, p.slope);
  p.a.v[i] = a;
  if (p.dropout != 0)
    p.y.v[i] = a * dropout_mask(uvec2(p.key_lo, p.key_hi), p.row0 + i / p.n, col, p.layer, p.p, p.scale);
}
