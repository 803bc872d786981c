// See mpi_fit.h. The protocol between rank 0 and the others, in order:
//  1. a header broadcast from rank 0: {start, 0} or {exit, code}. The other ranks wait for it
//     with MPI_Ibcast polled every millisecond, not spinning, while rank 0 reads the data;
//  2. on start: one blob (wire.h: config, data, trainer state), then training, where the only
//     communication is MpiGradientReducer's: each batch's finish (loss, stop, gradient) and,
//     with a validation split, each epoch's share_validation (rank 0's numbers);
//  3. MPI_Barrier and MPI_Finalize; rank 0 gets there at exit, once it has written the run
//     directory and printed what it prints.
// A rank that throws during 2 cannot tell the others (they wait in a collective): MPI_Abort.
#include "nntrain/dist/mpi_fit.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <string>

#include "nntrain/core/blas.h"
#include "nntrain/core/error.h"
#include "nntrain/data/config_io.h"
#include "nntrain/dist/mpi_reducer.h"
#include "nntrain/dist/wire.h"
#include "nntrain/run/fit.h"
#include "nntrain/run/signals.h"

namespace nntrain::dist {

namespace {

enum HeaderKind : int32_t { kStart = 1, kExit = 2 };

// Broadcasts the header from rank 0; on the other ranks waits for it without spinning (rank 0
// may take minutes to read a large CSV, and an oversubscribed machine needs those cores).
void broadcast_header(int32_t header[2], MPI_Comm comm) {
  MPI_Request req;
  MPI_Ibcast(header, 2, MPI_INT32_T, 0, comm, &req);
  wait_sleeping(req, 1000000);  // 1 ms
}

// The bytes of rank 0's `blob` on every rank, in messages of at most 1 GiB.
void broadcast_blob(std::string& blob, MPI_Comm comm) {
  uint64_t n = blob.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm);
  blob.resize(n);
  for (uint64_t at = 0; at < n;) {
    const int chunk = int(std::min<uint64_t>(n - at, uint64_t(1) << 30));
    MPI_Bcast(blob.data() + at, chunk, MPI_BYTE, 0, comm);
    at += uint64_t(chunk);
  }
}

// Every rank waits for the others before leaving: mpirun ends the job as soon as one rank
// exits with a non-zero code, and rank 0 may still be writing the run directory or printing
// its error line. So rank 0 finalizes at exit (std::atexit), after app/main.cpp has printed.
void finalize(MPI_Comm comm) {
  MPI_Barrier(comm);
  MPI_Finalize();
}

extern "C" void finalize_world_at_exit() { finalize(MPI_COMM_WORLD); }

[[noreturn]] void abort_job(MPI_Comm comm, const std::string& what, int code) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::fprintf(stderr, "nntrain: error: rank %d of %d: %s; ending the job (MPI_Abort)\n", rank, size, what.c_str());
  std::fflush(stderr);
  MPI_Abort(comm, code);
  std::_Exit(code);  // MPI_Abort does not return; should it, leave all the same
}

// Rank 0's side: what fit() calls when the run is ready to train.
class Rank0Peers final : public FitPeers {
 public:
  explicit Rank0Peers(MPI_Comm comm) : comm_(comm) { MPI_Comm_size(comm_, &size_); }
  int world_size() const override { return size_; }

  GradientReducer& start(const Config& cfg, const TrainingData& data, const TrainState& state) override {
    // The reducer first: a grad_shards the ranks do not divide is a config error, told to
    // the others as an exit header like any error before training.
    reducer_ = std::make_unique<MpiGradientReducer>(comm_, size_t(cfg.training.grad_shards), state.params.size());
    std::string blob = encode_run_message(config_to_yaml(cfg), data, state);
    int32_t header[2] = {kStart, 0};
    broadcast_header(header, comm_);
    phase_ = Phase::training;
    broadcast_blob(blob, comm_);
    return *reducer_;
  }
  bool stop_agreed() const override { return reducer_ && reducer_->agreed_stop() != 0; }
  void training_ended() override { phase_ = Phase::ended; }

