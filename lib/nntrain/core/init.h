// Weight initialisation of one Linear layer (W: [out, in], b: [out]) from the seeded Rng:
//   torch  — nn.Linear's default: kaiming_uniform_(a=√5) => W ~ U(±1/√in), b ~ U(±1/√in).
//   he     — kaiming_normal_(mode=fan_in): W ~ N(0, gain²/in), gain = √(2/(1+a²)) with a the
//            layer's negative_slope for leaky_relu, 0 otherwise (relu, gelu, ...); b = 0.
//   xavier — xavier_uniform_(gain=1): W ~ U(±√(6/(in+out))); b = 0.
//   auto   — he after relu/leaky_relu/gelu, xavier otherwise.
// Draws W row-major, then b (torch only). Not here: which layers exist (network.h).
#pragma once
#include <cstddef>
#include <string>

#include "nntrain/core/activation.h"
#include "nntrain/core/rng.h"

namespace nntrain {

enum class InitScheme { auto_, he, xavier, torch };

// Throws ConfigError for an unknown name.
InitScheme parse_init(const std::string& name);
// auto resolved for a layer followed by `act`.
InitScheme resolve_init(InitScheme scheme, Act act);

void init_linear(float* W, float* b, size_t in, size_t out, InitScheme scheme, Act act, double negative_slope,
                 Rng& rng);

}  // namespace nntrain
