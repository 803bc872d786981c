// nntrain's training loop timed on its own: the config is loaded and the data read exactly as
// `nntrain fit` does (load_config, load_training_data), the network, loss, optimizer and
// schedule built by fit's own TrainingSetup, then Trainer::run — the real batch loop — is timed with a
// steady clock. No run directory is written. Not a test; prints numbers, asserts nothing.
//
// Usage: bench_train CONFIG [KEY=VALUE ...] [--threads N]
// Prints one JSON line: load_seconds, loop_seconds, epochs, rows, train_loss (last epoch), blas.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "nntrain/core/blas.h"
#include "nntrain/data/config_io.h"
#include "nntrain/data/dataset.h"
#include "nntrain/core/error.h"
#include "nntrain/run/fit.h"

using namespace nntrain;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main(int argc, char** argv) {
  std::string config_path;
  std::vector<std::string> overrides;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (config_path.empty()) config_path = a;
    else overrides.push_back(a);
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "usage: bench_train CONFIG [KEY=VALUE ...] [--threads N]\n");
    return 2;
  }
  try {
    blas_set_threads(threads);
    const Config cfg = load_config(config_path, overrides);
    const auto t_load = Clock::now();
    TrainingData data_loaded = load_training_data(cfg);
    const double load_seconds = since(t_load);

    TrainingSetup setup(cfg, std::move(data_loaded));  // as fit builds it (fit.h)
    const TrainingData& data = setup.data;
    Trainer& trainer = setup.trainer;
    double train_loss = 0;
    TrainerCallbacks cb;
    cb.on_epoch = [&](const EpochRecord& r) { train_loss = r.train_loss; };

    const auto t_loop = Clock::now();
    const TrainOutcome out = trainer.run(cb);
    const double loop_seconds = since(t_loop);

    const BlasInfo b = blas_info();
    std::printf(
        "{\"load_seconds\": %.6f, \"loop_seconds\": %.6f, \"epochs\": %d, \"rows\": %zu, \"train_loss\": %.6f, "
        "\"stopped\": \"%s\", \"blas_core\": \"%s\", \"threads\": %d}\n",
        load_seconds, loop_seconds, out.epochs_run, data.train.rows, train_loss, stop_reason_name(out.stopped),
        b.core.c_str(), b.threads);
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_train: error: %s\n", e.what());
    return e.exit_code();
  }
}
