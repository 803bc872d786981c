// The other processes of a multi-process `fit`, as fit() on rank 0 sees them. fit() knows
// only this interface; lib/nntrain/dist/ implements it over MPI (and runs the other ranks'
// side). A plain fit has no peers (FitOptions::peers is null) and pays nothing.
#pragma once
#include "nntrain/core/config.h"
#include "nntrain/data/dataset.h"
#include "nntrain/run/checkpoint.h"
#include "nntrain/run/grad_shards.h"

namespace nntrain {

class FitPeers {
 public:
  virtual ~FitPeers() = default;
  virtual int world_size() const = 0;
  // The run is ready to train: the resolved config, the training data and the trainer's
  // state (fresh or from checkpoint.bin) go to the other ranks, which build the same trainer
  // from them. Returns the reducer this rank's trainer uses from now on.
  virtual GradientReducer& start(const Config& cfg, const TrainingData& data, const TrainState& state) = 0;
  // The stop decision every rank took together at the last batch (true = stop now): the
  // trainer's should_stop, so that all ranks stop after the same batch.
  virtual bool stop_agreed() const = 0;
  // Training is over on every rank: no collective follows, so a failure after this (writing
  // the final files) is this rank's alone and needs no abort of the others.
  virtual void training_ended() = 0;
};

}  // namespace nntrain
