// Whether this process was started by an MPI launcher, read from the environment only:
// MPI_Init costs about 0.4 s, so a plain `nntrain fit` (or a sweep of them) never calls it.
// No MPI here: this file builds whether or not Open MPI is installed.
#pragma once

namespace nntrain::dist {

// True when an MPI launcher started this process (Open MPI's OMPI_COMM_WORLD_SIZE, or
// PMIX_RANK as mpirun/srun with PMIx set it).
bool launched_by_mpi();
// This process's rank as the launcher says (OMPI_COMM_WORLD_RANK, PMIX_RANK); 0 when unknown.
// Lets a build without MPI, or a command that does not run under mpirun, print its error once.
int launcher_rank();
// The number of processes Open MPI's launcher started (OMPI_COMM_WORLD_SIZE); 0 when unknown.
int launcher_world_size();
// Whether this build has Open MPI in it (CMake option NNTRAIN_MPI, and libopenmpi-dev found).
bool built_with_mpi();

}  // namespace nntrain::dist
