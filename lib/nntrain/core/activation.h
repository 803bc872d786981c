// Activations, each forward directly above its backward, templated on float (training) and
// double (the gradient checker). The forward is fused with the Linear bias: one pass over the
// GEMM output. Not here: the fused sigmoid+bce / softmax+cross_entropy heads (loss.h).
#pragma once
#include <cstddef>
#include <string>

namespace nntrain {

enum class Act { identity, sigmoid, tanh, relu, leaky_relu, gelu, softmax };

// "relu" -> Act::relu; throws ConfigError (with the list of names) for an unknown name.
Act parse_activation(const std::string& name);
const char* activation_name(Act act);
// Whether act_backward needs the pre-activation z (otherwise a alone suffices and the
// forward may run in place, a == z).
bool act_needs_z(Act act);

// z: [B, n] the GEMM output x·Wᵀ, in place += b (b: [n], may be null for no bias);
// a: [B, n] = act(z), may alias z. softmax is over each row.
template <class T>
void bias_act_forward(T* z, T* a, const T* b, size_t rows, size_t n, Act act, T negative_slope);

// dz = g ⊙ act'(z), with z, a from the forward (z unused unless act_needs_z).
// g, dz: [B, n]; dz may alias g.
template <class T>
void act_backward(T* dz, const T* g, const T* z, const T* a, size_t rows, size_t n, Act act, T negative_slope);

}  // namespace nntrain
