// Inverted dropout as torch.nn.Dropout in training mode: y = x ⊙ m with m = 1/(1-p) where a
// uniform draw from the seeded Rng is >= p, else 0. Eval mode is the identity and never calls
// these. Not here: the decision train/eval (network.h).
#pragma once
#include <cstddef>

#include "nntrain/core/rng.h"

namespace nntrain {

// mask: [n] filled with 0 or 1/(1-p) (all 0 when p >= 1, as torch), one Rng draw per element.
template <class T>
void dropout_make_mask(T* mask, size_t n, double p, Rng& rng);

// y = x ⊙ mask (y may alias x).
template <class T>
void dropout_forward(T* y, const T* x, const T* mask, size_t n);
// dx = dy ⊙ mask (dx may alias dy).
template <class T>
void dropout_backward(T* dx, const T* dy, const T* mask, size_t n);

}  // namespace nntrain
