#version 450
// The pre-scaled dropout mask of rows row0.. of a batch, [rows, n] (core's dropout_make_mask):
// for tests and the parity check; training recomputes masks inside bias_act/act_backward.
#include "common.glsl"
#include "philox.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats mask;
  uint rows, n;
  float p, scale;
  uint key_lo, key_hi, layer, row0;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.rows * p.n) return;
  p.mask.v[i] = dropout_mask(uvec2(p.key_lo, p.key_hi), p.row0 + i / p.n, i % p.n, p.layer, p.p, p.scale);
}
