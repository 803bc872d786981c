// The layer stack (see mlp.h): forward is GEMM then one fused bias+activation pass (then the
// dropout multiply); backward is the dropout multiply, the activation derivative in place,
// then the Linear's three GEMM-side updates. Large batches run in blocks of rows through all
// layers (cache-sized). Nothing is allocated after construction.
#include "nntrain/core/mlp.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "nntrain/core/dropout.h"
#include "nntrain/core/error.h"
#include "nntrain/core/linear.h"

namespace nntrain {

template <class T>
Mlp<T>::Mlp(const std::vector<LayerSpec>& specs, size_t in_features, size_t max_batch)
    : in_(in_features), max_batch_(max_batch) {
  if (specs.empty()) throw ConfigError("model.layers is empty: give at least one layer, e.g. {units: 1, activation: sigmoid}");
  if (in_features < 1) throw ConfigError("the network needs at least one input feature");
  if (max_batch < 1) throw ConfigError("the batch size must be at least 1");
  size_t in = in_features;
  size_t offset = 0;
  layers_.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const LayerSpec& s = specs[i];
    const std::string where = "model.layers." + std::to_string(i);
    const bool last = i + 1 == specs.size();
    if (s.units < 1) throw ConfigError(where + ".units must be at least 1 (got " + std::to_string(s.units) + ")");
    Layer& L = layers_[i];
    L.in = in;
    L.out = static_cast<size_t>(s.units);
    L.act = parse_activation(s.activation);
    L.slope = static_cast<T>(s.negative_slope);
    L.dropout = s.dropout;
    if (L.act == Act::softmax && !last)
      throw ConfigError(where + ": softmax is only allowed on the last layer; use relu, tanh or gelu for hidden layers");
    if (!(s.dropout >= 0.0 && s.dropout < 1.0))
      throw ConfigError(where + ".dropout must be in [0, 1) (got " + std::to_string(s.dropout) + ")");
    if (s.dropout > 0 && last)
      throw ConfigError(where + ": dropout on the last layer would drop outputs; put it on a hidden layer");
    if (!std::isfinite(s.negative_slope)) throw ConfigError(where + ".negative_slope must be a finite number");
    L.weight_offset = offset;
    L.bias_offset = offset + L.out * L.in;
    offset = L.bias_offset + L.out;

    const size_t n = max_batch * L.out;
    L.z_buf.assign(n, T(0));
    L.z = L.z_buf.data();
    // The activation runs in place unless its backward needs z or z must stay readable as logits.
    if (L.act == Act::identity || (!act_needs_z(L.act) && !last)) {
      L.a = L.z;
    } else {
      L.a_buf.assign(n, T(0));
      L.a = L.a_buf.data();
    }
    if (L.dropout > 0) {
      L.mask.assign(n, T(1));
      L.y_buf.assign(n, T(0));
      L.y = L.y_buf.data();
    } else {
      L.y = L.a;
    }
    L.g_buf.assign(n, T(0));
    in = L.out;
  }
  num_params_ = offset;
  // Row blocks of about kBlockBytes of activations (z, a, gradient) per block; a batch that
  // fits in two blocks runs as one. Mini-batches never split; large full batches do.
  constexpr size_t kBlockBytes = size_t(2) << 20;
  size_t row_bytes = in_features * sizeof(T);
  for (const Layer& L : layers_) row_bytes += 3 * L.out * sizeof(T);
  block_rows_ = std::max<size_t>(512, kBlockBytes / row_bytes / 64 * 64);
  if (max_batch <= 2 * block_rows_) block_rows_ = max_batch;
}

template <class T>
void Mlp<T>::set_keep_input_grad(bool keep) {
  if (keep) input_grad_.assign(max_batch_ * in_, T(0));
  else input_grad_.clear();
}

template <class T>
bool Mlp<T>::has_dropout() const {
  for (const Layer& L : layers_)
    if (L.dropout > 0) return true;
  return false;
}

template <class T>
const T* Mlp<T>::forward(const T* x, size_t rows, bool training, uint64_t dropout_key, size_t row0) {
  x_ = x;
  rows_ = rows;
  training_ = training;
  // Blocks of rows through all layers: a block's activations are still in cache for the fused
  // bias+activation pass and the next layer's GEMM (large full batches). A mask element
  // depends on its row in the batch only, so the blocks do not change the masks.
  for (size_t r0 = 0; r0 < rows; r0 += block_rows_) {
    const size_t n = std::min(block_rows_, rows - r0);
    const T* in = x + r0 * in_;
    for (size_t i = 0; i < layers_.size(); ++i) {
      Layer& L = layers_[i];
      const size_t at = r0 * L.out;
      linear_forward(L.z + at, in, params_ + L.weight_offset, n, L.in, L.out);  // z = x·Wᵀ
      bias_act_forward(L.z + at, L.a + at, params_ + L.bias_offset, n, L.out, L.act, L.slope);
      if (L.dropout > 0 && training) {
        dropout_make_mask(L.mask.data() + at, row0 + r0, n, L.out, uint32_t(i), L.dropout, dropout_key);
        dropout_forward(L.y + at, L.a + at, L.mask.data() + at, n * L.out);
        in = L.y + at;
      } else {
        in = L.a + at;  // no dropout: y == a; eval: dropout is the identity
      }
    }
  }
  return layers_.back().y;
}

template <class T>
void Mlp<T>::backward(const T* dout, bool from_logits) {
  const size_t rows = rows_;
  // The same row blocks as forward; parameter gradients accumulate block after block.
  for (size_t r0 = 0; r0 < rows; r0 += block_rows_) {
    const size_t n = std::min(block_rows_, rows - r0);
    for (size_t i = layers_.size(); i-- > 0;) {
      Layer& L = layers_[i];
      const bool last = i + 1 == layers_.size();
      const size_t at = r0 * L.out;
      const T* g = last ? dout + at : L.g_buf.data() + at;  // dL/d(layer output)
      const T* dz = g;
      if (!(last && from_logits)) {
        T* d = L.g_buf.data() + at;
        if (L.dropout > 0 && training_) {
          dropout_backward(d, g, L.mask.data() + at, n * L.out);
          g = d;
        }
        act_backward(d, g, L.z + at, L.a + at, n, L.out, L.act, L.slope);
        dz = d;
      }
      const size_t in_at = r0 * L.in;
      const T* x = i == 0 ? x_ + in_at
                          : (layers_[i - 1].dropout > 0 && training_ ? layers_[i - 1].y : layers_[i - 1].a) + in_at;
      T* dx = i == 0 ? (input_grad_.empty() ? nullptr : input_grad_.data() + in_at)
                     : layers_[i - 1].g_buf.data() + in_at;
      linear_backward(dx, grads_ + L.weight_offset, grads_ + L.bias_offset, dz, x, params_ + L.weight_offset, n,
                      L.in, L.out);
    }
  }
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace nntrain
