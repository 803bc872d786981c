// The sequential network: builds Linear/activation/dropout layers from the config, binds
// their parameter slices into one ParamStore, owns every activation buffer (sized for
// max_batch at construction), runs forward and backward. Allocates nothing after
// construction. Does not know about losses, optimizers or files.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nntrain/core/config.h"
#include "nntrain/core/rng.h"
#include "nntrain/core/tensor.h"

namespace nntrain {

// One named tensor of the state_dict: "layers.{i}.weight" [out, in] or "layers.{i}.bias" [out].
// Index i follows PyTorch's nn.Sequential: each config layer becomes Linear, then its
// activation (none for identity), then Dropout when dropout > 0, each taking an index.
struct ParamInfo {
  std::string name;
  std::vector<size_t> shape;
  size_t offset = 0;  // into params() / grads()
  size_t size = 0;    // number of floats
};

class Network {
 public:
  // Throws ConfigError for an impossible spec (no layers, units < 1, softmax not last, ...).
  Network(const std::vector<LayerSpec>& layers, size_t in_features, size_t max_batch);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  size_t in_features() const;
  size_t out_features() const;
  size_t max_batch() const;
  const std::vector<LayerSpec>& layer_specs() const;

  // All parameters in one contiguous buffer, all gradients in another of the same length.
  const std::vector<ParamInfo>& parameters() const;  // state_dict order
  size_t num_params() const;
  float* params();
  const float* params() const;
  float* grads();
  const float* grads() const;

  // init: auto (he after relu/leaky_relu/gelu, xavier otherwise) | he | xavier | torch.
  void init(const std::string& scheme, Rng& rng);

  void train();  // dropout active
  void eval();   // dropout off
  bool is_training() const;

  void zero_grad();

  // x: [B, in] with B <= max_batch. Returns the output [B, out] with the last activation
  // applied; valid until the next forward. In training mode a network with dropout draws one
  // key from rng (dropout.h) for this batch's masks; otherwise rng is untouched.
  ConstMatrix forward(ConstMatrix x, Rng& rng);
  // The same on rows row0 .. row0+B-1 of a batch whose dropout key the caller drew (a shard of
  // the batch gets the masks those rows get in the whole batch).
  ConstMatrix forward_rows(ConstMatrix x, uint64_t dropout_key, size_t row0);
  bool has_dropout() const;  // a training forward draws a dropout key
  // The last Linear's output (pre-activation) of the last forward: [B, out].
  ConstMatrix logits() const;

  // Backward through the whole network from dout = dL/d(output), or, for the fused
  // sigmoid+bce and softmax+cross_entropy heads, from dlogits = dL/d(logits), skipping the
  // last activation. Parameter gradients accumulate (+=); call zero_grad() between steps.
  void backward(ConstMatrix dout);
  void backward_from_logits(ConstMatrix dlogits);

  // Human-readable layers, shapes and parameter count (check, info, fit's first line).
  std::string summary() const;

  // Gradient w.r.t. the input x of the last forward, [B, in], filled by backward only after
  // set_keep_input_grad(true) (gradient checks; training never needs it).
  void set_keep_input_grad(bool keep);
  ConstMatrix input_grad() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nntrain
