// `nntrain cv CONFIG [KEY=VALUE ...] [--folds K] [--out DIR] [--json] [--threads N]`: K-fold
// cross-validation of a config on data.train (stratified for classification, seeded by
// training.seed) through the library's fit(): DIR/fold1 .. DIR/foldK are ordinary run
// directories, and DIR/metrics.json summarizes them (keys below).
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

// DIR/metrics.json, one flat object:
//   folds                          K
//   <metric>_mean, <metric>_std    for train_loss, every val_<...> and test_<...> number the
//                                  folds' metrics.json hold (val_loss, val_accuracy, val_f1,
//                                  val_mae, val_r2, ...); std is the population standard
//                                  deviation (ddof 0, as numpy.std, LightGBM and XGBoost cv)
//   <metric>_folds                 the K values, fold 1 first
//   epochs_run_mean, best_epoch_mean
//   seconds                        total wall time of all folds
//   nntrain_version, threads
// DIR/config.yaml is the resolved config (so `nntrain compare` can list cv directories).
struct CvOptions {
  std::vector<std::string> args;  // CONFIG, then KEY=VALUE overrides
  int folds = 5;
  std::string out;                // default: output.dir of the config ({config} expanded)
  bool json = false;              // print DIR/metrics.json on stdout, and nothing else
  int threads = 0;                // OpenBLAS threads; 0 = all cores
  std::string device;             // --device cpu|gpu|gpu:N; empty = training.device (fit, cv) or cpu
  bool quiet = false;
};

CLI::App* setup_cv(CLI::App& app, CvOptions& o);
int run_cv(const CvOptions& o);
