// Path helpers; see paths.h.
#include "nntrain/data/paths.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace nntrain {

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  fs::path p(path);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  return fs::absolute(p).lexically_normal().string();
}

std::string parent_dir(const std::string& file) {
  return fs::absolute(fs::path(file)).parent_path().lexically_normal().string();
}

std::string file_stem(const std::string& path) { return fs::path(path).stem().string(); }

}  // namespace nntrain
