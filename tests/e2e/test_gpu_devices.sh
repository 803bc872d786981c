#!/usr/bin/env bash
# e2e: `nntrain devices` on this machine's Vulkan devices (lavapipe in CI), and every way the
# GPU can be missing, each an exit-2 error naming what is missing: no loader (libvulkan1), no
# driver (VK_DRIVER_FILES / VK_ICD_FILENAMES pointing nowhere), a driver whose library needs a
# library that is not installed (the NVIDIA-without-libglvnd0 case). CPU training needs none of
# it: it runs with the loader hidden, and the binary does not link libvulkan.
# Usage: test_gpu_devices.sh NNTRAIN SOURCE_DIR FAKE_ICD_LIBRARY FAKE_NVIDIA_ICD_LIBRARY
. "$(dirname "$0")/cli_common.sh"
FAKE_ICD=$(realpath "${3:?usage: $0 NNTRAIN SOURCE_DIR FAKE_ICD_LIBRARY FAKE_NVIDIA_ICD_LIBRARY}")
FAKE_NVIDIA_ICD=$(realpath "${4:?usage: $0 NNTRAIN SOURCE_DIR FAKE_ICD_LIBRARY FAKE_NVIDIA_ICD_LIBRARY}")
D=$SRC/data
cd "$T" || exit 1

expect_rc 0 devices "$NNTRAIN" devices &&
  expect_match devices "$T/devices.out" '^gpu:0  .+ \((discrete|integrated|virtual|cpu|other), [0-9.]+ GiB, driver .+, Vulkan [0-9]+\.[0-9]+\.[0-9]+\)' &&
  expect_match devices "$T/devices.out" '<- device: gpu$'

# No loader: the library and its package.
NOLOADER="env NNTRAIN_TEST_VULKAN_LIBRARY=$T/absent/libvulkan.so.1"
expect_error 2 no_loader "the Vulkan loader .*libvulkan\.so\.1 is not installed \(on Debian/Ubuntu: apt install libvulkan1; an NVIDIA GPU also needs libglvnd0\)" \
  $NOLOADER "$NNTRAIN" devices
expect_error 2 no_loader_fit "the Vulkan loader .* is not installed .*libvulkan1" \
  $NOLOADER "$NNTRAIN" fit "$SRC/configs/iris.yaml" training.epochs=1 --device gpu --out fit_noloader --quiet
expect_eq no_loader_fit_no_dir "$(ls -d fit_noloader 2>/dev/null)" ""
expect_error 2 no_loader_predict ".*libvulkan1" $NOLOADER "$NNTRAIN" predict nothing.bin nothing.csv --device gpu:0

# No driver: both environment variables the loader reads.
expect_error 2 no_icd_driver_files "no Vulkan driver is installed \(.*no ICD manifest in VK_DRIVER_FILES=$T/nowhere\.json\).*libglvnd0.*mesa-vulkan-drivers" \
  env VK_DRIVER_FILES="$T/nowhere.json" "$NNTRAIN" devices
expect_error 2 no_icd_filenames "no Vulkan driver is installed \(.*VK_ICD_FILENAMES=$T/nowhere\.json" \
  env -u VK_DRIVER_FILES VK_ICD_FILENAMES="$T/nowhere.json" "$NNTRAIN" devices

# A driver that cannot load: the library it misses.
printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.2.0"}}\n' "$FAKE_ICD" >fake_icd.json
expect_error 2 icd_missing_library "no usable Vulkan device: the Vulkan driver $(basename "$FAKE_ICD") \(.*fake_icd\.json\) cannot load: libnntrain_absent\.so is missing" \
  env VK_DRIVER_FILES="$T/fake_icd.json" "$NNTRAIN" devices
# NVIDIA's ICD on a minimal CUDA image: libGLdispatch.so.N (libglvnd0) is missing. The fake
# needs libGLdispatch.so.99, a soname no installed libglvnd0 provides; the package is named.
printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$FAKE_NVIDIA_ICD" >nvidia_icd.json
expect_error 2 icd_missing_glvnd "no usable Vulkan device: the Vulkan driver $(basename "$FAKE_NVIDIA_ICD") \(.*nvidia_icd\.json\) cannot load: libGLdispatch\.so\.99 is missing \(install libglvnd0\)$" \
  env VK_DRIVER_FILES="$T/nvidia_icd.json" "$NNTRAIN" devices
expect_error 2 icd_missing_glvnd_fit "no usable Vulkan device: .*libGLdispatch\.so\.99 is missing \(install libglvnd0\)$" \
  env VK_DRIVER_FILES="$T/nvidia_icd.json" "$NNTRAIN" fit "$SRC/configs/iris.yaml" training.device=gpu --out fit_noglvnd --quiet
expect_eq icd_missing_glvnd_fit_no_dir "$(ls -d fit_noglvnd 2>/dev/null)" ""
printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s/libgone.so", "api_version": "1.2.0"}}\n' "$T" >gone_icd.json
expect_error 2 icd_library_gone ".*cannot load: the driver library itself is not installed" \
  env VK_DRIVER_FILES="$T/gone_icd.json" "$NNTRAIN" devices

# --device and training.device: what is not a device spec, a device that is not there.
expect_error 2 bad_flag "fit: --device: 'cuda' is not cpu, gpu or gpu:N" "$NNTRAIN" fit "$SRC/configs/iris.yaml" --device cuda
expect_error 2 bad_key "override 'training\.device=gpu:x': 'training\.device' must be cpu, gpu or gpu:N" \
  "$NNTRAIN" check "$SRC/configs/iris.yaml" training.device=gpu:x
expect_error 2 no_such_gpu "device gpu:99 does not exist: this machine has [0-9]+ Vulkan device" \
  "$NNTRAIN" fit "$SRC/configs/iris.yaml" --device gpu:99 --out nope --quiet

# CPU users need no Vulkan library: the binary does not link it, and training runs without it.
CHECKS=$((CHECKS + 1))
if ldd "$NNTRAIN" | grep -q libvulkan; then fail "nntrain links libvulkan: $(ldd "$NNTRAIN" | grep vulkan)"; fi
expect_rc 0 cpu_without_loader $NOLOADER "$NNTRAIN" fit "$SRC/configs/iris.yaml" training.epochs=2 --out cpu_run --quiet &&
  expect_match cpu_without_loader_config "$T/cpu_run/config.yaml" '^  device: cpu$'

finish
