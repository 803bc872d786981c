// nntrain's training loop timed on its own: the config is loaded and the data read exactly as
// `nntrain fit` does (load_config, load_training_data), the network, loss, optimizer and
// schedule built by fit's own TrainingSetup, then Trainer::run — the real batch loop — is timed with a
// steady clock. No run directory is written. Not a test; prints numbers, asserts nothing.
//
// Usage: bench_train CONFIG [KEY=VALUE ...] [--threads N] [--reps R]
//        bench_train CONFIG [KEY=VALUE ...] --dump PREFIX
// Prints one JSON line per rep: load_seconds, loop_seconds, epoch_seconds (each epoch's wall
// time as the trainer reports it: the first one carries the start-up, such as a GPU's
// uploads and pipeline compilation), epochs, rows, train_loss (last epoch), blas. --reps R
// reads the data once and trains R times from the same start (a fresh setup each time).
// training.device gpu|gpu:N trains on that GPU as fit does (a GpuBatchRunner; the training
// data is uploaded before the clock starts) and adds device and gpu_peak_bytes (the most GPU
// memory allocated at once during the rep, Device::peak_allocated_bytes).
// --dump trains nothing: it writes the training split as nntrain trains on it (standardized)
// to PREFIX.x.f32 and PREFIX.y.f32 (row-major little-endian float32) and PREFIX.json (rows,
// x_cols, y_cols), so bench/torch_gpu_train.py trains on the same numbers without a CSV parser.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "nntrain/core/blas.h"
#include "nntrain/data/config_io.h"
#include "nntrain/data/dataset.h"
#include "nntrain/core/error.h"
#include "nntrain/gpu/device.h"
#include "nntrain/run/fit.h"
#include "nntrain/run/gpu_runner.h"

using namespace nntrain;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

static void write_raw(const std::string& path, const std::vector<float>& v) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(v.data(), sizeof(float), v.size(), f) != v.size() || std::fclose(f) != 0)
    throw DataError("cannot write " + path);
}

static int dump(const Dataset& d, const std::string& prefix) {
  write_raw(prefix + ".x.f32", d.x);
  write_raw(prefix + ".y.f32", d.y);
  std::FILE* f = std::fopen((prefix + ".json").c_str(), "w");
  if (!f) throw DataError("cannot write " + prefix + ".json");
  std::fprintf(f, "{\"rows\": %zu, \"x_cols\": %zu, \"y_cols\": %zu}\n", d.rows, d.x_cols, d.y_cols);
  std::fclose(f);
  return 0;
}

// One training run exactly as fit builds it (fit.h), timed; prints its JSON line. `device`:
// the GPU of training.device (null for cpu), used through a GpuBatchRunner as fit does.
static void timed_run(const Config& cfg, TrainingData data, double load_seconds, int rep, gpu::Device* device) {
  TrainingSetup setup(cfg, std::move(data));
  std::unique_ptr<GpuBatchRunner> runner;
  if (device) {
    device->reset_peak();
    const TrainingData& d = setup.data;
    runner = std::make_unique<GpuBatchRunner>(*device, setup.net, cfg.loss,
                                              loss_class_weights(cfg.loss, d.prep, d.class_counts), cfg.optimizer,
                                              cfg.training, d.train.xm(), d.train.ym(), setup.net.max_batch());
    setup.trainer.use_batch_runner(*runner);
  }
  double train_loss = 0;
  std::ostringstream epochs;
  TrainerCallbacks cb;
  cb.on_epoch = [&](const EpochRecord& r) {
    train_loss = r.train_loss;
    epochs << (r.epoch > 1 ? ", " : "") << r.seconds;
  };
  const auto t_loop = Clock::now();
  const TrainOutcome out = setup.trainer.run(cb);
  const double loop_seconds = since(t_loop);
  const BlasInfo b = blas_info();
  std::printf(
      "{\"rep\": %d, \"load_seconds\": %.6f, \"loop_seconds\": %.6f, \"epoch_seconds\": [%s], \"epochs\": %d, "
      "\"rows\": %zu, \"train_loss\": %.6f, \"stopped\": \"%s\", \"blas_core\": \"%s\", \"threads\": %d, "
      "\"device\": \"%s\", \"gpu_peak_bytes\": %llu}\n",
      rep, load_seconds, loop_seconds, epochs.str().c_str(), out.epochs_run, setup.data.train.rows, train_loss,
      stop_reason_name(out.stopped), b.core.c_str(), b.threads, device ? device->info().name.c_str() : "cpu",
      device ? (unsigned long long)device->peak_allocated_bytes() : 0ull);
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  std::string config_path, dump_prefix;
  std::vector<std::string> overrides;
  int threads = 1, reps = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--dump" && i + 1 < argc) dump_prefix = argv[++i];
    else if (config_path.empty()) config_path = a;
    else overrides.push_back(a);
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "usage: bench_train CONFIG [KEY=VALUE ...] [--threads N] [--reps R] [--dump PREFIX]\n");
    return 2;
  }
  try {
    blas_set_threads(threads);
    const Config cfg = load_config(config_path, overrides);
    const auto t_load = Clock::now();
    TrainingData data = load_training_data(cfg);
    const double load_seconds = since(t_load);
    if (!dump_prefix.empty()) return dump(data.train, dump_prefix);
    std::unique_ptr<gpu::Device> device;
    if (!cfg.training.device.empty() && cfg.training.device != "cpu") device = std::make_unique<gpu::Device>(cfg.training.device);
    for (int rep = 1; rep < reps; ++rep) timed_run(cfg, data, load_seconds, rep, device.get());  // a copy each time
    timed_run(cfg, std::move(data), load_seconds, reps, device.get());
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_train: error: %s\n", e.what());
    return e.exit_code();
  }
}
