// Losses with PyTorch's mean reduction, each value next to its gradient; the fused
// sigmoid+bce (BCEWithLogitsLoss form) and softmax+cross_entropy heads.
// Targets are [B, T] floats: bce 0/1; cross_entropy the class index; regression the values.
#pragma once
#include <memory>
#include <vector>

#include "nntrain/config.h"
#include "nntrain/network.h"
#include "nntrain/tensor.h"

namespace nntrain {

class Loss {
 public:
  virtual ~Loss() = default;
  // Mean loss of the batch from the network's last forward (output and logits).
  // When `dgrad` is non-null it receives the gradient of that mean loss, [B, out], w.r.t.
  // the logits if uses_logits() (fused heads), else w.r.t. the output.
  virtual double forward(ConstMatrix output, ConstMatrix logits, ConstMatrix target, Matrix* dgrad) const = 0;
  virtual bool uses_logits() const = 0;
};

// class_weights: one per output class (cross_entropy), empty = unweighted; the caller maps
// config labels to class indices (see balanced_class_weights for `balanced`).
// Throws ConfigError when the loss does not fit the last layer (bce needs one sigmoid unit,
// cross_entropy a softmax layer).
std::unique_ptr<Loss> make_loss(const LossConfig& cfg, const LayerSpec& last_layer,
                                const std::vector<float>& class_weights = {});

// sklearn's "balanced": n_samples / (n_classes * count[c]).
std::vector<float> balanced_class_weights(const std::vector<size_t>& class_counts);

// One training step's forward+loss+backward on a batch (network in training mode):
// returns the mean batch loss; gradients accumulate into net.grads(). `dgrad` is a
// caller-owned [max_batch, out] scratch buffer (no allocation per batch).
double forward_backward(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, Rng& rng, Matrix dgrad);

// Mean loss over all rows in eval mode (chunks of max_batch); when `outputs` is non-null it
// receives the network output for every row, [rows, out]. Restores the previous mode.
double evaluate_loss(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, Rng& rng, Matrix* outputs);

}  // namespace nntrain
