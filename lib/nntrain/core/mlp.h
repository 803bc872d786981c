// The layer stack behind Network, templated on float (training) and double (the gradient
// checker runs a whole network in double): Linear -> activation -> dropout per config layer,
// parameter views into flat buffers owned by the caller, activation buffers sized for max_batch
// at construction. Not here: names, init, summary, train/eval policy (network.h).
#pragma once
#include <cstddef>
#include <vector>

#include "nntrain/core/activation.h"
#include "nntrain/core/config.h"

namespace nntrain {

template <class T>
class Mlp {
 public:
  struct Layer {
    size_t in = 0, out = 0;
    Act act = Act::identity;
    T slope = T(0.01);
    double dropout = 0;
    size_t weight_offset = 0;  // W: [out, in] at params + weight_offset
    size_t bias_offset = 0;    // b: [out] right after W
    std::vector<T> z_buf, a_buf, mask, y_buf, g_buf;  // each [max_batch, out] where used
    T* z = nullptr;  // pre-activation (logits for the last layer)
    T* a = nullptr;  // activation, == z when the activation runs in place
    T* y = nullptr;  // layer output: after dropout when dropout > 0, else == a
  };

  // Throws ConfigError for an impossible spec (no layers, units < 1, softmax not last,
  // dropout outside [0, 1) or on the last layer).
  Mlp(const std::vector<LayerSpec>& specs, size_t in_features, size_t max_batch);
  Mlp(const Mlp&) = delete;
  Mlp& operator=(const Mlp&) = delete;

  size_t num_params() const { return num_params_; }
  size_t in_features() const { return in_; }
  size_t out_features() const { return layers_.back().out; }
  size_t max_batch() const { return max_batch_; }
  bool has_dropout() const;  // any layer with dropout > 0: a training batch draws a key
  const std::vector<Layer>& layers() const { return layers_; }

  // params, grads: num_params() each, owned by the caller; must outlive the Mlp.
  void bind(T* params, T* grads) { params_ = params; grads_ = grads; }

  // x: [rows, in] = rows row0 .. row0+rows-1 of a batch (row0 > 0 when this is a shard of
  // it), kept by pointer until backward. Training mode applies the dropout masks of the
  // batch's dropout_key to those rows (dropout.h: the same key gives the same masks, so a
  // repeated forward with one key has frozen masks). Returns the output [rows, out], last
  // activation applied.
  const T* forward(const T* x, size_t rows, bool training, uint64_t dropout_key, size_t row0 = 0);
  const T* logits() const { return layers_.back().z; }
  size_t rows() const { return rows_; }

  // From dout = dL/d(output) [rows, out], or with from_logits from dL/d(logits) (skipping the
  // last activation). Parameter gradients accumulate; the input gradient [rows, in] is
  // written to input_grad() when keep_input_grad was set.
  void backward(const T* dout, bool from_logits);
  void set_keep_input_grad(bool keep);
  const T* input_grad() const { return input_grad_.empty() ? nullptr : input_grad_.data(); }

 private:
  std::vector<Layer> layers_;
  size_t in_ = 0, max_batch_ = 0, num_params_ = 0, rows_ = 0;
  size_t block_rows_ = 0;  // forward/backward run in blocks of this many rows (see mlp.cpp)
  bool training_ = false;
  const T* x_ = nullptr;
  T* params_ = nullptr;
  T* grads_ = nullptr;
  std::vector<T> input_grad_;
};

}  // namespace nntrain
