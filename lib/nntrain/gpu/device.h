// A Vulkan device opened for compute: which devices the machine has (`nntrain devices`),
// `device: gpu | gpu:N` resolved to one of them, its memory, and the pipelines of the shaders
// embedded in the binary (created on first use, then cached). No Vulkan types here: the API
// lives behind the pimpl, so code outside gpu/ never sees a Vulkan header.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace nntrain::gpu {

struct DeviceInfo {
  int index = 0;              // N of gpu:N: the order of vkEnumeratePhysicalDevices
  std::string name;           // e.g. "NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)"
  std::string type;           // discrete | integrated | virtual | cpu | other
  std::string driver;         // driver name and version, e.g. "NVIDIA 580.82.07", "llvmpipe Mesa 22.3.6"
  std::string vulkan;         // the device's Vulkan version, e.g. "1.3.230"
  uint64_t memory_bytes = 0;  // device-local memory (the largest device-local heap)
  std::string unusable;       // why nntrain cannot use it ("" = usable)
};

// The machine's Vulkan devices, usable or not, in gpu:N order. Throws ConfigError (exit 2)
// saying what is missing — the loader (libvulkan1), a driver, a library a driver needs (e.g.
// libglvnd0 for NVIDIA's) — when there is none to list.
std::vector<DeviceInfo> list_devices();

// "gpu" -> -1 (the first discrete GPU, else integrated, else any usable device); "gpu:N" -> N.
// Throws ConfigError for any other text (cpu is not a GPU device).
int parse_gpu_index(const std::string& spec);

// The index in `devices` that spec index `want` (parse_gpu_index) opens: want itself, or for
// -1 the first discrete GPU, else integrated, virtual, then CPU device. Throws ConfigError
// when that device does not exist or cannot be used (and why).
int choose_device(const std::vector<DeviceInfo>& devices, int want);

// A compiled compute pipeline, owned by its Device's cache.
struct Kernel {
  const void* pipeline = nullptr;
};

class Device {
 public:
  // Opens the device `spec` names ("gpu" or "gpu:N"). Throws ConfigError (exit 2) when there
  // is no usable device, N is out of range, or the device cannot be used (and why).
  explicit Device(const std::string& spec = "gpu");
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const DeviceInfo& info() const;
  // The largest single buffer this device allocates (maxMemoryAllocationSize, maxBufferSize).
  uint64_t max_buffer_bytes() const;
  // Bytes of buffers allocated now, and the most at any time (the benchmark's peak memory).
  uint64_t allocated_bytes() const;
  uint64_t peak_allocated_bytes() const;
  void reset_peak();

  // The pipeline of embedded shader `name` (the .comp file's stem) with specialization
  // constants `spec` (constant_id 0, 1, ... in order); compiled on the first call, cached.
  // Throws std::logic_error for a name that is not embedded (a programming error).
  Kernel kernel(const std::string& name, std::initializer_list<uint32_t> spec = {});

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nntrain::gpu
