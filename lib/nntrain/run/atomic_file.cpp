// Crash-safe file writes; see atomic_file.h.
#include "nntrain/run/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "nntrain/core/error.h"

namespace nntrain {

namespace {

void write_all(int fd, std::string_view bytes, const std::string& what) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(kExitUsage, "cannot write " + what + ": " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// The folder holding `path`, for its fsync.
std::string folder_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw Error(kExitUsage, "cannot open the folder " + folder + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int e = errno;
  ::close(fd);
  if (rc != 0 && e != EINVAL)  // EINVAL: a file system that cannot sync folders (nothing to do)
    throw Error(kExitUsage, "cannot sync the folder " + folder + ": " + std::strerror(e));
}

void write_file_atomic(const std::string& path, std::string_view bytes, bool sync) {
  // The temporary lives beside the target so rename() stays on one file system.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)  // named by the target: the temporary is ours, the folder is the user's
    throw Error(kExitUsage, "cannot write " + path + ": " + std::strerror(errno) +
                            " (the folder must exist and be writable)");
  try {
    write_all(fd, bytes, tmp);
    if (sync && ::fsync(fd) != 0) throw Error(kExitUsage, "cannot sync " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw Error(kExitUsage, "cannot rename " + tmp + " to " + path + ": " + std::strerror(e));
  }
  if (sync) sync_folder(folder_of(path));  // the new name itself survives a power cut
}

}  // namespace nntrain
