// Inverted dropout as torch.nn.Dropout in training mode: y = x ⊙ m with m = 1/(1-p) where a
// uniform draw is >= p, else 0. The draws are counter-based (Philox4x32-10): the mask of
// element (row of the whole batch, unit, config layer) is a pure function of one 64-bit key
// per training batch, so any shard of a batch's rows, any MPI rank and the GPU shader compute
// the same masks without a shared stream. Eval mode is the identity and never calls these.
// Not here: the decision train/eval (network.h), drawing the key (the caller, one
// rng.next_u64() per training batch of a network with dropout).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace nntrain {

// Philox4x32-10 (Salmon et al. 2011), the bits of Random123's philox4x32_R(10, ctr, key),
// cuRAND's and PyTorch's: 10 rounds, the key bumped between rounds.
std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

// The uniform in [0, 1) of element (row, col) of config layer `layer` under the batch key:
// word 0 of philox4x32_10({row, col, layer, 0}, {uint32(key), uint32(key >> 32)}), top 24 bits
// scaled by 2^-24 (exact in float).
float dropout_uniform(uint64_t key, uint32_t row, uint32_t col, uint32_t layer);

// mask: [rows, cols] for rows row0 .. row0+rows-1 of the batch (row0 > 0 for a shard or a row
// block), each element 0 or 1/(1-p) (all 0 when p >= 1, as torch): scale where
// dropout_uniform(key, row, col, layer) >= float(p).
template <class T>
void dropout_make_mask(T* mask, size_t row0, size_t rows, size_t cols, uint32_t layer, double p, uint64_t key);

// y = x ⊙ mask (y may alias x).
template <class T>
void dropout_forward(T* y, const T* x, const T* mask, size_t n);
// dx = dy ⊙ mask (dx may alias dy).
template <class T>
void dropout_backward(T* dx, const T* dy, const T* mask, size_t n);

}  // namespace nntrain
