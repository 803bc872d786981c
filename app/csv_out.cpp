// Output helpers for the commands (see csv_out.h). Not a CSV reader: that is lib/csv.
#include "csv_out.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "nntrain/run/atomic_file.h"
#include "nntrain/core/error.h"

std::string csv_field(const std::string& s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' ' || s.front() == '\t' || s.back() == '\t'));
  if (!quote) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  q += '"';
  return q;
}

void append_float(std::string& out, float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double v) {
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      throw nntrain::Error(nntrain::kExitUsage, std::string("cannot write to stdout: ") + std::strerror(errno));
    return;
  }
  nntrain::write_file_atomic(path, text);
}
