#version 450
// CrossEntropyLoss on logits z [rows, classes] with the class index as a float target and
// optional class weights (core's cross_entropy_loss), in one workgroup: the weighted mean
// divides by Σ weight[target], found first; one invocation per row for the log-sum-exp and
// the gradient k·softmax(z) - k·onehot, k = weight / denominator.
#include "common.glsl"
#include "loss_common.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Push {
  Floats z;
  Floats y;
  Floats w;
  Floats dz;
  Floats losses;
  Uints ctl;
  uint rows, classes;
  uint slot;
  uint has_weights;
} p;

float weight_of(uint cls) { return p.has_weights != 0 ? p.w.v[cls] : 1.0; }

void main() {
  float wsum = 0.0;
  for (uint r = gl_LocalInvocationID.x; r < p.rows; r += 256) wsum += weight_of(uint(p.y.v[r]));
  const float denom = workgroup_sum(wsum);
  const float inv = 1.0 / denom;
  float sum = 0.0;
  for (uint r = gl_LocalInvocationID.x; r < p.rows; r += 256) {
    const uint at = r * p.classes;
    const uint t = uint(p.y.v[r]);
    const float w = weight_of(t);
    float m = p.z.v[at];
    for (uint j = 1; j < p.classes; ++j) m = max(m, p.z.v[at + j]);
    float s = 0.0;
    for (uint j = 0; j < p.classes; ++j) s += exp(p.z.v[at + j] - m);
    const float lse = m + log(s);
    sum += w * (lse - p.z.v[at + t]);
    const float k = w * inv;
    for (uint j = 0; j < p.classes; ++j) p.dz.v[at + j] = k * exp(p.z.v[at + j] - lse);
    p.dz.v[at + t] -= k;
  }
  finish_loss(workgroup_sum(sum) / denom, p.losses, p.slot, p.ctl);
}
