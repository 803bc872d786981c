// `nntrain devices`: the Vulkan devices training can use (name, type, memory, driver), which
// one `device: gpu` picks, or why there is none (exit 2, naming the missing library and its
// package).
#pragma once
#include <CLI/CLI.hpp>

struct DevicesOptions {};

CLI::App* setup_devices(CLI::App& app, DevicesOptions& o);
int run_devices(const DevicesOptions& o);

// The --device option of fit, cv, predict and evaluate: cpu | gpu | gpu:N, checked at parse time.
CLI::Option* add_device_option(CLI::App* sub, std::string& device);
// Opens the GPU `device` names (nothing for cpu), so a missing driver is an exit-2 error
// before any work; throws ConfigError.
void require_device(const std::string& device);
