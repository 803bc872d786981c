// checkpoint.bin: everything needed to continue a run exactly where it stopped (weights,
// optimizer state, schedule state, RNG state, position in the data order, early stopping),
// stored as safetensors like model.bin. Encoding/decoding only: the trainer fills and
// consumes TrainState.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nntrain/core/schedule.h"

namespace nntrain {

struct EarlyStopState {
  bool has_best = false;
  double best = 0;          // best monitored value so far
  int best_epoch = 0;       // 1-based epoch of it
  int bad_epochs = 0;       // epochs since it
  std::vector<float> best_params;  // copy of the parameters at best_epoch (empty when none)
};

// The whole state of a run between two batches.
struct TrainState {
  int epochs_done = 0;        // completed epochs
  // Position inside the epoch being run (after an interruption mid-epoch): the epoch's sample
  // order and how many batches of it are done. Empty order = at an epoch boundary.
  std::vector<uint32_t> order;
  uint64_t batches_done = 0;
  double epoch_loss_sum = 0;  // sum of batch_loss * batch_rows so far in this epoch
  uint64_t epoch_samples = 0;
  double epoch_seconds = 0;
  double total_seconds = 0;
  std::array<uint64_t, 4> rng{};
  LrSchedule::State schedule;
  int64_t optimizer_steps = 0;
  std::vector<std::pair<std::string, std::vector<float>>> optimizer_buffers;  // Optimizer::state_buffers()
  std::vector<float> params;  // Network::params(), all of them
  EarlyStopState early;
  std::string config_yaml;    // the resolved config of the run (checked on --resume)
  std::string fold;           // "i/k" for fold i of an `nntrain cv` (its split is not in the config: no resume)
};

std::string encode_checkpoint(const TrainState& state);
// Verifies like decode_model (ModelFileError, exit 4, naming what is wrong).
TrainState decode_checkpoint(const std::string& bytes, const std::string& name);
void save_checkpoint(const std::string& path, const TrainState& state);  // atomic
TrainState load_checkpoint(const std::string& path);

}  // namespace nntrain
