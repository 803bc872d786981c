// GPU ops (see ops.h): one push-constant struct per shader, laid out as the shader's
// push_constant block (8-byte device addresses first, then 4-byte scalars), and the dispatch
// shape of each.
#include "nntrain/gpu/ops.h"

#include <algorithm>

namespace nntrain::gpu {

static_assert(int(Act::identity) == 0 && int(Act::sigmoid) == 1 && int(Act::tanh) == 2 && int(Act::relu) == 3 &&
                  int(Act::leaky_relu) == 4 && int(Act::gelu) == 5 && int(Act::softmax) == 6,
              "activation.glsl's ACT_* codes follow core's enum Act");

namespace {

// The dropout fields shared by bias_act, act_backward and dropout_mask.
struct DropoutPush {
  uint32_t on = 0;
  float p = 0, scale = 0;
  uint32_t key_lo = 0, key_hi = 0, layer = 0, row0 = 0;
};

DropoutPush dropout_push(const Dropout& d) {
  DropoutPush p;
  if (!d.active()) return p;
  p.on = 1;
  p.p = float(d.p);  // core compares the draw with float(p) and scales by T(1/(1-p))
  p.scale = d.p >= 1.0 ? 0.0f : float(1.0 / (1.0 - d.p));
  p.key_lo = uint32_t(d.key);
  p.key_hi = uint32_t(d.key >> 32);
  p.layer = d.layer;
  p.row0 = uint32_t(d.row0);
  return p;
}

struct BiasActPush {
  uint64_t z, a, b, y;
  uint32_t rows, n, act, has_bias, a_is_z;
  float slope;
  DropoutPush drop;
};
struct SoftmaxPush {
  uint64_t z, a, b;
  uint32_t rows, n, has_bias;
};
struct ActBackwardPush {
  uint64_t dz, g, z, a;
  uint32_t rows, n, act;
  float slope;
  DropoutPush drop;
};
struct SoftmaxBackwardPush {
  uint64_t dz, g, a;
  uint32_t rows, n;
};
struct MaskPush {
  uint64_t mask;
  uint32_t rows, n;
  float p, scale;
  uint32_t key_lo, key_hi, layer, row0;
};
struct BiasGradPush {
  uint64_t db, dz;
  uint32_t rows, n, accumulate;
};
struct BcePush {
  uint64_t x, y, dx, losses, ctl;
  uint32_t n, slot;
  float pos_weight, scale;
};
struct CrossEntropyPush {
  uint64_t z, y, w, dz, losses, ctl;
  uint32_t rows, classes, slot, has_weights;
};
struct RegressionPush {
  uint64_t o, y, d, losses, ctl;
  uint32_t n, slot;
  float delta, k;
};
struct SumsqPush {
  uint64_t x, partial;
  uint32_t n, per_group;
};
struct ClipScalePush {
  uint64_t partial, out;
  uint32_t groups;
  float max_norm;
};
struct SgdPush {
  uint64_t param, grad, buf, clip, ctl;
  uint32_t n, has_clip, has_momentum, first, nesterov;
  float lr, momentum, wd;
};
struct AdamPush {
  uint64_t param, grad, m, v, clip, ctl;
  uint32_t n, has_clip;
  float step_size, bc2_sqrt, b1, b2, one_b1, one_b2, eps, l2, decay;
};
struct RmsPropPush {
  uint64_t param, grad, sq, buf, clip, ctl;
  uint32_t n, has_clip, has_momentum;
  float lr, alpha, one_alpha, eps, momentum, wd;
};
struct GatherPush {
  uint64_t dst, src, order;
  uint32_t rows, cols, start, first_row, block_rows;
};

// Each clip_grad_norm partial sum covers this many gradients (a fixed slicing: deterministic).
constexpr size_t kSumsqPerGroup = 8192;

}  // namespace

void bias_act_forward(Stream& s, Ptr z, Ptr a, Ptr b, size_t rows, size_t n, Act act, float slope,
                      const Dropout& dropout, Ptr y) {
  if (rows == 0 || n == 0) return;
  if (act == Act::softmax) {
    const SoftmaxPush p{z.address, a.address, b.address, uint32_t(rows), uint32_t(n), b ? 1u : 0u};
    s.dispatch(s.device().kernel("softmax"), groups_for(rows, 64), p);
    return;
  }
  const BiasActPush p{z.address,      a.address,   b.address, y.address, uint32_t(rows), uint32_t(n), uint32_t(act),
                      b ? 1u : 0u, a.address == z.address ? 1u : 0u, slope,     dropout_push(dropout)};
  s.dispatch(s.device().kernel("bias_act"), groups_for(rows * n, 256), p);
}

void act_backward(Stream& s, Ptr dz, Ptr g, Ptr z, Ptr a, size_t rows, size_t n, Act act, float slope,
                  const Dropout& dropout) {
  if (rows == 0 || n == 0) return;
  if (act == Act::softmax) {
    const SoftmaxBackwardPush p{dz.address, g.address, a.address, uint32_t(rows), uint32_t(n)};
    s.dispatch(s.device().kernel("softmax_backward"), groups_for(rows, 64), p);
    return;
  }
  const ActBackwardPush p{dz.address,     g.address,   z.address, a.address, uint32_t(rows),
                          uint32_t(n),    uint32_t(act), slope,   dropout_push(dropout)};
  s.dispatch(s.device().kernel("act_backward"), groups_for(rows * n, 256), p);
}

void dropout_make_mask(Stream& s, Ptr mask, size_t rows, size_t n, const Dropout& dropout) {
  if (rows == 0 || n == 0) return;
  const DropoutPush d = dropout_push(dropout);
  const MaskPush p{mask.address, uint32_t(rows), uint32_t(n), d.p, d.on ? d.scale : 1.0f, d.key_lo, d.key_hi,
                   d.layer,      d.row0};
  s.dispatch(s.device().kernel("dropout_mask"), groups_for(rows * n, 256), p);
}

void bias_grad(Stream& s, Ptr db, Ptr dz, size_t rows, size_t n, bool accumulate) {
  if (n == 0) return;
  // Columns per workgroup: the rest of its 256 invocations split the rows (narrow layers get
  // many lanes per column, wide ones many workgroups).
  const uint32_t cols = n < 16 ? 1 : (n < 1024 ? 16 : 64);
  const BiasGradPush p{db.address, dz.address, uint32_t(rows), uint32_t(n), accumulate ? 1u : 0u};
  s.dispatch(s.device().kernel("bias_grad", {cols}), Groups{div_up(n, cols), 1, 1}, p);
}

void bce_with_logits_loss(Stream& s, Ptr logits, Ptr target, size_t n, double pos_weight, Ptr dlogits, LossOut out) {
  const BcePush p{logits.address, target.address, dlogits.address, out.losses.address, out.ctl.address,
                  uint32_t(n),    out.slot,       float(pos_weight), float(1.0 / double(n))};
  s.dispatch(s.device().kernel("loss_bce"), Groups{}, p);
}

void cross_entropy_loss(Stream& s, Ptr logits, Ptr target, size_t rows, size_t classes, Ptr weights, Ptr dlogits,
                        LossOut out) {
  const CrossEntropyPush p{logits.address, target.address, weights.address, dlogits.address, out.losses.address,
                           out.ctl.address, uint32_t(rows), uint32_t(classes), out.slot,      weights ? 1u : 0u};
  s.dispatch(s.device().kernel("loss_cross_entropy"), Groups{}, p);
}

namespace {

void regression_loss(Stream& s, uint32_t kind, Ptr output, Ptr target, size_t n, double delta, double k, Ptr d,
                     LossOut out) {
  const RegressionPush p{output.address, target.address, d.address, out.losses.address, out.ctl.address,
                         uint32_t(n),    out.slot,       float(delta), float(k)};
  s.dispatch(s.device().kernel("loss_regression", {kind}), Groups{}, p);
}

}  // namespace

void mse_loss(Stream& s, Ptr output, Ptr target, size_t n, Ptr d, LossOut out) {
  regression_loss(s, 0, output, target, n, 0.0, 2.0 / double(n), d, out);
}
void l1_loss(Stream& s, Ptr output, Ptr target, size_t n, Ptr d, LossOut out) {
  regression_loss(s, 1, output, target, n, 0.0, 1.0 / double(n), d, out);
}
void huber_loss(Stream& s, Ptr output, Ptr target, size_t n, double delta, Ptr d, LossOut out) {
  regression_loss(s, 2, output, target, n, delta, 1.0 / double(n), d, out);
}

size_t clip_scratch_floats(size_t n) { return std::max<size_t>(1, (n + kSumsqPerGroup - 1) / kSumsqPerGroup); }

void clip_grad_norm(Stream& s, Ptr grads, size_t n, double max_norm, Ptr scratch, Ptr result) {
  const size_t groups = clip_scratch_floats(n);
  const SumsqPush a{grads.address, scratch.address, uint32_t(n), uint32_t(kSumsqPerGroup)};
  s.dispatch(s.device().kernel("sumsq_partial"), groups_for(groups, 1), a);
  const ClipScalePush b{scratch.address, result.address, uint32_t(groups), float(max_norm)};
  s.dispatch(s.device().kernel("clip_scale"), Groups{}, b);
}

void sgd_step(Stream& s, Ptr params, Ptr grads, Ptr buf, size_t n, float lr, float momentum, float wd, bool nesterov,
              bool first, StepArgs args) {
  const SgdPush p{params.address, grads.address, buf.address,   args.clip.address, args.ctl.address,
                  uint32_t(n),    args.clip ? 1u : 0u,     momentum != 0.0f ? 1u : 0u, first ? 1u : 0u,
                  nesterov ? 1u : 0u, lr, momentum, wd};
  s.dispatch(s.device().kernel("sgd"), groups_for(n, 256), p);
}

void adam_step(Stream& s, Ptr params, Ptr grads, Ptr m, Ptr v, size_t n, const AdamStepScalars& k, StepArgs args) {
  const AdamPush p{params.address, grads.address, m.address, v.address,   args.clip.address, args.ctl.address,
                   uint32_t(n),    args.clip ? 1u : 0u, k.step_size, k.bc2_sqrt, k.b1, k.b2, k.one_b1, k.one_b2,
                   k.eps,          k.l2,        k.decay};
  s.dispatch(s.device().kernel("adam"), groups_for(n, 256), p);
}

void rmsprop_step(Stream& s, Ptr params, Ptr grads, Ptr square_avg, Ptr buf, size_t n, float lr, float alpha,
                  float eps, float momentum, float wd, StepArgs args) {
  const RmsPropPush p{params.address, grads.address, square_avg.address, buf.address, args.clip.address,
                      args.ctl.address, uint32_t(n), args.clip ? 1u : 0u, momentum > 0.0f ? 1u : 0u, lr, alpha,
                      1.0f - alpha, eps, momentum, wd};
  s.dispatch(s.device().kernel("rmsprop"), groups_for(n, 256), p);
}

void gather_rows(Stream& s, Ptr dst, Ptr block, Ptr order, size_t start, size_t rows, size_t cols, size_t first_row,
                 size_t block_rows) {
  if (rows == 0 || cols == 0) return;
  const GatherPush p{dst.address,      block.address,        order.address,        uint32_t(rows), uint32_t(cols),
                     uint32_t(start), uint32_t(first_row), uint32_t(block_rows)};
  s.dispatch(s.device().kernel("gather_rows"), groups_for(rows * cols, 256), p);
}

}  // namespace nntrain::gpu
