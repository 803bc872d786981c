// Tests for gpu/ops.h against core's CPU kernels, op by op, on random and edge shapes
// (1-wide outputs, sizes that are not a multiple of the workgroup).
#include <doctest/doctest.h>

#include "gpu_test_util.h"
#include "nntrain/core/activation.h"
#include "nntrain/gpu/ops.h"

using namespace nntrain;
using namespace nntrain::gpu;

TEST_CASE("bias_act_forward matches core for every activation, with and without bias, in place or not") {
  const Act acts[] = {Act::identity, Act::sigmoid, Act::tanh, Act::relu, Act::leaky_relu, Act::gelu, Act::softmax};
  const size_t shapes[][2] = {{1, 1}, {3, 1}, {1, 7}, {33, 10}, {257, 3}, {64, 300}};
  uint64_t seed = 1;
  for (Act act : acts)
    for (const auto& sh : shapes)
      for (int with_bias = 0; with_bias < 2; ++with_bias)
        for (int in_place = 0; in_place < 2; ++in_place) {
          const size_t rows = sh[0], n = sh[1];
          if (act == Act::softmax && in_place) continue;  // softmax keeps the logits apart
          CAPTURE(activation_name(act));
          CAPTURE(rows);
          CAPTURE(n);
          CAPTURE(with_bias);
          CAPTURE(in_place);
          auto z = gpu_test::random_floats(rows * n, seed++, 3.0);
          z[0] = 50.0f;  // saturating values too
          if (z.size() > 1) z[1] = -50.0f;
          const auto b = gpu_test::random_floats(n, seed++);
          Buffer gz = gpu_test::to_device(z), gb = gpu_test::to_device(b), ga(gpu_test::device(), z.size() * 4);
          const Ptr a_ptr = in_place ? gz.ptr() : ga.ptr();
          Stream s(gpu_test::device());
          bias_act_forward(s, gz.ptr(), a_ptr, with_bias ? gb.ptr() : Ptr{}, rows, n, act, 0.02f);
          s.run();
          std::vector<float> a(z.size());
          float* a_cpu = in_place ? z.data() : a.data();
          bias_act_forward(z.data(), a_cpu, with_bias ? b.data() : nullptr, rows, n, act, 0.02f);
          const auto got_z = gpu_test::to_host(gz, z.size());
          const auto got_a = in_place ? got_z : gpu_test::to_host(ga, z.size());
          CHECK(gpu_test::worst(got_a, in_place ? z : a, 1e-6, 4e-6) <= 1.0);
          if (!in_place) CHECK(gpu_test::worst(got_z, z, 1e-6, 1e-6) <= 1.0);
        }
}
