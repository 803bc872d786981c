// The Vulkan API as nntrain uses it: the headers without prototypes (VK_NO_PROTOTYPES) and one
// table of function pointers filled from libvulkan.so.1, which is dlopen'ed on first use and
// never linked, so a CPU-only user needs no Vulkan library at run time. Private to gpu/: no
// header outside this folder includes it.
#pragma once
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <string>

namespace nntrain::gpu {

// X(name): every Vulkan function nntrain calls, by where it is looked up.
#define NNTRAIN_VK_GLOBAL(X) \
  X(vkCreateInstance)        \
  X(vkEnumerateInstanceVersion)

#define NNTRAIN_VK_INSTANCE(X)                 \
  X(vkDestroyInstance)                         \
  X(vkEnumeratePhysicalDevices)                \
  X(vkGetPhysicalDeviceProperties)             \
  X(vkGetPhysicalDeviceProperties2)            \
  X(vkGetPhysicalDeviceFeatures2)              \
  X(vkGetPhysicalDeviceMemoryProperties)       \
  X(vkGetPhysicalDeviceQueueFamilyProperties)  \
  X(vkCreateDevice)                            \
  X(vkGetDeviceProcAddr)

#define NNTRAIN_VK_DEVICE(X)          \
  X(vkDestroyDevice)                  \
  X(vkGetDeviceQueue)                 \
  X(vkCreateBuffer)                   \
  X(vkDestroyBuffer)                  \
  X(vkGetBufferMemoryRequirements)    \
  X(vkAllocateMemory)                 \
  X(vkFreeMemory)                     \
  X(vkBindBufferMemory)               \
  X(vkMapMemory)                      \
  X(vkUnmapMemory)                    \
  X(vkGetBufferDeviceAddress)         \
  X(vkCreateShaderModule)             \
  X(vkDestroyShaderModule)            \
  X(vkCreatePipelineLayout)           \
  X(vkDestroyPipelineLayout)          \
  X(vkCreateComputePipelines)         \
  X(vkDestroyPipeline)                \
  X(vkCreateCommandPool)              \
  X(vkDestroyCommandPool)             \
  X(vkAllocateCommandBuffers)         \
  X(vkFreeCommandBuffers)             \
  X(vkBeginCommandBuffer)             \
  X(vkEndCommandBuffer)               \
  X(vkResetCommandBuffer)             \
  X(vkCmdBindPipeline)                \
  X(vkCmdPushConstants)               \
  X(vkCmdDispatch)                    \
  X(vkCmdPipelineBarrier)             \
  X(vkCmdCopyBuffer)                  \
  X(vkCmdFillBuffer)                  \
  X(vkCmdWriteTimestamp)              \
  X(vkCmdResetQueryPool)              \
  X(vkCreateQueryPool)                \
  X(vkDestroyQueryPool)               \
  X(vkGetQueryPoolResults)            \
  X(vkQueueSubmit)                    \
  X(vkCreateFence)                    \
  X(vkDestroyFence)                   \
  X(vkWaitForFences)                  \
  X(vkResetFences)                    \
  X(vkDeviceWaitIdle)

struct Vk {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
#define NNTRAIN_VK_MEMBER(name) PFN_##name name = nullptr;
  NNTRAIN_VK_GLOBAL(NNTRAIN_VK_MEMBER)
  NNTRAIN_VK_INSTANCE(NNTRAIN_VK_MEMBER)
  NNTRAIN_VK_DEVICE(NNTRAIN_VK_MEMBER)
#undef NNTRAIN_VK_MEMBER
};

// The process's table. The first call dlopens the loader and fills the global functions;
// throws ConfigError (exit 2) naming the missing library and its package when it cannot.
Vk& vk();
// Fills the instance- and device-level functions once the instance exists. Device functions
// come through vkGetInstanceProcAddr (the loader's dispatching entry points), so one table
// serves every device of the process.
void load_instance_functions(VkInstance instance);

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" etc.
const char* result_name(VkResult r);
// Throws ConfigError "<what> failed: <result name>" unless r is VK_SUCCESS.
void check(VkResult r, const char* what);

}  // namespace nntrain::gpu
