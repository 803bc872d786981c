// GPU memory: a Buffer is one allocation, device-local (where the training data, parameters
// and activations live) or host-visible (staging for uploads and readbacks, mapped for its
// whole life). Shaders see buffers through their 64-bit device addresses (Ptr), passed in
// push constants: no descriptor sets, and no binding-range limit.
#pragma once
#include <cstddef>
#include <cstdint>

#include "nntrain/gpu/device.h"

namespace nntrain::gpu {

// The device address of a 4-byte element (float or uint32); + n moves by n elements.
struct Ptr {
  uint64_t address = 0;
  Ptr operator+(size_t elements) const { return Ptr{address + uint64_t(elements) * 4}; }
  explicit operator bool() const { return address != 0; }
};

enum class Memory {
  device,    // device-local: what shaders read and write
  upload,    // host-visible, coherent: the host writes, the GPU reads
  readback,  // host-visible, coherent (cached where the device offers it): the GPU writes, the host reads
};

class Buffer {
 public:
  Buffer() = default;
  // Throws ConfigError (exit 2) when the device cannot allocate it (out of GPU memory, or
  // larger than Device::max_buffer_bytes()).
  Buffer(Device& device, size_t bytes, Memory memory = Memory::device);
  ~Buffer();
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  size_t bytes() const { return bytes_; }
  Ptr ptr(size_t elements = 0) const { return Ptr{address_} + elements; }
  // The host's view of an upload or readback buffer (nullptr for device memory).
  void* mapped() const { return mapped_; }
  float* floats() const { return static_cast<float*>(mapped_); }

  // Opaque handles for Stream (VkBuffer).
  uint64_t handle() const { return handle_; }

 private:
  void release();
  Device* device_ = nullptr;
  size_t bytes_ = 0;
  uint64_t bytes_alloc_ = 0;  // what the allocation counts against the device
  uint64_t handle_ = 0;  // VkBuffer
  uint64_t memory_ = 0;  // VkDeviceMemory
  uint64_t address_ = 0;
  void* mapped_ = nullptr;
};

// Synchronous copies between host memory and a buffer, through a temporary staging buffer
// (for setup and tests; the training loop records its copies into a Stream instead).
void upload(Device& device, const Buffer& dst, size_t dst_offset, const void* src, size_t bytes);
void download(Device& device, const Buffer& src, size_t src_offset, void* dst, size_t bytes);

}  // namespace nntrain::gpu
