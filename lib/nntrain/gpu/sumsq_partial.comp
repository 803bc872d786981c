#version 450
// Clipping's first pass: workgroup g writes Σ x² over its slice [g·per_group, (g+1)·per_group)
// of x[n] to partial[g] (fixed slices and a fixed tree: deterministic).
#include "common.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats x;
  Floats partial;
  uint n;
  uint per_group;
} p;

shared float red[256];
#include "reduce.glsl"

void main() {
  const uint g = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint begin = g * p.per_group;
  const uint end = min(p.n, begin + p.per_group);
  float s = 0.0;
  for (uint i = begin + gl_LocalInvocationID.x; i < end; i += 256) s += p.x.v[i] * p.x.v[i];
  const float total = workgroup_sum(s);
  if (gl_LocalInvocationID.x == 0) p.partial.v[g] = total;
}
