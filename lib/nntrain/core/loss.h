// Losses with PyTorch's mean reduction, each value next to its gradient; the fused
// sigmoid+bce (BCEWithLogitsLoss form) and softmax+cross_entropy heads.
// Targets are [B, T] floats: bce 0/1; cross_entropy the class index; regression the values.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "nntrain/core/config.h"
#include "nntrain/core/network.h"
#include "nntrain/core/tensor.h"

namespace nntrain {

class Loss {
 public:
  virtual ~Loss() = default;
  // Mean loss of the batch from the network's last forward (output and logits).
  // When `dgrad` is non-null it receives the gradient of that mean loss, [B, out], w.r.t.
  // the logits if uses_logits() (fused heads), else w.r.t. the output.
  double forward(ConstMatrix output, ConstMatrix logits, ConstMatrix target, Matrix* dgrad) const {
    return forward_part(output, logits, target, dgrad, mean_denominator(target));
  }
  // The same for some rows of a larger batch whose mean divides by `denominator` (that
  // batch's mean_denominator): returns these rows' share of the batch's mean loss, and dgrad
  // the gradient of the batch's mean loss w.r.t. these rows (a shard of grad_shards).
  virtual double forward_part(ConstMatrix output, ConstMatrix logits, ConstMatrix target, Matrix* dgrad,
                              double denominator) const = 0;
  virtual bool uses_logits() const = 0;
  // The denominator of the batch mean in rows (PyTorch's weighted cross_entropy: Σ of the
  // targets' class weights), so means of several batches combine exactly (evaluate_loss).
  virtual double batch_weight(ConstMatrix target) const { return double(target.rows); }
  // The denominator of the batch mean: every element of the target (bce, regression), or
  // batch_weight (cross_entropy, whose target is one class index per row).
  virtual double mean_denominator(ConstMatrix target) const { return double(target.size()); }
};

// class_weights: one per output class (cross_entropy), empty = unweighted; the caller maps
// config labels to class indices (see balanced_class_weights for `balanced`).
// Throws ConfigError when the loss does not fit the last layer (bce needs one sigmoid unit,
// cross_entropy a softmax layer).
std::unique_ptr<Loss> make_loss(const LossConfig& cfg, const LayerSpec& last_layer,
                                const std::vector<float>& class_weights = {});

// sklearn's "balanced": n_samples / (n_classes * count[c]).
std::vector<float> balanced_class_weights(const std::vector<size_t>& class_counts);

// The kernels, templated on float (training) and double (gradient checks). Each returns the
// mean loss and, when the gradient pointer is non-null, writes d(mean loss)/d(input) there.
// n = all elements (PyTorch's mean over every element); rows x classes for cross_entropy.
// `denom` < 0: the mean over these elements (n, or Σ weight[target]); denom >= 0: these are
// part of a batch whose mean divides by denom (Loss::forward_part).
// BCEWithLogitsLoss: l = (1-y)·x + (1+(pos_weight-1)·y)·softplus(-x).
template <class T>
double bce_with_logits_loss(const T* logits, const T* target, size_t n, double pos_weight, T* dlogits,
                            double denom = -1);
// CrossEntropyLoss on logits [rows, classes], target the class index as a number; weights
// [classes] or null; the weighted mean divides by Σ weight[target].
template <class T>
double cross_entropy_loss(const T* logits, const T* target, size_t rows, size_t classes, const float* weights,
                          T* dlogits, double denom = -1);
template <class T>
double mse_loss(const T* output, const T* target, size_t n, T* doutput, double denom = -1);
// L1Loss; its gradient at output == target is 0 (sign(0), as PyTorch).
template <class T>
double l1_loss(const T* output, const T* target, size_t n, T* doutput, double denom = -1);
// HuberLoss: 0.5·d² where |d| < delta, else delta·(|d| - 0.5·delta).
template <class T>
double huber_loss(const T* output, const T* target, size_t n, double delta, T* doutput, double denom = -1);

// One training step's forward+loss+backward on a batch (network in training mode):
// returns the mean batch loss; gradients accumulate into net.grads(). `dgrad` is a
// caller-owned [max_batch, out] scratch buffer (no allocation per batch). Draws the batch's
// dropout key from rng when the network has dropout.
double forward_backward(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, Rng& rng, Matrix dgrad);
// The same for rows row0 .. row0+x.rows-1 of a batch whose mean loss divides by `denominator`
// (Loss::mean_denominator of the whole batch's targets) and whose dropout key the caller drew:
// returns these rows' share of the batch's mean loss; gradients accumulate into net.grads().
double forward_backward_rows(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, uint64_t dropout_key,
                             size_t row0, double denominator, Matrix dgrad);

// Mean loss over all rows in eval mode (chunks of max_batch); when `outputs` is non-null it
// receives the network output for every row, [rows, out]. Restores the previous mode.
double evaluate_loss(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, Rng& rng, Matrix* outputs);

}  // namespace nntrain
