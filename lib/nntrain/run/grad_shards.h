// training.grad_shards: a batch's gradient as the sum of S shard gradients added in shard
// order, so that it does not depend on how many processes compute the shards. The trainer's
// only contact with processes: it computes the shards this process owns and hands each to a
// GradientReducer. Not here: MPI (lib/nntrain/dist/ implements the reducer over ranks).
#pragma once
#include <cstddef>
#include <vector>

#include "nntrain/run/metrics.h"

namespace nntrain {

// First row of shard s of S in a batch of `rows` rows: floor(s·rows/S). Shard s holds rows
// [shard_row_begin(rows, s, S), shard_row_begin(rows, s + 1, S)); shards may be empty.
size_t shard_row_begin(size_t rows, size_t s, size_t shards);

// THE CONTRACT (any backend that computes a batch's gradient keeps it; the GPU one too):
//  1. The batch's dropout key is drawn once (rng.next_u64(), when the network has dropout),
//     before any shard: every shard, on any process, uses that key with its rows' indices in
//     the whole batch (Network::forward_rows).
//  2. This process computes shards first_shard() .. first_shard() + local_shards() - 1, in
//     order; each from zeroed gradients, as the gradient of the WHOLE batch's mean loss with
//     respect to the parameters through its rows only (the loss divides by the whole batch's
//     Loss::mean_denominator, not by the shard's: forward_backward_rows).
//  3. After each: add_shard(i, grad, loss_part) with i counted from 0 in this process, grad
//     the shard's gradient [P] and loss_part its share of the batch's mean loss.
//  4. finish(grad) then writes the batch gradient into grad [P]: g_0 + g_1 + ... + g_{S-1}
//     added elementwise left to right, in float, starting from g_0 itself (never from a zero:
//     -0 stays -0); and returns the batch's mean loss, the loss parts added left to right in
//     double. Every process gets the same bytes, whatever the process count.
// With S = 1 the gradient is the one shard's, untouched: the arithmetic of a plain batch.
class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  virtual size_t shards() const = 0;       // S
  virtual size_t first_shard() const = 0;  // the first shard this process computes
  virtual size_t local_shards() const = 0;
  virtual void add_shard(size_t i, const float* grad, double loss_part) = 0;
  // A non-finite loss skips the gradient (the trainer stops without stepping): grad is then
  // left as it is, the loss returned all the same.
  virtual double finish(float* grad) = 0;

  // Validation after an epoch, which the LR schedule and early stopping decide on. Processes
  // must decide alike, or one leaves training while the others wait for it in a collective;
  // and CPUs of different kinds round the same validation differently. So one process
  // computes it (computes_validation()) and share_validation() hands its numbers to all:
  // on the others, val_loss and the metrics' values are overwritten (names and order are the
  // task's, metric_names). A single process computes and shares with itself: no-ops.
  virtual bool computes_validation() const { return true; }
  virtual void share_validation(double& /*val_loss*/, std::vector<Metric>& /*metrics*/) {}
};

// One process computing all S shards: S - 1 additions into one accumulator (none for S = 1).
class LocalGradientReducer final : public GradientReducer {
 public:
  LocalGradientReducer(size_t shards, size_t num_params);
  size_t shards() const override { return shards_; }
  size_t first_shard() const override { return 0; }
  size_t local_shards() const override { return shards_; }
  void add_shard(size_t i, const float* grad, double loss_part) override;
  double finish(float* grad) override;

 private:
  size_t shards_;
  std::vector<float> sum_;          // [P], the gradients of shards 0..i; unused for S = 1
  std::vector<double> loss_parts_;  // [S]
};

}  // namespace nntrain
