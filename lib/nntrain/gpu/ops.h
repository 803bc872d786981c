// The GPU side of core's op vocabulary: each function records one kernel (or two) into a
// Stream, named after the CPU kernel it mirrors and taking the same arguments and shapes, on
// device pointers (Ptr) instead of host ones. GEMMs are in gemm.h; the optimizers' state and
// step scalars in optimizer.h. Every reduction has a fixed order (no atomics): the same work
// on the same device gives the same bits.
#pragma once
#include <cstddef>
#include <cstdint>

#include "nntrain/core/activation.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/gpu/buffer.h"
#include "nntrain/gpu/stream.h"

namespace nntrain::gpu {

// Dropout of one layer in a training batch (core/dropout.h): the masks are recomputed from the
// key wherever they are needed, never stored. rows are rows row0.. of the batch.
struct Dropout {
  double p = 0;           // 0 = no dropout
  uint64_t key = 0;       // the batch's key
  uint32_t layer = 0;     // config-layer index
  size_t row0 = 0;
  bool active() const { return p > 0; }
};

// core's bias_act_forward: z [B, n] += b (b may be Ptr{}), a = act(z) (a may be z); with an
// active dropout also y = a ⊙ mask (softmax, a last-layer activation, takes no dropout).
void bias_act_forward(Stream& s, Ptr z, Ptr a, Ptr b, size_t rows, size_t n, Act act, float negative_slope,
                      const Dropout& dropout = {}, Ptr y = {});
// core's act_backward after dropout_backward: dz = act'(z) applied to g ⊙ mask (g alone without
// dropout). z is read for leaky_relu and gelu, a for the others; dz may alias g.
void act_backward(Stream& s, Ptr dz, Ptr g, Ptr z, Ptr a, size_t rows, size_t n, Act act, float negative_slope,
                  const Dropout& dropout = {});
// core's dropout_make_mask: mask [rows, n] of rows row0.. (tests; training never stores masks).
void dropout_make_mask(Stream& s, Ptr mask, size_t rows, size_t n, const Dropout& dropout);
// db [n] (+)= Σ_rows dz [rows, n]: accumulate adds to db, else overwrites it.
void bias_grad(Stream& s, Ptr db, Ptr dz, size_t rows, size_t n, bool accumulate);

// Where a loss kernel leaves the batch's mean loss: losses[slot]; and ctl[0] (a uint), set to
// slot + 1 when that mean is NaN or infinite and ctl[0] was still 0. The optimizer steps read
// ctl[0] and do nothing once it is set (a diverged batch does not step, nor any after it).
struct LossOut {
  Ptr losses;
  uint32_t slot = 0;
  Ptr ctl;
};
// core's loss kernels: the mean loss to `out`, the gradient of the mean w.r.t. the input to d*.
void bce_with_logits_loss(Stream& s, Ptr logits, Ptr target, size_t n, double pos_weight, Ptr dlogits, LossOut out);
// weights [classes] or Ptr{} for none; target: the class index as a float, [rows].
void cross_entropy_loss(Stream& s, Ptr logits, Ptr target, size_t rows, size_t classes, Ptr weights, Ptr dlogits,
                        LossOut out);
void mse_loss(Stream& s, Ptr output, Ptr target, size_t n, Ptr doutput, LossOut out);
void l1_loss(Stream& s, Ptr output, Ptr target, size_t n, Ptr doutput, LossOut out);
void huber_loss(Stream& s, Ptr output, Ptr target, size_t n, double delta, Ptr doutput, LossOut out);

// core's clip_grad_norm, in two passes: result[0] = the factor each gradient is to be
// multiplied by (max_norm / (norm + 1e-6) when below 1, else 1), result[1] = the norm. The
// optimizer steps apply the factor (StepArgs::clip). scratch: clip_scratch_floats(n) floats.
size_t clip_scratch_floats(size_t n);
void clip_grad_norm(Stream& s, Ptr grads, size_t n, double max_norm, Ptr scratch, Ptr result);

// What every optimizer step reads besides its buffers: ctl[0] != 0 skips the step; clip, when
// given, points at clip_grad_norm's factor.
struct StepArgs {
  Ptr ctl;
  Ptr clip;
};
// torch.optim.SGD's step (core's Sgd): buf may be Ptr{} when momentum is 0; first = the first
// step since the buffer was created.
void sgd_step(Stream& s, Ptr params, Ptr grads, Ptr buf, size_t n, float lr, float momentum, float weight_decay,
              bool nesterov, bool first, StepArgs args);
// Adam / AdamW with the scalars of core's adam_step_scalars for this step.
void adam_step(Stream& s, Ptr params, Ptr grads, Ptr m, Ptr v, size_t n, const AdamStepScalars& k, StepArgs args);
// RMSprop (core's RmsProp): buf may be Ptr{} when momentum is 0.
void rmsprop_step(Stream& s, Ptr params, Ptr grads, Ptr square_avg, Ptr buf, size_t n, float lr, float alpha,
                  float eps, float momentum, float weight_decay, StepArgs args);

// dst [rows, cols] = the rows order[start .. start+rows) of the data, for those whose index
// lies in the block [first_row, first_row + block_rows) that `block` holds; one call per block
// covers data split over several buffers. order: uint32 row indices.
void gather_rows(Stream& s, Ptr dst, Ptr block, Ptr order, size_t start, size_t rows, size_t cols, size_t first_row,
                 size_t block_rows);

}  // namespace nntrain::gpu
