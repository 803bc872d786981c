#version 450
// torch.optim.Adam / AdamW (core's Adam, same float operations in the same order): g += l2·p;
// p *= decay; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= step_size·m / (√v/bc2_sqrt + eps).
// The step-dependent scalars come from the host (adam_step_scalars), as core computes them.
#include "common.glsl"
#include "optimizer.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats param;
  Floats grad;
  Floats m;
  Floats v;
  Floats clip;
  Uints ctl;
  uint n;
  uint has_clip;
  float step_size, bc2_sqrt, b1, b2, one_b1, one_b2, eps, l2, decay;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.n || step_skipped(p.ctl)) return;
  const float pi0 = p.param.v[i];
  const float gi = clipped(p.grad.v[i], p.has_clip, p.clip) + p.l2 * pi0;
  const float pi = pi0 * p.decay;
  const float mi = p.b1 * p.m.v[i] + p.one_b1 * gi;
  const float vi = p.b2 * p.v.v[i] + p.one_b2 * gi * gi;
  p.m.v[i] = mi;
  p.v.v[i] = vi;
  p.param.v[i] = pi - p.step_size * (mi / (sqrt(vi) / p.bc2_sqrt + p.eps));
}
