// Crash-safe file writes: write to a temporary name in the same folder, fsync, rename.
// A crash or kill -9 leaves the previous file or the new one, never a torn one.
#pragma once
#include <string>
#include <string_view>

namespace nntrain {

// Replaces `path` with `bytes` atomically. Throws nntrain::Error (exit 2) on I/O failure.
// sync=false skips the fsync: still never torn for a crash or kill -9 of the process (rename
// is atomic), only not durable across a power loss; for the small files a run can regenerate
// (log.csv, metrics.json; see fit.cpp), where an fsync (0.2 ms to 40 ms here) costs more than
// training a small network.
void write_file_atomic(const std::string& path, std::string_view bytes, bool sync = true);

}  // namespace nntrain
