// Devices (see device.h): the process's one VkInstance, the device list with the reason each
// unusable device is unusable, the diagnosis when there is no device at all (which library a
// driver misses, and its package), and Device: queue, memory types, the pipeline cache.
#include "nntrain/gpu/device.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "nntrain/core/error.h"
#include "nntrain/gpu/device_impl.h"
#include "nntrain/gpu/shaders.h"

namespace fs = std::filesystem;

namespace nntrain::gpu {

namespace {

// ---- why there is no device ------------------------------------------------------------

// The Debian/Ubuntu package of a library a Vulkan driver commonly needs.
std::string package_of(const std::string& lib) {
  static const std::pair<const char*, const char*> known[] = {
      {"libGLdispatch.so", "libglvnd0"}, {"libGLX.so", "libglx0"},         {"libEGL.so", "libegl1"},
      {"libOpenGL.so", "libopengl0"},    {"libvulkan.so", "libvulkan1"},    {"libX11.so", "libx11-6"},
      {"libXext.so", "libxext6"},        {"libxcb.so", "libxcb1"},          {"libwayland-client.so", "libwayland-client0"},
      {"libLLVM", "libllvm15"},          {"libdrm.so", "libdrm2"},          {"libz.so", "zlib1g"},
  };
  for (const auto& [prefix, pkg] : known)
    if (lib.rfind(prefix, 0) == 0) return pkg;
  return "";
}

// The ICD manifests the loader reads: VK_DRIVER_FILES / VK_ICD_FILENAMES when set (files or
// folders, ':'-separated), else the standard folders.
std::vector<fs::path> icd_manifests(std::string& where) {
  std::vector<std::string> places;
  const char* name = "VK_DRIVER_FILES";
  const char* env = std::getenv(name);
  if (!env || !*env) env = std::getenv(name = "VK_ICD_FILENAMES");
  if (env && *env) {
    where = std::string(name) + "=" + env;
    std::string s = env;
    for (size_t p = 0; p <= s.size();) {
      const size_t q = std::min(s.find(':', p), s.size());
      if (q > p) places.push_back(s.substr(p, q - p));
      p = q + 1;
    }
  } else {
    where = "/etc/vulkan/icd.d or /usr/share/vulkan/icd.d";
    places = {"/etc/vulkan/icd.d", "/usr/local/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d",
              "/usr/local/share/vulkan/icd.d"};
  }
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& p : places) {
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.path().extension() == ".json") out.push_back(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What is wrong with one ICD manifest's driver library ("" when it loads).
std::string icd_problem(const fs::path& manifest) {
  std::ifstream in(manifest);
  std::string lib;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    lib = j.at("ICD").at("library_path").get<std::string>();
  } catch (const std::exception&) {
    return manifest.string() + " is not a valid Vulkan ICD manifest";
  }
  if (lib.find('/') != std::string::npos && fs::path(lib).is_relative()) lib = (manifest.parent_path() / lib).string();
  void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h) return "";  // left loaded: the loader may load it again, and unloading drivers is unsafe
  const std::string err = ::dlerror();
  // "libGLdispatch.so.0: cannot open shared object file: No such file or directory"
  const size_t colon = err.find(": cannot open shared object file");
  std::string missing;
  if (colon != std::string::npos) {
    const size_t start = err.rfind(' ', colon);
    missing = err.substr(start == std::string::npos ? 0 : start + 1, colon - (start == std::string::npos ? 0 : start + 1));
  }
  std::string why = "the Vulkan driver " + fs::path(lib).filename().string() + " (" + manifest.string() + ") cannot load: ";
  if (missing.empty()) return why + err;
  if (missing == lib || fs::path(missing).filename() == fs::path(lib).filename())
    return why + "the driver library itself is not installed";
  const std::string pkg = package_of(fs::path(missing).filename().string());
  return why + missing + " is missing" +
         (pkg.empty() ? " (find its package with apt-file search " + missing + ")" : " (install " + pkg + ")");
}

std::string no_device_reason(const std::string& loader_said) {
  std::string where;
  const auto manifests = icd_manifests(where);
  if (manifests.empty())
    return "no Vulkan driver is installed (" + loader_said + "; no ICD manifest in " + where +
           "): an NVIDIA GPU needs the driver's Vulkan part (libnvidia-gl) and libglvnd0; the CPU driver for "
           "testing is mesa-vulkan-drivers";
  std::string problems;
  for (const auto& m : manifests) {
    const std::string p = icd_problem(m);
    if (!p.empty()) problems += (problems.empty() ? "" : "; ") + p;
  }
  if (!problems.empty()) return "no usable Vulkan device: " + problems;
  return "no usable Vulkan device: the Vulkan drivers load but report no device (" + loader_said +
         "); check that the GPU's kernel driver matches its user-space driver (nvidia-smi)";
}

// ---- the instance ----------------------------------------------------------------------

struct Instance {
  VkInstance handle = VK_NULL_HANDLE;
  std::string error;
  ~Instance() {
    if (handle) vk().vkDestroyInstance(handle, nullptr);
  }
};

VkInstance instance() {
  static Instance inst = [] {
    Instance i;
    Vk& t = vk();
    uint32_t version = VK_API_VERSION_1_0;
    if (t.vkEnumerateInstanceVersion) t.vkEnumerateInstanceVersion(&version);
    if (version < VK_API_VERSION_1_2) {
      i.error = "the Vulkan loader is version " + std::to_string(VK_API_VERSION_MAJOR(version)) + "." +
                std::to_string(VK_API_VERSION_MINOR(version)) + "; nntrain needs 1.2 or later (upgrade libvulkan1)";
      return i;
    }
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "nntrain";
    app.apiVersion = VK_API_VERSION_1_2;
    VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    const VkResult r = t.vkCreateInstance(&ci, nullptr, &i.handle);
    if (r != VK_SUCCESS) {
      i.handle = VK_NULL_HANDLE;
      i.error = no_device_reason(std::string("vkCreateInstance: ") + result_name(r));
      return i;
    }
    load_instance_functions(i.handle);
    return i;
  }();
  if (!inst.error.empty()) throw ConfigError(inst.error);
  return inst.handle;
}

std::string version_text(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
         std::to_string(VK_API_VERSION_PATCH(v));
}

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

int compute_queue_family(VkPhysicalDevice pd) {
  uint32_t n = 0;
  vk().vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
  std::vector<VkQueueFamilyProperties> fams(n);
  vk().vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, fams.data());
  for (uint32_t i = 0; i < n; ++i)
    if (fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return int(i);
  return -1;
}

DeviceInfo describe(VkPhysicalDevice pd, int index) {
  Vk& t = vk();
  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  VkPhysicalDeviceProperties basic{};
  t.vkGetPhysicalDeviceProperties(pd, &basic);
  const bool v12 = basic.apiVersion >= VK_API_VERSION_1_2;
  if (v12) props.pNext = &driver;
  t.vkGetPhysicalDeviceProperties2(pd, &props);
  DeviceInfo d;
  d.index = index;
  d.name = props.properties.deviceName;
  d.type = type_name(props.properties.deviceType);
  d.vulkan = version_text(props.properties.apiVersion);
  if (v12) {
    d.driver = driver.driverName;
    if (driver.driverInfo[0]) d.driver += std::string(" ") + driver.driverInfo;
  } else {
    d.driver = "driver version " + std::to_string(props.properties.driverVersion);
  }
  VkPhysicalDeviceMemoryProperties mem{};
  t.vkGetPhysicalDeviceMemoryProperties(pd, &mem);
  for (uint32_t h = 0; h < mem.memoryHeapCount; ++h)
    if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      d.memory_bytes = std::max<uint64_t>(d.memory_bytes, mem.memoryHeaps[h].size);
  if (!v12) {
    d.unusable = "Vulkan " + d.vulkan + " (nntrain needs 1.2)";
  } else {
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceFeatures2 f{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f.pNext = &f12;
    t.vkGetPhysicalDeviceFeatures2(pd, &f);
    if (!f12.bufferDeviceAddress) d.unusable = "no bufferDeviceAddress support";
    else if (compute_queue_family(pd) < 0) d.unusable = "no compute queue";
  }
  return d;
}

std::vector<VkPhysicalDevice> physical_devices() {
  VkInstance inst = instance();
  uint32_t n = 0;
  check(vk().vkEnumeratePhysicalDevices(inst, &n, nullptr), "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> pds(n);
  if (n) check(vk().vkEnumeratePhysicalDevices(inst, &n, pds.data()), "vkEnumeratePhysicalDevices");
  pds.resize(n);
  if (pds.empty()) throw ConfigError(no_device_reason("vkEnumeratePhysicalDevices found no device"));
  return pds;
}

int type_rank(const std::string& type) {  // "gpu" picks the lowest
  if (type == "discrete") return 0;
  if (type == "integrated") return 1;
  if (type == "virtual") return 2;
  if (type == "cpu") return 3;
  return 4;
}

uint32_t find_memory_type(const VkPhysicalDeviceMemoryProperties& m, VkMemoryPropertyFlags want,
                          VkMemoryPropertyFlags avoid = 0) {
  for (uint32_t i = 0; i < m.memoryTypeCount; ++i) {
    const VkMemoryPropertyFlags f = m.memoryTypes[i].propertyFlags;
    if ((f & want) == want && (f & avoid) == 0) return i;
  }
  return UINT32_MAX;
}

}  // namespace

std::vector<DeviceInfo> list_devices() {
  const auto pds = physical_devices();
  std::vector<DeviceInfo> out;
  for (size_t i = 0; i < pds.size(); ++i) out.push_back(describe(pds[i], int(i)));
  return out;
}

int parse_gpu_index(const std::string& spec) {
  if (spec == "gpu") return -1;
  if (spec.rfind("gpu:", 0) == 0 && spec.size() > 4 && spec.size() <= 8 &&
      spec.find_first_not_of("0123456789", 4) == std::string::npos)
    return std::stoi(spec.substr(4));
  throw ConfigError("device '" + spec + "' is not one of cpu, gpu, gpu:N (N as nntrain devices lists them)");
}

int choose_device(const std::vector<DeviceInfo>& infos, int want) {
  if (want >= 0) {
    if (size_t(want) >= infos.size())
      throw ConfigError("device gpu:" + std::to_string(want) + " does not exist: this machine has " +
                        std::to_string(infos.size()) + " Vulkan device" + (infos.size() == 1 ? "" : "s") +
                        " (gpu:0" + (infos.size() > 1 ? "..gpu:" + std::to_string(infos.size() - 1) : "") +
                        "; see nntrain devices)");
    if (!infos[size_t(want)].unusable.empty())
      throw ConfigError("device gpu:" + std::to_string(want) + " (" + infos[size_t(want)].name +
                        ") cannot be used: " + infos[size_t(want)].unusable);
    return want;
  }
  int pick = -1;
  for (const auto& d : infos)
    if (d.unusable.empty() && (pick < 0 || type_rank(d.type) < type_rank(infos[size_t(pick)].type))) pick = d.index;
  if (pick < 0) {
    std::string why;
    for (const auto& d : infos)
      why += (why.empty() ? "" : "; ") + ("gpu:" + std::to_string(d.index) + " " + d.name + ": " + d.unusable);
    throw ConfigError("no usable Vulkan device: " + why);
  }
  return pick;
}

void Device::Impl::on_alloc(uint64_t bytes) {
  const uint64_t now = allocated += bytes;
  uint64_t p = peak.load();
  while (now > p && !peak.compare_exchange_weak(p, now)) {
  }
}

// Picks the device, creates it with one compute queue and bufferDeviceAddress, finds the
// memory types and the shared pipeline layout.
Device::Device(const std::string& spec) : impl_(std::make_unique<Impl>()) {
  const int want = parse_gpu_index(spec);
  const auto pds = physical_devices();
  std::vector<DeviceInfo> infos;
  for (size_t i = 0; i < pds.size(); ++i) infos.push_back(describe(pds[i], int(i)));
  const int pick = choose_device(infos, want);
  Impl& m = *impl_;
  m.info = infos[size_t(pick)];
  m.physical = pds[size_t(pick)];
  Vk& t = vk();
  m.queue_family = uint32_t(compute_queue_family(m.physical));

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  q.queueFamilyIndex = m.queue_family;
  q.queueCount = 1;
  q.pQueuePriorities = &priority;
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  f12.bufferDeviceAddress = VK_TRUE;
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features.pNext = &f12;
  VkDeviceCreateInfo ci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  ci.pNext = &features;
  ci.queueCreateInfoCount = 1;
  ci.pQueueCreateInfos = &q;
  check(t.vkCreateDevice(m.physical, &ci, nullptr, &m.device), "vkCreateDevice");
  t.vkGetDeviceQueue(m.device, m.queue_family, 0, &m.queue);

  t.vkGetPhysicalDeviceMemoryProperties(m.physical, &m.memory);
  VkPhysicalDeviceMaintenance3Properties m3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props.pNext = &m3;
  t.vkGetPhysicalDeviceProperties2(m.physical, &props);
  m.limits = props.properties.limits;
  m.max_allocation = m3.maxMemoryAllocationSize;
  m.device_type = find_memory_type(m.memory, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  m.upload_type = find_memory_type(m.memory, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  m.readback_type = find_memory_type(m.memory, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                                                   VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
  if (m.readback_type == UINT32_MAX) m.readback_type = m.upload_type;
  if (m.device_type == UINT32_MAX) m.device_type = m.upload_type;
  if (m.upload_type == UINT32_MAX) throw ConfigError("GPU " + m.info.name + " offers no host-visible memory");

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushBytes};
  VkPipelineLayoutCreateInfo lci{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  lci.pushConstantRangeCount = 1;
  lci.pPushConstantRanges = &range;
  check(t.vkCreatePipelineLayout(m.device, &lci, nullptr, &m.layout), "vkCreatePipelineLayout");
}

Device::~Device() {
  Impl& m = *impl_;
  if (!m.device) return;
  Vk& t = vk();
  t.vkDeviceWaitIdle(m.device);
  for (auto& [name, p] : m.pipelines) t.vkDestroyPipeline(m.device, p, nullptr);
  if (m.layout) t.vkDestroyPipelineLayout(m.device, m.layout, nullptr);
  t.vkDestroyDevice(m.device, nullptr);
}

const DeviceInfo& Device::info() const { return impl_->info; }
// Capped at 4 GiB: maxBufferSize is not queryable before Vulkan 1.3 and is 4 GiB on many
// drivers, and shaders index a buffer with 32-bit signed element indices (SPIR-V treats
// access-chain indices as signed), which reach 8 GiB of floats. NNTRAIN_TEST_GPU_MAX_BUFFER
// (bytes) lowers it, so tests split small data the way large data is split.
uint64_t Device::max_buffer_bytes() const {
  uint64_t cap = std::min<uint64_t>(impl_->max_allocation ? impl_->max_allocation : (uint64_t(1) << 30), uint64_t(1) << 32);
  if (const char* t = std::getenv("NNTRAIN_TEST_GPU_MAX_BUFFER"); t && *t)
    cap = std::min<uint64_t>(cap, std::max<uint64_t>(std::strtoull(t, nullptr, 10), 256));
  return cap;
}
uint64_t Device::allocated_bytes() const { return impl_->allocated.load(); }
uint64_t Device::peak_allocated_bytes() const { return impl_->peak.load(); }
void Device::reset_peak() { impl_->peak = impl_->allocated.load(); }

Kernel Device::kernel(const std::string& name, std::initializer_list<uint32_t> spec) {
  Impl& m = *impl_;
  std::string key = name;
  for (uint32_t s : spec) key += ":" + std::to_string(s);
  std::lock_guard<std::mutex> lock(m.mutex);
  if (auto it = m.pipelines.find(key); it != m.pipelines.end()) return Kernel{it->second};
  const ShaderCode* code = find_shader(name);
  if (!code) throw std::logic_error("gpu: no embedded shader named '" + name + "'");
  Vk& t = vk();
  VkShaderModuleCreateInfo sci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  sci.codeSize = code->count * sizeof(uint32_t);
  sci.pCode = code->words;
  VkShaderModule module = VK_NULL_HANDLE;
  check(t.vkCreateShaderModule(m.device, &sci, nullptr, &module), "vkCreateShaderModule");
  std::vector<VkSpecializationMapEntry> entries;
  const std::vector<uint32_t> values(spec);
  for (uint32_t i = 0; i < values.size(); ++i) entries.push_back({i, i * 4, 4});
  VkSpecializationInfo si{uint32_t(entries.size()), entries.data(), values.size() * 4, values.data()};
  VkComputePipelineCreateInfo pci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  pci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  pci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pci.stage.module = module;
  pci.stage.pName = "main";
  pci.stage.pSpecializationInfo = values.empty() ? nullptr : &si;
  pci.layout = m.layout;
  VkPipeline pipeline = VK_NULL_HANDLE;
  const VkResult r = t.vkCreateComputePipelines(m.device, VK_NULL_HANDLE, 1, &pci, nullptr, &pipeline);
  t.vkDestroyShaderModule(m.device, module, nullptr);
  check(r, ("creating the pipeline of shader " + name).c_str());
  m.pipelines.emplace(key, pipeline);
  return Kernel{pipeline};
}

}  // namespace nntrain::gpu
