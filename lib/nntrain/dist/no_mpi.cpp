// fit_over_mpi for a build without Open MPI (NNTRAIN_MPI=OFF, or libopenmpi-dev not found):
// every rank of the mpirun job exits 2; the launcher's rank 0 says why.
#include "nntrain/core/error.h"
#include "nntrain/dist/launch.h"
#include "nntrain/dist/mpi_fit.h"

namespace nntrain::dist {

int fit_over_mpi(int, const std::function<int(FitPeers&)>&) {
  if (launcher_rank() != 0) return kExitUsage;  // one error line for the job, not one per rank
  throw ConfigError(
      "this nntrain was built without MPI, so it cannot train under mpirun: install libopenmpi-dev "
      "(scripts/deps.sh does) and build again with -DNNTRAIN_MPI=ON, or run nntrain fit without mpirun");
}

}  // namespace nntrain::dist
