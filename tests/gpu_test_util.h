// Shared by the GPU tests: the one Device they all use (NNTRAIN_TEST_DEVICE, default "gpu":
// lavapipe in CI, the real GPU under scripts/test-gpu), host<->device helpers and random data.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "nntrain/core/error.h"
#include "nntrain/core/rng.h"
#include "nntrain/gpu/buffer.h"
#include "nntrain/gpu/device.h"
#include "nntrain/gpu/stream.h"

namespace gpu_test {

inline nntrain::gpu::Device& device() {
  static std::unique_ptr<nntrain::gpu::Device> dev = [] {
    const char* spec = std::getenv("NNTRAIN_TEST_DEVICE");
    try {
      auto d = std::make_unique<nntrain::gpu::Device>(spec && *spec ? spec : "gpu");
      std::fprintf(stderr, "GPU tests on %s (%s)\n", d->info().name.c_str(), d->info().driver.c_str());
      return d;
    } catch (const nntrain::Error& e) {  // no skipping: CI has lavapipe (scripts/deps.sh installs it)
      std::fprintf(stderr, "GPU tests need a Vulkan device: %s\n", e.message().c_str());
      std::abort();
    }
  }();
  return *dev;
}

// A device buffer holding `v` (at least one element).
inline nntrain::gpu::Buffer to_device(const std::vector<float>& v) {
  nntrain::gpu::Buffer b(device(), std::max<size_t>(v.size(), 1) * 4);
  nntrain::gpu::upload(device(), b, 0, v.data(), v.size() * 4);
  return b;
}
inline nntrain::gpu::Buffer to_device(const std::vector<uint32_t>& v) {
  nntrain::gpu::Buffer b(device(), std::max<size_t>(v.size(), 1) * 4);
  nntrain::gpu::upload(device(), b, 0, v.data(), v.size() * 4);
  return b;
}
inline std::vector<float> to_host(const nntrain::gpu::Buffer& b, size_t n) {
  std::vector<float> v(n);
  nntrain::gpu::download(device(), b, 0, v.data(), n * 4);
  return v;
}

inline std::vector<float> random_floats(size_t n, uint64_t seed, double scale = 1.0) {
  nntrain::Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = float(scale * rng.normal());
  return v;
}

// max_i |a_i - b_i| / (atol + rtol·|b_i|): <= 1 passes; NaN where exactly one side is NaN.
inline double worst(const std::vector<float>& a, const std::vector<float>& b, double atol, double rtol) {
  if (a.size() != b.size()) return 1e30;
  double w = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (std::isinf(a[i]) && a[i] == b[i]) continue;
    const double d = std::abs(double(a[i]) - double(b[i])) / (atol + rtol * std::abs(double(b[i])));
    if (!(d <= w)) w = std::isnan(d) ? 1e30 : d;
  }
  return w;
}

}  // namespace gpu_test
