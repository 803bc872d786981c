#version 450
// MSELoss, L1Loss and HuberLoss (core's mse_loss, l1_loss, huber_loss) over n elements, mean
// and gradient, in one workgroup; KIND picks the loss (0 mse, 1 l1, 2 huber).
#include "common.glsl"
#include "loss_common.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint KIND = 0;

layout(push_constant) uniform Push {
  Floats o;
  Floats y;
  Floats d;
  Floats losses;
  Uints ctl;
  uint n;
  uint slot;
  float delta;
  float k;  // 2/n for mse, 1/n otherwise
} p;

void main() {
  float sum = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.n; i += 256) {
    const float diff = p.o.v[i] - p.y.v[i];
    if (KIND == 0) {
      sum += diff * diff;
      p.d.v[i] = p.k * diff;
    } else if (KIND == 1) {
      sum += abs(diff);
      p.d.v[i] = diff > 0.0 ? p.k : (diff < 0.0 ? -p.k : 0.0);
    } else {
      const float a = abs(diff);
      sum += a < p.delta ? 0.5 * diff * diff : p.delta * (a - 0.5 * p.delta);
      p.d.v[i] = p.k * (diff < -p.delta ? -p.delta : (diff > p.delta ? p.delta : diff));
    }
  }
  finish_loss(workgroup_sum(sum) / float(p.n), p.losses, p.slot, p.ctl);
}
