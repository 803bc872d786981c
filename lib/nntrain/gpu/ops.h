// The GPU side of core's op vocabulary: each function records one kernel (or a few) into a
// Stream, with the arguments and shapes of the CPU kernel it mirrors (named the same), on
// device pointers instead of host ones. GEMMs are in gemm.h.
#pragma once
#include <cstddef>

#include "nntrain/core/activation.h"
#include "nntrain/gpu/buffer.h"
#include "nntrain/gpu/stream.h"

namespace nntrain::gpu {

// core's bias_act_forward: z [B, n] += b (b may be null: Ptr{}), a = act(z); a may be z.
void bias_act_forward(Stream& s, Ptr z, Ptr a, Ptr b, size_t rows, size_t n, Act act, float negative_slope);

}  // namespace nntrain::gpu
