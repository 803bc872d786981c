// The dlopen'ed Vulkan loader (see vk.h). The loader library is found by its soname, as the
// dynamic linker would; NNTRAIN_TEST_VULKAN_LIBRARY names another file (a test hook for the
// missing-loader error).
#include "nntrain/gpu/vk.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "nntrain/core/error.h"

namespace nntrain::gpu {

namespace {

struct Loaded {
  Vk table;
  std::string error;  // empty when the loader is there
};

Loaded load() {
  Loaded l;
  const char* over = std::getenv("NNTRAIN_TEST_VULKAN_LIBRARY");
  const char* name = over && *over ? over : "libvulkan.so.1";
  void* lib = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    l.error = std::string("the Vulkan loader ") + name +
              " is not installed (on Debian/Ubuntu: apt install libvulkan1; an NVIDIA GPU also needs libglvnd0)";
    return l;
  }
  // Never dlclose'd: drivers keep pointers into it until the process ends.
  l.table.vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(::dlsym(lib, "vkGetInstanceProcAddr"));
  if (!l.table.vkGetInstanceProcAddr) {
    l.error = std::string(name) + " has no vkGetInstanceProcAddr: not a Vulkan loader";
    return l;
  }
#define NNTRAIN_VK_LOAD(fn) l.table.fn = reinterpret_cast<PFN_##fn>(l.table.vkGetInstanceProcAddr(nullptr, #fn));
  NNTRAIN_VK_GLOBAL(NNTRAIN_VK_LOAD)
#undef NNTRAIN_VK_LOAD
  if (!l.table.vkCreateInstance) l.error = std::string(name) + " does not export vkCreateInstance";
  return l;
}

}  // namespace

Vk& vk() {
  static Loaded loaded = load();
  if (!loaded.error.empty()) throw ConfigError(loaded.error);
  return loaded.table;
}

void load_instance_functions(VkInstance instance) {
  Vk& t = vk();
  static std::once_flag once;
  std::call_once(once, [&] {
#define NNTRAIN_VK_LOAD(fn) t.fn = reinterpret_cast<PFN_##fn>(t.vkGetInstanceProcAddr(instance, #fn));
    NNTRAIN_VK_INSTANCE(NNTRAIN_VK_LOAD)
    NNTRAIN_VK_DEVICE(NNTRAIN_VK_LOAD)
#undef NNTRAIN_VK_LOAD
  });
}

const char* result_name(VkResult r) {
  switch (r) {
#define NNTRAIN_VK_CASE(x) \
  case x: return #x;
    NNTRAIN_VK_CASE(VK_SUCCESS)
    NNTRAIN_VK_CASE(VK_NOT_READY)
    NNTRAIN_VK_CASE(VK_TIMEOUT)
    NNTRAIN_VK_CASE(VK_INCOMPLETE)
    NNTRAIN_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    NNTRAIN_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    NNTRAIN_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    NNTRAIN_VK_CASE(VK_ERROR_DEVICE_LOST)
    NNTRAIN_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    NNTRAIN_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    NNTRAIN_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    NNTRAIN_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    NNTRAIN_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    NNTRAIN_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    NNTRAIN_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    NNTRAIN_VK_CASE(VK_ERROR_FRAGMENTED_POOL)
    NNTRAIN_VK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    NNTRAIN_VK_CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    NNTRAIN_VK_CASE(VK_ERROR_FRAGMENTATION)
    NNTRAIN_VK_CASE(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    NNTRAIN_VK_CASE(VK_ERROR_UNKNOWN)
#undef NNTRAIN_VK_CASE
    default: return "VkResult error";
  }
}

void check(VkResult r, const char* what) {
  if (r == VK_SUCCESS) return;
  std::string msg = std::string("GPU: ") + what + " failed: " + result_name(r);
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
    msg += " (try a smaller batch_size or network, or device: cpu)";
  if (r == VK_ERROR_DEVICE_LOST) msg += " (the driver reset the GPU; run again, or with device: cpu)";
  throw ConfigError(msg);
}

}  // namespace nntrain::gpu
