// `nntrain devices` (see cmd_devices.h): one line per device from gpu::list_devices().
#include "cmd_devices.h"

#include <cstdio>
#include <string>

#include "nntrain/core/config.h"
#include "nntrain/gpu/device.h"

CLI::App* setup_devices(CLI::App& app, DevicesOptions&) {
  return app.add_subcommand("devices", "List the GPUs (Vulkan devices) that training.device: gpu can use");
}

CLI::Option* add_device_option(CLI::App* sub, std::string& device) {
  return sub
      ->add_option("--device", device,
                   "cpu, gpu (the first GPU) or gpu:N (see nntrain devices); default: training.device of the config")
      ->check(CLI::Validator(
          [](std::string& s) {
            return nntrain::is_device_spec(s) ? std::string()
                                              : "'" + s + "' is not cpu, gpu or gpu:N (see nntrain devices)";
          },
          "cpu|gpu|gpu:N"))
      ->type_name("D");
}

void require_device(const std::string& device) {
  if (device.empty() || device == "cpu") return;
  nntrain::gpu::Device dev(device);  // throws when the driver or the device is missing: before any file is read
}

int run_devices(const DevicesOptions&) {
  using namespace nntrain;
  const auto devices = gpu::list_devices();  // throws when there is none: what is missing
  int pick = -1;
  try {
    pick = gpu::choose_device(devices, -1);
  } catch (const Error&) {  // every device unusable: the list says why, device: gpu would fail
  }
  for (const auto& d : devices) {
    char mem[32];
    std::snprintf(mem, sizeof mem, "%.1f GiB", double(d.memory_bytes) / double(1 << 30));
    std::string line = "gpu:" + std::to_string(d.index) + "  " + d.name + "  (" + d.type + ", " + mem + ", driver " +
                       d.driver + ", Vulkan " + d.vulkan + ")";
    if (!d.unusable.empty()) line += "  unusable: " + d.unusable;
    if (d.index == pick) line += "  <- device: gpu";
    std::printf("%s\n", line.c_str());
  }
  if (pick < 0) {
    std::fprintf(stderr, "nntrain: error: none of these devices can be used for training\n");
    return kExitUsage;
  }
  return kExitOk;
}
