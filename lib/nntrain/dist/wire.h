// What rank 0 sends the other ranks before training, as bytes: the resolved config (its
// YAML), the training data (preprocessing, class counts, the train and validation splits;
// not the test split, which only rank 0's final metrics read) and the trainer's state (the
// checkpoint encoding). No MPI here, so it is tested without mpirun.
#pragma once
#include <string>

#include "nntrain/data/dataset.h"
#include "nntrain/run/checkpoint.h"

namespace nntrain::dist {

struct RunMessage {
  std::string config_yaml;
  TrainingData data;
  TrainState state;
};

std::string encode_run_message(const std::string& config_yaml, const TrainingData& data, const TrainState& state);
// Throws std::runtime_error on bytes that are not a whole message (a broken transfer, never
// user input: the bytes come from rank 0's encode_run_message).
RunMessage decode_run_message(const std::string& bytes);

}  // namespace nntrain::dist
