// A deterministic sum over the 256 invocations of a workgroup: each contributes `v`; every
// invocation gets the total, added in a fixed tree order. Needs `shared float red[256];`.
float workgroup_sum(float v) {
  const uint t = gl_LocalInvocationID.x;
  barrier();  // red may still be read by a previous call
  red[t] = v;
  barrier();
  for (uint s = 128; s > 0; s /= 2) {
    if (t < s) red[t] += red[t + s];
    barrier();
  }
  return red[0];
}
