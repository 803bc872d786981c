#version 450
// torch.optim.RMSprop (core's RmsProp): g += wd·p; s = α·s + (1-α)·g²; avg = √s + eps;
// momentum > 0: buf = momentum·buf + g/avg, p -= lr·buf; else p -= lr·g/avg.
#include "common.glsl"
#include "optimizer.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats param;
  Floats grad;
  Floats sq;
  Floats buf;
  Floats clip;
  Uints ctl;
  uint n;
  uint has_clip, has_momentum;
  float lr, alpha, one_alpha, eps, momentum, wd;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.n || step_skipped(p.ctl)) return;
  const float gi = clipped(p.grad.v[i], p.has_clip, p.clip) + p.wd * p.param.v[i];
  const float s = p.alpha * p.sq.v[i] + p.one_alpha * gi * gi;
  p.sq.v[i] = s;
  const float avg = sqrt(s) + p.eps;
  if (p.has_momentum != 0) {
    const float b = p.momentum * p.buf.v[i] + gi / avg;
    p.buf.v[i] = b;
    p.param.v[i] -= p.lr * b;
  } else {
    p.param.v[i] -= p.lr * (gi / avg);
  }
}
