#version 450
// torch.optim.SGD (core's Sgd): d = g + wd·p; buf = d (first step) or momentum·buf + d;
// d = nesterov ? d + momentum·buf : buf; p -= lr·d. Without momentum: p -= lr·(g + wd·p).
#include "common.glsl"
#include "optimizer.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats param;
  Floats grad;
  Floats buf;
  Floats clip;
  Uints ctl;
  uint n;
  uint has_clip, has_momentum, first, nesterov;
  float lr, momentum, wd;
} p;

void main() {
  const uint i = flat_index();
  if (i >= p.n || step_skipped(p.ctl)) return;
  const float g = clipped(p.grad.v[i], p.has_clip, p.clip);
  if (p.has_momentum == 0) {
    p.param.v[i] -= p.lr * (g + p.wd * p.param.v[i]);
    return;
  }
  const float d = p.wd != 0.0 ? g + p.wd * p.param.v[i] : g;
  const float b = p.first != 0 ? d : p.momentum * p.buf.v[i] + d;
  p.buf.v[i] = b;
  p.param.v[i] -= p.lr * (p.nesterov != 0 ? d + p.momentum * b : b);
}
