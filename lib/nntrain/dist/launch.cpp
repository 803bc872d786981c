// See launch.h. NNTRAIN_HAVE_MPI comes from lib/CMakeLists.txt.
#include "nntrain/dist/launch.h"

#include <cstdlib>

namespace nntrain::dist {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

}  // namespace

bool launched_by_mpi() { return env("OMPI_COMM_WORLD_SIZE") || env("PMIX_RANK"); }

int launcher_rank() {
  const char* v = env("OMPI_COMM_WORLD_RANK");
  if (!v) v = env("PMIX_RANK");
  return v ? std::atoi(v) : 0;
}

int launcher_world_size() {
  const char* v = env("OMPI_COMM_WORLD_SIZE");
  return v ? std::atoi(v) : 0;
}

bool built_with_mpi() {
#ifdef NNTRAIN_HAVE_MPI
  return true;
#else
  return false;
#endif
}

}  // namespace nntrain::dist
