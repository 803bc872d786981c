// Optimizers exactly as torch.optim (SGD, Adam, AdamW, RMSprop): step() is one loop over the
// flat parameter and gradient buffers; state buffers have the same length.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nntrain/core/config.h"

namespace nntrain {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // params -= update(grads), with the learning rate of this step (from the schedule).
  virtual void step(float* params, const float* grads, size_t n, double lr) = 0;
  // Named state buffers (e.g. "exp_avg", "exp_avg_sq", "momentum_buffer") for checkpoints,
  // and the step count (Adam's bias correction).
  virtual std::vector<std::pair<std::string, std::vector<float>*>> state_buffers() = 0;
  int64_t steps = 0;
};

// The float scalars of Adam/AdamW step number `step` (1-based) at rate lr, computed in double
// as torch does (bias corrections) and rounded once: what every backend's Adam loop uses.
struct AdamStepScalars {
  float step_size, bc2_sqrt, b1, b2, one_b1, one_b2, eps, l2, decay;
};
AdamStepScalars adam_step_scalars(double beta1, double beta2, float eps, float weight_decay, bool decoupled, double lr,
                                  int64_t step);

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& cfg, size_t num_params);

// torch.nn.utils.clip_grad_norm_: scales grads so their global L2 norm is at most max_norm
// (factor max_norm / (norm + 1e-6) when norm > max_norm). Returns the norm before clipping.
double clip_grad_norm(float* grads, size_t n, double max_norm);

}  // namespace nntrain
