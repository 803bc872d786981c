// libFuzzer target: bytes as a YAML config, optionally followed by a NUL and one KEY=VALUE
// override per line. Only nntrain::Error may come out; an accepted config must survive
// config_to_yaml -> parse_config unchanged (else the target traps: a finding).
#include <cstdint>
#include <string>
#include <vector>

#include "nntrain/data/config_io.h"
#include "nntrain/core/error.h"

using namespace nntrain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  const std::string yaml = in.substr(0, nul);
  std::vector<std::string> overrides;
  if (nul != std::string::npos) {
    size_t start = nul + 1;
    while (start <= in.size()) {
      size_t end = in.find('\n', start);
      if (end == std::string::npos) end = in.size();
      if (end > start) overrides.push_back(in.substr(start, end - start));
      start = end + 1;
    }
  }
  Config c;
  try {
    c = parse_config(yaml, "fuzz.yaml", "/base", overrides);
  } catch (const Error&) {
    return 0;
  }
  const std::string out = config_to_yaml(c);
  Config back;
  try {
    back = parse_config(out, "fuzz.yaml", "/elsewhere");
  } catch (const Error& e) {
    __builtin_trap();  // the resolved config must load
  }
  if (!(back == c)) __builtin_trap();
  return 0;
}
