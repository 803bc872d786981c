// Formatting of typed errors; see error.h.
#include "nntrain/core/error.h"

namespace nntrain {

Error::Error(int exit_code, const std::string& message, SourcePos pos)
    : std::runtime_error(message), exit_code_(exit_code), pos_(std::move(pos)), message_(message) {}

// Appends only (no `":" + std::to_string(...)` temporaries): GCC 12 reports a false
// -Wrestrict on the inlined string concatenation otherwise.
std::string Error::formatted() const {
  std::string out;
  if (!pos_.file.empty()) {
    out.append(pos_.file);
    if (pos_.line > 0) {
      out.append(":").append(std::to_string(pos_.line));
      if (pos_.column > 0) out.append(":").append(std::to_string(pos_.column));
    }
    out.append(": ");
  }
  out.append(message_);
  return out;
}

}  // namespace nntrain
