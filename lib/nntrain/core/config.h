// The run configuration as plain structs with SPEC.md's defaults, and the YAML side of it:
// loading (with overrides), validation, and the resolved config written back.
// Paths in a loaded Config are already resolved (absolute), so the resolved config.yaml
// reproduces the run from any working directory.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nntrain/core/error.h"

namespace nntrain {

struct LayerSpec {
  int units = 0;
  std::string activation = "identity";  // identity|sigmoid|tanh|relu|leaky_relu|gelu|softmax
  double negative_slope = 0.01;         // leaky_relu
  double dropout = 0.0;                 // applied after the activation when > 0
  bool operator==(const LayerSpec&) const = default;
};

struct DataConfig {
  std::string train;                    // absolute path after loading
  std::vector<std::string> target;      // one name, or several for multi-output regression
  bool target_is_list = false;          // written back as a list when it was one
  std::optional<std::vector<std::string>> features;  // nullopt = all
  std::vector<std::string> exclude;
  double validation_fraction = 0.2;     // used when validation_path is empty; 0 = none
  std::string validation_path;          // absolute path, or empty
  std::string test;                     // absolute path, or empty
  std::string delimiter = "auto";       // auto | "," | ";" | "\t"
  bool standardize = true;
  std::string missing = "error";        // error | drop
  std::vector<std::string> categorical;
  std::string unknown_category = "error";  // error | ignore
  bool operator==(const DataConfig&) const = default;
};

struct ModelConfig {
  std::vector<LayerSpec> layers;
  std::string init = "auto";  // auto | he | xavier | torch
  std::string init_from;      // absolute path, or empty
  bool operator==(const ModelConfig&) const = default;
};

struct LossConfig {
  std::string name = "bce";  // bce | cross_entropy | mse | mae | huber
  std::optional<double> pos_weight;  // bce
  bool class_weights_balanced = false;                // cross_entropy: class_weights: balanced
  std::map<std::string, double> class_weights;        // cross_entropy: {label: weight}; label as written
  double delta = 1.0;                                 // huber
  bool long_form = false;                             // written back as {name: ...} when it was
  bool operator==(const LossConfig&) const = default;
};

struct OptimizerConfig {
  std::string name = "adam";  // sgd | adam | adamw | rmsprop
  double lr = 0.001;
  double momentum = 0.0;      // sgd, rmsprop
  bool nesterov = false;      // sgd
  double beta1 = 0.9, beta2 = 0.999;  // adam, adamw
  double eps = 1e-8;
  double alpha = 0.99;        // rmsprop smoothing constant (torch default; not a SPEC key)
  std::optional<double> weight_decay;  // nullopt = torch's default: 0, or 0.01 for adamw
  double effective_weight_decay() const { return weight_decay ? *weight_decay : (name == "adamw" ? 0.01 : 0.0); }
  bool operator==(const OptimizerConfig&) const = default;
};

struct ScheduleConfig {
  std::string name = "constant";  // constant | step | exponential | cosine | plateau
  int step_size = 10;
  double gamma = 0.1;
  int patience = 5;
  double min_lr = 0.0;
  int warmup_epochs = 0;
  bool operator==(const ScheduleConfig&) const = default;
};

struct EarlyStoppingConfig {
  std::string monitor = "val_loss";  // val_loss | val_<metric>
  int patience = 10;
  double min_delta = 0.0;
  bool operator==(const EarlyStoppingConfig&) const = default;
};

struct TrainingConfig {
  int epochs = 100;
  int batch_size = 32;
  bool full_batch = false;  // batch_size: full
  bool shuffle = true;
  uint64_t seed = 42;
  std::optional<double> clip_grad_norm;
  std::optional<EarlyStoppingConfig> early_stopping;
  int log_every = 10;
  std::string device = "cpu";  // cpu | gpu | gpu:N (is_device_spec)
  // The batch's gradient as the sum of this many contiguous shards' gradients, added in shard
  // order (run/grad_shards.h); 0 = auto: the number of MPI processes, 1 without MPI.
  int grad_shards = 0;
  bool operator==(const TrainingConfig&) const = default;
};

// training.device and --device: "cpu", "gpu" (the first usable GPU) or "gpu:N" (N as
// `nntrain devices` numbers them).
inline bool is_device_spec(const std::string& s) {
  if (s == "cpu" || s == "gpu") return true;
  return s.size() > 4 && s.size() <= 10 && s.compare(0, 4, "gpu:") == 0 &&
         s.find_first_not_of("0123456789", 4) == std::string::npos;
}

struct OutputConfig {
  std::string dir = "runs/{config}";  // relative to the working directory; {config} = config stem
  int checkpoint_every = 0;
  bool operator==(const OutputConfig&) const = default;
};

struct Config {
  DataConfig data;
  ModelConfig model;
  LossConfig loss;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  TrainingConfig training;
  OutputConfig output;
  std::string source_path;  // the config file as given ("" when built in code)
  std::string stem;         // its stem, for {config}
  bool operator==(const Config&) const = default;
};

}  // namespace nntrain
