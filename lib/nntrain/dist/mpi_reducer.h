// grad_shards.h's GradientReducer over MPI ranks: rank r of K computes shards r·S/K ..
// (r+1)·S/K - 1; MPI_Alltoallv gives rank j slice j of the parameters of every shard's
// gradient, rank j adds them in shard order (the additions LocalGradientReducer does, on its
// slice), and MPI_Allgatherv hands every rank the whole sum. So `mpirun -np K` gives the
// bytes of one process with training.grad_shards = S, for every K dividing S.
// The loss parts, the stop flag and the test fault hook ride on one small MPI_Allgather per
// step, before the gradient: a non-finite loss (divergence) skips the gradient on every rank.
// Validation is rank 0's alone, its numbers broadcast after every epoch, so that early
// stopping and the schedule take rank 0's decisions on every rank, whatever their CPUs.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "nntrain/run/grad_shards.h"

namespace nntrain::dist {

// Waits for `req`, testing it every `poll_ns` and sleeping in between, where a blocking MPI
// call would spin: the rank it waits for may compute for long (rank 0 reading the data, or
// validating), and on a machine with more ranks than cores a spinning rank takes its core.
void wait_sleeping(MPI_Request& req, long poll_ns);

class MpiGradientReducer final : public GradientReducer {
 public:
  // `shards` must be a multiple of the communicator's size (ConfigError otherwise).
  MpiGradientReducer(MPI_Comm comm, size_t shards, size_t num_params);
  size_t shards() const override { return shards_; }
  size_t first_shard() const override { return size_t(rank_) * per_rank_; }
  size_t local_shards() const override { return per_rank_; }
  void add_shard(size_t i, const float* grad, double loss_part) override;
  double finish(float* grad) override;
  // Rank 0 validates; a broadcast of its numbers, once per epoch (a few doubles), which the
  // others wait for sleeping (rank 0 may validate for long).
  bool computes_validation() const override { return rank_ == 0; }
  void share_validation(double& val_loss, std::vector<Metric>& metrics) override;

  // The stop signal the ranks agreed on at the last finish() (0 = go on): rank 0's when it had
  // one, else the first rank's that had one. A rank that had none gets it raised locally
  // (request_stop), so that it exits with the same code as the others.
  int agreed_stop() const { return agreed_stop_; }

 private:
  size_t slice_begin(int j) const { return size_t(j) * params_ / size_t(size_); }
  void reduce_gradient(float* grad);
  void test_fault_hook();

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  size_t shards_, per_rank_, params_;
  // Alltoallv/Allgatherv counts and displacements, in floats.
  std::vector<int> send_counts_, send_displs_, recv_counts_, recv_displs_, gather_counts_, gather_displs_;
  std::vector<float> send_;  // per destination j: this rank's shards' slice j, shard after shard
  std::vector<float> recv_;  // [S][slice]: this rank's slice of every shard, in shard order
  std::vector<float> sum_;   // [slice]
  std::vector<double> small_, small_all_;  // per rank: its loss parts, then its stop signal
  int agreed_stop_ = 0;
  // NNTRAIN_TEST_FAULT=RANK:STEP: rank RANK throws at its STEP-th finish() (tests only).
  long fault_step_ = 0;
  long steps_ = 0;
};

}  // namespace nntrain::dist
