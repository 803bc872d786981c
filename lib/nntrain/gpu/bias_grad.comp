#version 450
// db[n] (+)= Σ_rows dz[rows, n]: each workgroup owns COLS columns; its 256/COLS lanes sum a
// fixed stride of rows each, then a shared-memory tree adds the lanes in a fixed order
// (deterministic; no atomics). COLS is a specialization constant the host picks per width.
#include "common.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint COLS = 16;
const uint LANES = 256 / COLS;

layout(push_constant) uniform Push {
  Floats db;
  Floats dz;
  uint rows, n;
  uint accumulate;
} p;

shared float part[256];

void main() {
  const uint t = gl_LocalInvocationID.x;
  const uint c = t % COLS, lane = t / COLS;
  const uint col = gl_WorkGroupID.x * COLS + c;
  float s = 0.0;
  if (col < p.n)
    for (uint r = lane; r < p.rows; r += LANES) s += p.dz.v[r * p.n + col];
  part[t] = s;
  barrier();
  for (uint half_lanes = LANES / 2; half_lanes > 0; half_lanes /= 2) {
    if (lane < half_lanes) part[t] += part[t + half_lanes * COLS];
    barrier();
  }
  if (lane == 0 && col < p.n) p.db.v[col] = p.accumulate != 0 ? p.db.v[col] + part[t] : part[t];
}
