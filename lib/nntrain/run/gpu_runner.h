// Training and inference on a Vulkan GPU (lib/nntrain/gpu) behind the trainer's BatchRunner
// seam: the training data, the parameters, their gradients, the optimizer's state and the
// epoch's order live in GPU memory; a chunk of batches (≈ 0.1 s) is recorded into one
// command buffer and waited for once, reading back only the batch losses and the
// first-non-finite flag. Same maths as the CPU path op for op (core's kernels mirrored in
// gpu/ops.h), same dropout keys from the run's Rng, so the two agree within float rounding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nntrain/core/config.h"
#include "nntrain/core/network.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/core/tensor.h"
#include "nntrain/gpu/device.h"
#include "nntrain/run/batch_runner.h"

namespace nntrain {

// The network on the GPU: parameters, gradients and every layer's activations for batches of
// up to max_batch rows, laid out as core's Mlp (params in state_dict order).
class GpuModel;

class GpuBatchRunner final : public BatchRunner {
 public:
  // train: the training split (uploaded here, split into buffers of at most
  // max_buffer_bytes()); batch_rows: rows per batch; class_weights: cross_entropy's, one per
  // class or empty. Throws ConfigError for what the GPU path does not run (grad_shards > 1).
  GpuBatchRunner(gpu::Device& device, const Network& net, const LossConfig& loss, std::vector<float> class_weights,
                 const OptimizerConfig& optimizer, const TrainingConfig& training, ConstMatrix train_x,
                 ConstMatrix train_y, size_t batch_rows);
  ~GpuBatchRunner() override;

  void set_order(const std::vector<uint32_t>& order) override;
  size_t run_batches(uint64_t first, uint64_t count, double lr, Rng& rng, double* losses) override;
  void download(Network& net, Optimizer& opt) override;
  void upload(const Network& net, Optimizer& opt) override;
  // The gradient of the last batch run, [num_params] (the gradient checker's view).
  void download_grads(float* grads);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Eval-mode outputs of `net` for every row of x ([N, out]), and when `logits` is given the
// last layer's pre-activation too, computed on the GPU in batches of up to max_batch rows
// (predict, evaluate).
void gpu_forward(gpu::Device& device, const Network& net, ConstMatrix x, Matrix out, Matrix* logits = nullptr,
                 size_t max_batch = 4096);

}  // namespace nntrain