  bool training() const { return phase_ == Phase::training; }
  // Before training: the other ranks exit with `code` (they print nothing).
  void send_exit(int code) {
    if (phase_ != Phase::waiting) return;
    int32_t header[2] = {kExit, code};
    broadcast_header(header, comm_);
    phase_ = Phase::ended;
  }

 private:
  enum class Phase { waiting, training, ended };
  MPI_Comm comm_;
  int size_ = 1;
  Phase phase_ = Phase::waiting;
  std::unique_ptr<MpiGradientReducer> reducer_;
};

int exit_code_of(const std::exception& e) {
  if (const auto* ne = dynamic_cast<const Error*>(&e)) return ne->exit_code();
  return kExitUsage;  // as app/main.cpp maps any other exception
}

// Our own errors say what they say; a library's exception text never reaches the user (as
// in app/main.cpp): what failed, in our words.
std::string text_of(const std::exception& e) {
  if (const auto* ne = dynamic_cast<const Error*>(&e)) return ne->formatted();
  if (dynamic_cast<const std::bad_alloc*>(&e)) return "out of memory (try a smaller batch_size or network)";
  if (const auto* fe = dynamic_cast<const std::filesystem::filesystem_error*>(&e))
    return "a file system operation failed" + (fe->path1().empty() ? std::string() : " on " + fe->path1().string()) +
           ": " + fe->code().message();
  return "an unexpected internal error; please report it with the command and input that caused it";
}

int run_rank0(MPI_Comm comm, const std::function<int(FitPeers&)>& rank0) {
  Rank0Peers peers(comm);
  std::atexit(finalize_world_at_exit);  // after the error line or --json of the app
  int code = 0;
  try {
    code = rank0(peers);
  } catch (const std::exception& e) {
    if (peers.training()) abort_job(comm, text_of(e), exit_code_of(e));
    peers.send_exit(exit_code_of(e));
    throw;  // app/main.cpp prints the one error line
  }
  peers.send_exit(code);  // a --resume with nothing to train, for one
  return code;
}

// The other ranks: the trainer rank 0 built, from its bytes; no file is read or written.
int train_as_peer(MPI_Comm comm, int threads, std::string blob) {
  RunMessage msg = decode_run_message(blob);
  blob.clear();
  blob.shrink_to_fit();
  Config cfg = parse_config(msg.config_yaml, "the config from rank 0", "/");
  cfg.model.init_from.clear();  // the weights come with the state
  blas_set_threads(threads > 0 ? threads : blas_default_threads());
  TrainingSetup setup(cfg, std::move(msg.data));
  setup.trainer.set_state(msg.state);
  setup.schedule.set_total_epochs(cfg.training.epochs);  // as fit's restore_checkpoint does
  MpiGradientReducer reducer(comm, size_t(cfg.training.grad_shards), setup.net.num_params());
  setup.trainer.use_gradient_reducer(reducer);
  clear_stop();
  install_stop_handlers();  // mpirun sends SIGTERM/SIGUSR1 to every rank; they agree at a batch
  TrainerCallbacks cb;
  cb.should_stop = [&]() { return reducer.agreed_stop() != 0; };
  const TrainOutcome out = setup.trainer.run(cb);
  remove_stop_handlers();
  switch (out.stopped) {
    case StopReason::diverged: return kExitDiverged;
    case StopReason::interrupted: return stop_exit_code(stop_signal() != 0 ? stop_signal() : SIGINT);
    default: return kExitOk;
  }
}

int run_peer(MPI_Comm comm, int threads) {
  int code = 0;
  try {
    int32_t header[2] = {0, 0};
    broadcast_header(header, comm);
    if (header[0] == kExit) {
      code = header[1];
    } else {
      std::string blob;
      broadcast_blob(blob, comm);
      code = train_as_peer(comm, threads, std::move(blob));
    }
  } catch (const std::exception& e) {
    abort_job(comm, text_of(e), exit_code_of(e));
  }
  finalize(comm);
  return code;
}

}  // namespace

int fit_over_mpi(int threads, const std::function<int(FitPeers&)>& rank0) {
  MPI_Init(nullptr, nullptr);
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank == 0 ? run_rank0(comm, rank0) : run_peer(comm, threads);
}

}  // namespace nntrain::dist
