// Crash-safe file writes: write to a temporary name in the same folder, fsync, rename.
// A crash or kill -9 leaves the previous file or the new one, never a torn one.
#pragma once
#include <string>
#include <string_view>

namespace nntrain {

// Replaces `path` with `bytes` atomically. Throws nntrain::Error (exit 2) on I/O failure.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace nntrain
