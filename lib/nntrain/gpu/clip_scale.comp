#version 450
// Clipping's second pass (torch.nn.utils.clip_grad_norm_, core's clip_grad_norm): the global
// norm from the partial sums, then the factor the optimizer multiplies every gradient by:
// max_norm / (norm + 1e-6) when that is below 1, else 1. out[0] = factor, out[1] = norm.
#include "common.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats partial;
  Floats out_;
  uint groups;
  float max_norm;
} p;

shared float red[256];
#include "reduce.glsl"

void main() {
  float s = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.groups; i += 256) s += p.partial.v[i];
  const float norm = sqrt(workgroup_sum(s));
  if (gl_LocalInvocationID.x != 0) return;
  const float coef = p.max_norm / (norm + 1e-6);
  p.out_.v[0] = coef < 1.0 ? coef : 1.0;
  p.out_.v[1] = norm;
}
