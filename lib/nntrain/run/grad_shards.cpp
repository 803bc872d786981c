// The shard arithmetic of grad_shards.h for one process. The MPI reducer (dist/) does the
// same additions on slices of the parameters, so both must stay in this order.
#include "nntrain/run/grad_shards.h"

#include <algorithm>
#include <cmath>

namespace nntrain {

size_t shard_row_begin(size_t rows, size_t s, size_t shards) {
  return s * rows / shards;  // rows < 2^32 and S <= 65536 (config): no overflow
}

LocalGradientReducer::LocalGradientReducer(size_t shards, size_t num_params)
    : shards_(std::max<size_t>(shards, 1)), loss_parts_(shards_, 0.0) {
  if (shards_ > 1) sum_.assign(num_params, 0.0f);
}

void LocalGradientReducer::add_shard(size_t i, const float* grad, double loss_part) {
  loss_parts_[i] = loss_part;
  if (shards_ == 1) return;  // the gradient stays where it is; finish leaves it there
  float* s = sum_.data();
  const size_t n = sum_.size();
  if (i == 0) std::copy(grad, grad + n, s);
  else
    for (size_t k = 0; k < n; ++k) s[k] += grad[k];
}

double LocalGradientReducer::finish(float* grad) {
  double loss = loss_parts_[0];
  for (size_t i = 1; i < shards_; ++i) loss += loss_parts_[i];
  if (shards_ > 1 && std::isfinite(loss)) std::copy(sum_.begin(), sum_.end(), grad);
  return loss;
}

}  // namespace nntrain
