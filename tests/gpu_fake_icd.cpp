// A Vulkan "driver" for tests/e2e/test_gpu_devices.sh that cannot load: it needs
// libnntrain_absent.so, which is built where the dynamic linker never looks — as NVIDIA's
// ICD needs libGLdispatch.so.0 (libglvnd0), absent from minimal CUDA images.
extern "C" void nntrain_absent_function();

extern "C" void* vk_icdGetInstanceProcAddr(void*, const char*) {
  nntrain_absent_function();
  return nullptr;
}
