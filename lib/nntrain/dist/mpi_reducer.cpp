// See mpi_reducer.h. The sum over shards must stay LocalGradientReducer's: start from shard
// 0's value itself, then add shards 1..S-1 left to right in float (run/grad_shards.cpp).
#include "nntrain/dist/mpi_reducer.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <time.h>

#include "nntrain/core/error.h"
#include "nntrain/run/signals.h"

namespace nntrain::dist {

void wait_sleeping(MPI_Request& req, long poll_ns) {
  for (int done = 0;;) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (done) return;
    const timespec pause{0, poll_ns};
    nanosleep(&pause, nullptr);
  }
}

MpiGradientReducer::MpiGradientReducer(MPI_Comm comm, size_t shards, size_t num_params)
    : comm_(comm), shards_(std::max<size_t>(shards, 1)), params_(num_params) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  const size_t k = size_t(size_);
  if (shards_ % k != 0)
    throw ConfigError("training.grad_shards is " + std::to_string(shards_) + ", which the " + std::to_string(k) +
                      " processes of mpirun do not divide");
  if (params_ * (shards_ / k) > size_t(INT_MAX))
    throw ConfigError("the network's gradients are too large for one MPI message per step (" + std::to_string(params_) +
                      " parameters x " + std::to_string(shards_ / k) + " shards per process)");
  per_rank_ = shards_ / k;
  const size_t mine = slice_begin(rank_ + 1) - slice_begin(rank_);
  send_counts_.resize(k);
  send_displs_.resize(k);
  recv_counts_.resize(k);
  recv_displs_.resize(k);
  gather_counts_.resize(k);
  gather_displs_.resize(k);
  for (int j = 0; j < size_; ++j) {
    const size_t len = slice_begin(j + 1) - slice_begin(j);
    send_counts_[j] = int(per_rank_ * len);
    send_displs_[j] = int(per_rank_ * slice_begin(j));
    recv_counts_[j] = int(per_rank_ * mine);
    recv_displs_[j] = int(size_t(j) * per_rank_ * mine);
    gather_counts_[j] = int(len);
    gather_displs_[j] = int(slice_begin(j));
  }
  send_.resize(per_rank_ * params_);
  recv_.resize(shards_ * mine);
  sum_.resize(mine);
  small_.resize(per_rank_ + 1);
  small_all_.resize(k * (per_rank_ + 1));
  if (const char* v = std::getenv("NNTRAIN_TEST_FAULT"); v && std::atoi(v) == rank_ && std::strchr(v, ':'))
    fault_step_ = std::atol(std::strchr(v, ':') + 1);
}

void MpiGradientReducer::add_shard(size_t i, const float* grad, double loss_part) {
  small_[i] = loss_part;
  for (int j = 0; j < size_; ++j) {
    const size_t b = slice_begin(j), len = slice_begin(j + 1) - b;
    std::copy(grad + b, grad + b + len, send_.data() + per_rank_ * b + i * len);
  }
}

void MpiGradientReducer::test_fault_hook() {
  if (fault_step_ > 0 && ++steps_ == fault_step_)
    throw Error(kExitUsage, "injected test fault (NNTRAIN_TEST_FAULT) at step " + std::to_string(steps_));
}

double MpiGradientReducer::finish(float* grad) {
  test_fault_hook();
  small_[per_rank_] = double(stop_signal());
  MPI_Allgather(small_.data(), int(small_.size()), MPI_DOUBLE, small_all_.data(), int(small_.size()), MPI_DOUBLE, comm_);
  double loss = 0;
  agreed_stop_ = 0;
  for (int r = 0; r < size_; ++r) {  // shard order: rank after rank, each rank's shards in order
    const double* part = small_all_.data() + size_t(r) * (per_rank_ + 1);
    for (size_t i = 0; i < per_rank_; ++i) loss = (r == 0 && i == 0) ? part[0] : loss + part[i];
    if (agreed_stop_ == 0) agreed_stop_ = int(part[per_rank_]);
  }
  if (agreed_stop_ != 0 && stop_signal() == 0) request_stop(agreed_stop_);
  if (std::isfinite(loss)) reduce_gradient(grad);
  return loss;
}

// Slice j of every shard to rank j, this rank's slice summed in shard order, the sums to all.
void MpiGradientReducer::reduce_gradient(float* grad) {
  MPI_Alltoallv(send_.data(), send_counts_.data(), send_displs_.data(), MPI_FLOAT, recv_.data(), recv_counts_.data(),
                recv_displs_.data(), MPI_FLOAT, comm_);
  const size_t n = sum_.size();
  std::copy(recv_.data(), recv_.data() + n, sum_.data());
  for (size_t s = 1; s < shards_; ++s) {
    const float* g = recv_.data() + s * n;
    for (size_t k = 0; k < n; ++k) sum_[k] += g[k];
  }
  MPI_Allgatherv(sum_.data(), int(n), MPI_FLOAT, grad, gather_counts_.data(), gather_displs_.data(), MPI_FLOAT, comm_);
}

void MpiGradientReducer::share_validation(double& val_loss, std::vector<Metric>& metrics) {
  std::vector<double> values{val_loss};
  for (const auto& m : metrics) values.push_back(m.value);
  MPI_Request req;
  MPI_Ibcast(values.data(), int(values.size()), MPI_DOUBLE, 0, comm_, &req);
  wait_sleeping(req, 50000);  // 50 µs: an epoch of a small run validates in less
  val_loss = values[0];
  for (size_t i = 0; i < metrics.size(); ++i) metrics[i].value = values[i + 1];
}

}  // namespace nntrain::dist
