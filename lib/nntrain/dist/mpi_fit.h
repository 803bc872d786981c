// `mpirun -np K nntrain fit`: every rank runs this. Rank 0 runs the fit command (reading the
// data, writing the run directory, printing) with FitPeers that send the run to the other
// ranks; the other ranks receive it, build the same trainer and train beside rank 0 until
// the ranks agree to stop. No <mpi.h> in this header: the app includes it whether or not
// the build has MPI (without it, fit_over_mpi says so: exit 2).
#pragma once
#include <functional>

#include "nntrain/run/peers.h"

namespace nntrain::dist {

// Initialises MPI and returns this rank's exit code; the other ranks have finalized MPI by
// then, rank 0 does it at exit (std::atexit: after the app prints its error line). `rank0` is the fit
// command given the peers; it returns the exit code or throws as a plain fit does.
// Rank 0's errors before training (config, data, model file) reach the other ranks, which exit
// with the same code and print nothing; the error is thrown again on rank 0 for the app to
// print. Any exception while the ranks train, on any rank, ends the whole job with MPI_Abort
// and a line naming the rank (a rank that left a collective would leave the others hanging).
// `threads`: the OpenBLAS threads of the other ranks (--threads; 0 = all cores).
int fit_over_mpi(int threads, const std::function<int(FitPeers&)>& rank0);

}  // namespace nntrain::dist
