// Device::Impl: the Vulkan objects behind a Device, shared by device.cpp, buffer.cpp and
// stream.cpp. Private to gpu/ (it includes vk.h).
#pragma once
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "nntrain/gpu/device.h"
#include "nntrain/gpu/vk.h"

namespace nntrain::gpu {

// Push constants every kernel may use: the minimum every Vulkan device offers.
constexpr uint32_t kPushBytes = 128;

struct Device::Impl {
  DeviceInfo info;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queue_family = 0;
  VkPhysicalDeviceMemoryProperties memory{};
  VkPhysicalDeviceLimits limits{};
  uint64_t max_allocation = 0;
  uint32_t device_type = UINT32_MAX;    // memory type indices
  uint32_t upload_type = UINT32_MAX;    // host-visible, coherent
  uint32_t readback_type = UINT32_MAX;  // host-visible, coherent, cached where offered
  VkPipelineLayout layout = VK_NULL_HANDLE;  // one for every kernel: push constants only
  std::mutex mutex;                          // guards pipelines and queue submission
  std::map<std::string, VkPipeline> pipelines;
  std::atomic<uint64_t> allocated{0}, peak{0};

  void on_alloc(uint64_t bytes);
  void on_free(uint64_t bytes) { allocated -= bytes; }
};

}  // namespace nntrain::gpu
