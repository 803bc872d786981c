// Streams (see stream.h): one command pool, command buffer and fence each; a global memory
// barrier between dependent commands; the final barrier makes every write visible to the host.
#include "nntrain/gpu/stream.h"

#include <algorithm>
#include <stdexcept>

#include "nntrain/core/error.h"
#include "nntrain/gpu/device_impl.h"

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

constexpr VkPipelineStageFlags kWorkStages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;

}  // namespace

Groups groups_for(size_t n, uint32_t per_group) {
  const size_t g = std::max<size_t>(1, (n + per_group - 1) / per_group);
  constexpr size_t kMaxX = 65535;
  if (g <= kMaxX) return Groups{uint32_t(g), 1, 1};
  return Groups{uint32_t(kMaxX), uint32_t((g + kMaxX - 1) / kMaxX), 1};
}

Stream::Stream(Device& device) : device_(device) {
  Device::Impl& d = device.impl();
  Vk& t = vk();
  VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = d.queue_family;
  VkCommandPool pool = VK_NULL_HANDLE;
  check(t.vkCreateCommandPool(d.device, &pci, nullptr, &pool), "vkCreateCommandPool");
  pool_ = raw(pool);
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  check(t.vkAllocateCommandBuffers(d.device, &ai, &cmd), "vkAllocateCommandBuffers");
  cmd_ = raw(cmd);
  VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence = VK_NULL_HANDLE;
  check(t.vkCreateFence(d.device, &fci, nullptr, &fence), "vkCreateFence");
  fence_ = raw(fence);
}

Stream::~Stream() {
  Device::Impl& d = device_.impl();
  Vk& t = vk();
  VkFence fence = as<VkFence>(fence_);
  if (submitted_) t.vkWaitForFences(d.device, 1, &fence, VK_TRUE, UINT64_MAX);
  t.vkDestroyFence(d.device, fence, nullptr);
  t.vkDestroyCommandPool(d.device, as<VkCommandPool>(pool_), nullptr);  // frees the command buffer
}

void Stream::begin_if_needed() {
  if (submitted_) throw std::logic_error("gpu::Stream: recording while a submission is pending (call wait())");
  if (recording_) return;
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vk().vkResetCommandBuffer(as<VkCommandBuffer>(cmd_), 0), "vkResetCommandBuffer");
  check(vk().vkBeginCommandBuffer(as<VkCommandBuffer>(cmd_), &bi), "vkBeginCommandBuffer");
  recording_ = true;
  dirty_ = false;
  skip_barrier_ = false;
  commands_ = 0;
}

void Stream::barrier_if_needed() {
  if (dirty_ && !skip_barrier_) {
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                       VK_ACCESS_TRANSFER_WRITE_BIT;
    vk().vkCmdPipelineBarrier(as<VkCommandBuffer>(cmd_), kWorkStages, kWorkStages, 0, 1, &mb, 0, nullptr, 0, nullptr);
    dirty_ = false;
  }
  skip_barrier_ = false;
}

void Stream::dispatch_raw(Kernel kernel, Groups g, const void* push, uint32_t bytes) {
  begin_if_needed();
  barrier_if_needed();
  Vk& t = vk();
  const VkCommandBuffer cmd = as<VkCommandBuffer>(cmd_);
  t.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, static_cast<VkPipeline>(const_cast<void*>(kernel.pipeline)));
  if (bytes) t.vkCmdPushConstants(cmd, device_.impl().layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, bytes, push);
  t.vkCmdDispatch(cmd, g.x, g.y, g.z);
  dirty_ = true;
  ++commands_;
}

void Stream::copy(const Buffer& src, size_t src_offset, const Buffer& dst, size_t dst_offset, size_t bytes) {
  if (bytes == 0) return;
  begin_if_needed();
  barrier_if_needed();
  VkBufferCopy region{src_offset, dst_offset, bytes};
  vk().vkCmdCopyBuffer(as<VkCommandBuffer>(cmd_), as<VkBuffer>(src.handle()), as<VkBuffer>(dst.handle()), 1, &region);
  dirty_ = true;
  ++commands_;
}

void Stream::fill(const Buffer& dst, size_t offset, size_t bytes, uint32_t value) {
  if (bytes == 0) return;
  begin_if_needed();
  barrier_if_needed();
  vk().vkCmdFillBuffer(as<VkCommandBuffer>(cmd_), as<VkBuffer>(dst.handle()), offset, bytes, value);
  dirty_ = true;
  ++commands_;
}

Ptr Stream::scratch(size_t bytes) {
  Buffer& b = scratch_[scratch_next_];
  scratch_next_ ^= 1;
  if (b.bytes() < bytes) {
    if (b.bytes()) retired_.push_back(std::move(b));
    b = Buffer(device_, bytes);
  }
  return b.ptr();
}

void Stream::submit() {
  begin_if_needed();  // an empty submission is allowed: wait() then simply returns
  Device::Impl& d = device_.impl();
  Vk& t = vk();
  const VkCommandBuffer cmd = as<VkCommandBuffer>(cmd_);
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};  // everything written, visible to the host
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  t.vkCmdPipelineBarrier(cmd, kWorkStages, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  check(t.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
  recording_ = false;
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  VkFence fence = as<VkFence>(fence_);
  check(t.vkResetFences(d.device, 1, &fence), "vkResetFences");
  {
    std::lock_guard<std::mutex> lock(d.mutex);  // one queue, shared by every stream of the device
    check(t.vkQueueSubmit(d.queue, 1, &si, fence), "vkQueueSubmit");
  }
  submitted_ = true;
}

void Stream::wait() {
  if (!submitted_) return;
  VkFence fence = as<VkFence>(fence_);
  submitted_ = false;
  check(vk().vkWaitForFences(device_.impl().device, 1, &fence, VK_TRUE, UINT64_MAX), "waiting for the GPU");
  retired_.clear();
}

}  // namespace nntrain::gpu
