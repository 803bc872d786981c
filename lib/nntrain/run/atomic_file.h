// Crash-safe file writes: write to a temporary name in the same folder, fsync, rename, fsync
// the folder. A crash or kill -9 leaves the previous file or the new one, never a torn one;
// after a power cut the new one is there under its name.
#pragma once
#include <string>
#include <string_view>

namespace nntrain {

// Replaces `path` with `bytes` atomically; with sync, the data and then the folder entry are
// fsynced. Throws nntrain::Error (exit 2) on I/O failure.
// sync=false skips the fsync: still never torn for a crash or kill -9 of the process (rename
// is atomic), only not durable across a power loss; for the small files a run can regenerate
// (log.csv, metrics.json; see fit.cpp), where an fsync (0.2 ms to 40 ms here) costs more than
// training a small network.
void write_file_atomic(const std::string& path, std::string_view bytes, bool sync = true);

// fsync of a folder: the renames and new entries in it are on disk. Throws nntrain::Error
// (exit 2) when it cannot be opened or synced.
void sync_folder(const std::string& folder);

}  // namespace nntrain
