// fit(): one training run from a resolved Config to a run directory (model.bin, log.csv,
// config.yaml, metrics.json, learning_curve.svg, checkpoint.bin). Used by `nntrain fit` and
// `nntrain cv`. Prints human progress on stderr; never parses flags, never calls exit().
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "nntrain/core/config.h"
#include "nntrain/data/dataset.h"
#include "nntrain/core/loss.h"
#include "nntrain/core/network.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/core/rng.h"
#include "nntrain/core/schedule.h"
#include "nntrain/run/trainer.h"

namespace nntrain {

class FitPeers;  // run/peers.h

struct FitOptions {
  std::string out_dir;            // the run directory (created); empty = cfg.output.dir with {config} = cfg.stem
  int threads = 0;                // OpenBLAS threads; 0 = all cores (blas_default_threads())
  bool quiet = false;             // no progress on stderr
  bool json = false;              // the caller prints FitResult::metrics_json on stdout (fit prints nothing there)
  std::optional<FoldSpec> fold;   // cv: train on the other folds, validate on this one
  // --resume: finish the run in out_dir: continue from its checkpoint.bin (from epoch 1 when
  // there is none yet), write the final files of a run whose training is done, or do nothing
  // for a complete run (exit 0; see fit.cpp "resume rule"). `cfg` must then be the config to
  // run (the run's config.yaml, with training.epochs possibly changed); see resume_config().
  bool resume = false;
  bool install_signal_handlers = true;  // SIGINT/SIGTERM/SIGUSR1 stop the run after the current batch
  // Rank 0 of `mpirun -np K nntrain fit` (lib/nntrain/dist/): the other ranks train beside this
  // one; only this process reads and writes files. Null for a plain fit. Borrowed.
  FitPeers* peers = nullptr;
};

struct FitResult {
  int exit_code = 0;         // 0, 1 (diverged), 130 / 143 (interrupted)
  std::string metrics_json;  // the content of metrics.json (one line, no trailing newline)
  std::string stopped;       // completed | early_stopping | diverged | interrupted
  std::string out_dir;       // the run directory actually written
  std::string message;       // diverged: the one-line error ("loss became NaN at epoch 3, batch 7 ...")
};

// Trains and writes the run directory. Throws ConfigError / DataError / ModelFileError for
// problems found before training starts (nothing is written then, the folder aside).
// Divergence and interruption are not thrown: they are FitResult::exit_code 1 / 130 / 143
// after the run directory has been written as SPEC.md says.
FitResult fit(const Config& cfg, const FitOptions& opt);

// The config of `nntrain fit [CONFIG] --resume DIR [overrides]` (DIR must hold a config.yaml):
// DIR/config.yaml with
// training.epochs taken from the overrides / CONFIG when given. CONFIG (when non-empty) with
// `overrides` must resolve to the same config apart from training.epochs (ConfigError
// otherwise); without CONFIG, only training.epochs=N overrides are accepted.
Config resume_config(const std::string& run_dir, const std::string& config_path,
                     const std::vector<std::string>& overrides);

// Everything fit builds before its first batch, in fit's order: the network sized for the
// batch, its weights (model.init from the seeded generator, or init_from), the loss with its
// class weights, the optimizer, the schedule and the trainer (whose constructor checks early
// stopping and the batch). `nntrain check` and the benchmark build the same, so they fail and
// train exactly where fit does. Not copyable: the trainer borrows the other members.
struct TrainingSetup {
  TrainingSetup(const Config& cfg, TrainingData data);
  TrainingSetup(const TrainingSetup&) = delete;
  TrainingSetup& operator=(const TrainingSetup&) = delete;

  TrainingData data;
  Network net;  // max_batch(): the batch size (every training row for `full`)
  Rng rng;
  std::unique_ptr<Loss> loss;
  std::unique_ptr<Optimizer> optimizer;
  LrSchedule schedule;
  Trainer trainer;
};

// loss.class_weights as one weight per class (cross_entropy; empty = unweighted): labels as
// written in the config are matched to the classes (numeric labels compare as numbers);
// `balanced` comes from class_counts, and is unweighted when they are unknown (empty), as for
// a saved model. A label that is no class is a DataError. Used by fit, check and evaluate.
std::vector<float> loss_class_weights(const LossConfig& loss, const Preprocessing& prep,
                                      const std::vector<size_t>& class_counts);

// output.dir with {config} replaced by the config stem.
std::string expand_output_dir(const std::string& dir, const std::string& stem);

}  // namespace nntrain
