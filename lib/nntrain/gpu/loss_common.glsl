// Shared by the loss shaders: the workgroup sum, an accurate log1p, and the store of a batch's
// mean loss with the first-non-finite flag (ctl[0] = slot + 1 of the first bad batch).
shared float red[256];
#include "reduce.glsl"

// log(1 + e) without losing a small e (GLSL has no log1p): log(u)·e/(u-1) with u = 1 + e.
float log1p_accurate(float e) {
  const float u = 1.0 + e;
  return u == 1.0 ? e : log(u) * e / (u - 1.0);
}

void finish_loss(float mean, Floats losses, uint slot, Uints ctl) {
  if (gl_LocalInvocationID.x != 0) return;
  losses.v[slot] = mean;
  if (not_finite(mean) && ctl.v[0] == 0) ctl.v[0] = slot + 1;
}
