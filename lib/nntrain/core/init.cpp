// Weight initialisation (see init.h for the exact distributions).
#include "nntrain/core/init.h"

#include <cmath>

#include "nntrain/core/error.h"

namespace nntrain {

InitScheme parse_init(const std::string& name) {
  if (name == "auto") return InitScheme::auto_;
  if (name == "he") return InitScheme::he;
  if (name == "xavier") return InitScheme::xavier;
  if (name == "torch") return InitScheme::torch;
  throw ConfigError("unknown model.init '" + name + "' (expected auto, he, xavier or torch)");
}

InitScheme resolve_init(InitScheme scheme, Act act) {
  if (scheme != InitScheme::auto_) return scheme;
  return (act == Act::relu || act == Act::leaky_relu || act == Act::gelu) ? InitScheme::he : InitScheme::xavier;
}

void init_linear(float* W, float* b, size_t in, size_t out, InitScheme scheme, Act act, double negative_slope,
                 Rng& rng) {
  const size_t n = in * out;
  switch (resolve_init(scheme, act)) {
    case InitScheme::torch: {
      const double bound = 1.0 / std::sqrt(double(in));
      for (size_t i = 0; i < n; ++i) W[i] = static_cast<float>(rng.uniform(-bound, bound));
      for (size_t j = 0; j < out; ++j) b[j] = static_cast<float>(rng.uniform(-bound, bound));
      return;
    }
    case InitScheme::he: {
      const double a = act == Act::leaky_relu ? negative_slope : 0.0;
      const double std_dev = std::sqrt(2.0 / (1.0 + a * a)) / std::sqrt(double(in));
      for (size_t i = 0; i < n; ++i) W[i] = static_cast<float>(std_dev * rng.normal());
      break;
    }
    case InitScheme::xavier:
    case InitScheme::auto_: {
      const double bound = std::sqrt(6.0 / double(in + out));
      for (size_t i = 0; i < n; ++i) W[i] = static_cast<float>(rng.uniform(-bound, bound));
      break;
    }
  }
  for (size_t j = 0; j < out; ++j) b[j] = 0.0f;
}

}  // namespace nntrain
