// Path helpers shared by config and run directory code: no I/O beyond the file system.
#pragma once
#include <string>

namespace nntrain {

// `path` as an absolute, lexically normal path; relative paths are taken from `base_dir`.
std::string resolve_path(const std::string& path, const std::string& base_dir);
// The folder holding `file` (absolute).
std::string parent_dir(const std::string& file);
// "configs/seed.yaml" -> "seed".
std::string file_stem(const std::string& path);

}  // namespace nntrain
