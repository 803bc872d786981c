#version 450
// BCEWithLogitsLoss's mean over n elements and its gradient (core's bce_with_logits_loss), in
// one workgroup: l = (1-y)·x + (1+(pos_weight-1)·y)·softplus(-x). Writes the batch's mean loss
// to losses[slot] and, when it is NaN or infinite and no earlier slot was, slot + 1 to ctl[0].
#include "common.glsl"
#include "loss_common.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats x;
  Floats y;
  Floats dx;
  Floats losses;
  Uints ctl;
  uint n;
  uint slot;
  float pos_weight;
  float scale;  // 1 / n
} p;

void main() {
  float sum = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.n; i += 256) {
    const float xi = p.x.v[i], yi = p.y.v[i];
    const float e = exp(-abs(xi));
    const float softplus_neg = log1p_accurate(e) + max(-xi, 0.0);
    const float log_weight = 1.0 + (p.pos_weight - 1.0) * yi;
    sum += (1.0 - yi) * xi + log_weight * softplus_neg;
    const float sig_neg = xi >= 0.0 ? e / (1.0 + e) : 1.0 / (1.0 + e);  // σ(-x)
    p.dx.v[i] = ((1.0 - yi) - log_weight * sig_neg) * p.scale;
  }
  finish_loss(workgroup_sum(sum) / float(p.n), p.losses, p.slot, p.ctl);
}
