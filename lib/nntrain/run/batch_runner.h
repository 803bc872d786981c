// The trainer's seam to another backend: a BatchRunner runs chunks of an epoch's batches
// (gather, forward, loss, backward, clip, optimizer step) where the parameters live, while
// the trainer keeps everything else (epochs, the order, schedules, validation, early
// stopping, signals, checkpoints) on the one code path it has for the CPU. The CPU path is
// the trainer's own loop; gpu_runner.h is the Vulkan one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nntrain/core/network.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/core/rng.h"

namespace nntrain {

class BatchRunner {
 public:
  virtual ~BatchRunner() = default;
  // The epoch's row order (the trainer drew it): batch b is rows order[b·B .. (b+1)·B).
  virtual void set_order(const std::vector<uint32_t>& order) = 0;
  // Runs batches first, first+1, ... of the epoch, at most `count` and at least one (how many
  // is the runner's choice: about 0.1 s of work, so a stop request is answered soon), at rate
  // lr. Each batch draws its dropout key from rng exactly as the CPU loop does and steps the
  // optimizer (opt.steps counts every step). losses[i] receives batch first+i's mean loss.
  // A non-finite loss at i: batches from i on took no step and rng and opt.steps are left as
  // the CPU loop leaves them after drawing batch i's key; the trainer stops there.
  // Returns how many batches ran (losses written).
  virtual size_t run_batches(uint64_t first, uint64_t count, double lr, Rng& rng, double* losses) = 0;
  // Copies the parameters and the optimizer's state buffers to the host objects (the network's
  // params(), opt.state_buffers()), or from them to the runner (after set_state / load).
  virtual void download(Network& net, Optimizer& opt) = 0;
  virtual void upload(const Network& net, Optimizer& opt) = 0;
};

}  // namespace nntrain
