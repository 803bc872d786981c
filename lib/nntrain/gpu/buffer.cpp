// Buffers (see buffer.h): one VkDeviceMemory per buffer, allocated with the device-address
// flag, host-visible ones mapped for their whole life.
#include "nntrain/gpu/buffer.h"

#include <algorithm>
#include <cstring>

#include "nntrain/core/error.h"
#include "nntrain/gpu/device_impl.h"
#include "nntrain/gpu/stream.h"

namespace nntrain::gpu {

namespace {

template <class H>
H as(uint64_t v) {
  return reinterpret_cast<H>(v);
}
template <class H>
uint64_t raw(H h) {
  return reinterpret_cast<uint64_t>(h);
}

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

Buffer::Buffer(Device& device, size_t bytes, Memory memory) : device_(&device), bytes_(bytes) {
  Device::Impl& d = device.impl();
  Vk& t = vk();
  const size_t size = std::max<size_t>(bytes, 16);
  if (size > device.max_buffer_bytes())
    throw ConfigError("GPU: a buffer of " + mib(size) + " exceeds the largest the device allocates (" +
                      mib(device.max_buffer_bytes()) + ")");
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = size;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
              VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buf = VK_NULL_HANDLE;
  check(t.vkCreateBuffer(d.device, &bci, nullptr, &buf), "vkCreateBuffer");
  handle_ = raw(buf);
  VkMemoryRequirements req{};
  t.vkGetBufferMemoryRequirements(d.device, buf, &req);
  uint32_t type = memory == Memory::device ? d.device_type : memory == Memory::upload ? d.upload_type : d.readback_type;
  if (!(req.memoryTypeBits & (1u << type))) {  // the buffer cannot live there: any type it allows with the same flags
    const VkMemoryPropertyFlags want = d.memory.memoryTypes[type].propertyFlags;
    for (uint32_t i = 0; i < d.memory.memoryTypeCount; ++i)
      if ((req.memoryTypeBits & (1u << i)) && (d.memory.memoryTypes[i].propertyFlags & want) == want) {
        type = i;
        break;
      }
  }
  VkMemoryAllocateFlagsInfo flags{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO};
  flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.pNext = &flags;
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = type;
  VkDeviceMemory mem = VK_NULL_HANDLE;
  const VkResult r = t.vkAllocateMemory(d.device, &ai, nullptr, &mem);
  if (r != VK_SUCCESS) {
    release();
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
      throw ConfigError("GPU out of memory: allocating " + mib(req.size) + " with " + mib(d.allocated.load()) +
                        " in use (the device has " + mib(d.info.memory_bytes) +
                        "); try a smaller batch_size or network, or device: cpu");
    check(r, "vkAllocateMemory");
  }
  memory_ = raw(mem);
  bytes_alloc_ = req.size;
  d.on_alloc(bytes_alloc_);
  check(t.vkBindBufferMemory(d.device, buf, mem, 0), "vkBindBufferMemory");
  VkBufferDeviceAddressInfo bai{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
  bai.buffer = buf;
  address_ = t.vkGetBufferDeviceAddress(d.device, &bai);
  if (memory != Memory::device) check(t.vkMapMemory(d.device, mem, 0, VK_WHOLE_SIZE, 0, &mapped_), "vkMapMemory");
}

void Buffer::release() {
  if (!device_) return;
  Device::Impl& d = device_->impl();
  Vk& t = vk();
  if (mapped_) t.vkUnmapMemory(d.device, as<VkDeviceMemory>(memory_));
  if (handle_) t.vkDestroyBuffer(d.device, as<VkBuffer>(handle_), nullptr);
  if (memory_) {
    t.vkFreeMemory(d.device, as<VkDeviceMemory>(memory_), nullptr);
    d.on_free(bytes_alloc_);
  }
  device_ = nullptr;
  handle_ = memory_ = address_ = 0;
  mapped_ = nullptr;
  bytes_ = bytes_alloc_ = 0;
}

Buffer::~Buffer() { release(); }

Buffer::Buffer(Buffer&& o) noexcept { *this = std::move(o); }

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this == &o) return *this;
  release();
  device_ = o.device_;
  bytes_ = o.bytes_;
  bytes_alloc_ = o.bytes_alloc_;
  handle_ = o.handle_;
  memory_ = o.memory_;
  address_ = o.address_;
  mapped_ = o.mapped_;
  o.device_ = nullptr;
  o.handle_ = o.memory_ = o.address_ = 0;
  o.mapped_ = nullptr;
  o.bytes_ = o.bytes_alloc_ = 0;
  return *this;
}

void upload(Device& device, const Buffer& dst, size_t dst_offset, const void* src, size_t bytes) {
  if (bytes == 0) return;
  Buffer staging(device, bytes, Memory::upload);
  std::memcpy(staging.mapped(), src, bytes);
  Stream s(device);
  s.copy(staging, 0, dst, dst_offset, bytes);
  s.run();
}

void download(Device& device, const Buffer& src, size_t src_offset, void* dst, size_t bytes) {
  if (bytes == 0) return;
  Buffer staging(device, bytes, Memory::readback);
  Stream s(device);
  s.copy(src, src_offset, staging, 0, bytes);
  s.run();
  std::memcpy(dst, staging.mapped(), bytes);
}

}  // namespace nntrain::gpu
