// Tests for gpu/device.h, buffer.h and stream.h: the device list, gpu/gpu:N parsing, buffer
// round trips (device and host-visible), many dependent dispatches in one submission.
#include <doctest/doctest.h>

#include <cstring>

#include "gpu_test_util.h"
#include "nntrain/gpu/ops.h"
#include "test_util.h"

using namespace nntrain;
using namespace nntrain::gpu;

TEST_CASE("list_devices names each device, its memory and driver; gpu:N parses") {
  const auto devs = list_devices();
  REQUIRE(!devs.empty());
  for (size_t i = 0; i < devs.size(); ++i) {
    CHECK(devs[i].index == int(i));
    CHECK(!devs[i].name.empty());
    CHECK(!devs[i].driver.empty());
    CHECK(devs[i].memory_bytes > 0);
  }
  CHECK(parse_gpu_index("gpu") == -1);
  CHECK(parse_gpu_index("gpu:0") == 0);
  CHECK(parse_gpu_index("gpu:12") == 12);
  for (const char* bad : {"cpu", "gpu:", "gpu:x", "GPU", "gpu:-1", "cuda", "gpu:123456789"})
    CHECK_MESSAGE(test_util::error_of([&] { parse_gpu_index(bad); }).rfind("2 device '", 0) == 0, bad);
  CHECK(test_util::error_of([&] { Device d("gpu:" + std::to_string(devs.size())); }).find("does not exist") !=
        std::string::npos);
}

TEST_CASE("buffers: upload and download round trip, host-visible memory is mapped, sizes are tracked") {
  Device& dev = gpu_test::device();
  const auto v = gpu_test::random_floats(1000, 1);
  const uint64_t before = dev.allocated_bytes();
  {
    Buffer b = gpu_test::to_device(v);
    CHECK(dev.allocated_bytes() >= before + 4000);
    CHECK(gpu_test::to_host(b, v.size()) == v);
    CHECK(b.mapped() == nullptr);
    Buffer h(dev, 64, Memory::readback);
    REQUIRE(h.mapped() != nullptr);
    Stream s(dev);
    s.copy(b, 4 * 10, h, 0, 64);
    s.run();
    CHECK(std::memcmp(h.mapped(), v.data() + 10, 64) == 0);
    Buffer moved = std::move(h);
    CHECK(moved.mapped() != nullptr);
  }
  CHECK(dev.allocated_bytes() == before);
  CHECK(dev.peak_allocated_bytes() >= before + 4000);
}

TEST_CASE("a stream records many dependent dispatches, submits once and waits once") {
  Device& dev = gpu_test::device();
  // x = x + 1, 300 times, each dispatch reading the previous one's result: the barriers work.
  std::vector<float> v(5000, 0.0f);
  Buffer b = gpu_test::to_device(v);
  std::vector<float> one(5000, 1.0f);
  Buffer ones = gpu_test::to_device(one);
  Stream s(dev);
  for (int i = 0; i < 300; ++i) bias_act_forward(s, b.ptr(), b.ptr(), ones.ptr(), 1, 5000, Act::identity, 0.0f);
  CHECK(s.commands() == 300);
  s.run();
  const auto out = gpu_test::to_host(b, 5000);
  CHECK(out.front() == 300.0f);
  CHECK(out.back() == 300.0f);
  // The stream records again after wait(); fill writes words.
  s.fill(b, 0, 8, 0x3f800000u);  // 1.0f
  s.run();
  CHECK(gpu_test::to_host(b, 3) == std::vector<float>{1.0f, 1.0f, 300.0f});
}
