#version 450
// z += b (per column) and a = act(z), elementwise over [rows, n], for every activation but
// softmax (softmax.comp). When a and z are one buffer only act(z + b) is stored.
#include "common.glsl"
#include "activation.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats z;
  Floats a;
  Floats b;
  uint rows, n;
  uint act;
  uint has_bias;  // b is given
  uint a_is_z;    // a and z are one buffer
  float slope;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.rows * p.n) return;
  float v = p.z.v[i];
  if (p.has_bias != 0) v += p.b.v[i % p.n];
  if (p.a_is_z == 0) p.z.v[i] = v;
  p.a.v[i] = act_forward(p.act, v, p.slope);
}
