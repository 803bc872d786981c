// Path helpers; see paths.h.
#include "nntrain/data/paths.h"

#include <filesystem>

#include "nntrain/core/error.h"

namespace fs = std::filesystem;

namespace nntrain {

namespace {

// fs::absolute without its exception: it fails only when the working directory cannot be read
// (removed, or no permission), which is worth saying in our words.
fs::path absolute_or_throw(const fs::path& p) {
  std::error_code ec;
  fs::path a = fs::absolute(p, ec);
  if (ec)
    throw ConfigError("cannot resolve the path '" + p.string() + "': " + ec.message() +
                      " (was the working directory removed?)");
  return a;
}

}  // namespace

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  fs::path p(path);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  return absolute_or_throw(p).lexically_normal().string();
}

std::string parent_dir(const std::string& file) {
  return absolute_or_throw(fs::path(file)).parent_path().lexically_normal().string();
}

std::string file_stem(const std::string& path) { return fs::path(path).stem().string(); }

}  // namespace nntrain
