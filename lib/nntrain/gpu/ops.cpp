// GPU ops (see ops.h): push-constant structs laid out as each shader's block, and the
// dispatch shapes.
#include "nntrain/gpu/ops.h"

namespace nntrain::gpu {

static_assert(int(Act::identity) == 0 && int(Act::sigmoid) == 1 && int(Act::tanh) == 2 && int(Act::relu) == 3 &&
                  int(Act::leaky_relu) == 4 && int(Act::gelu) == 5 && int(Act::softmax) == 6,
              "activation.glsl's ACT_* codes follow core's enum Act");

namespace {

struct BiasActPush {
  uint64_t z, a, b;
  uint32_t rows, n, act, has_bias, a_is_z;
  float slope;
};
struct SoftmaxPush {
  uint64_t z, a, b;
  uint32_t rows, n, has_bias;
};

}  // namespace

void bias_act_forward(Stream& s, Ptr z, Ptr a, Ptr b, size_t rows, size_t n, Act act, float slope) {
  if (rows == 0 || n == 0) return;
  if (act == Act::softmax) {
    const SoftmaxPush p{z.address, a.address, b.address, uint32_t(rows), uint32_t(n), b ? 1u : 0u};
    s.dispatch(s.device().kernel("softmax"), groups_for(rows, 64), p);
    return;
  }
  const BiasActPush p{z.address,      a.address,   b.address, uint32_t(rows), uint32_t(n), uint32_t(act),
                      b ? 1u : 0u, a.address == z.address ? 1u : 0u, slope};
  s.dispatch(s.device().kernel("bias_act"), groups_for(rows * n, 256), p);
}

}  // namespace nntrain::gpu
