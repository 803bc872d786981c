#!/usr/bin/env bash
# Installs the Debian packages nntrain needs to build and test, when any is missing.
# Sourced by scripts/setup and scripts/test; safe to run again (installs nothing then).
set -euo pipefail
NNTRAIN_DEBS=(g++ cmake ninja-build pkg-config libyaml-cpp-dev libcli11-dev
  libopenblas-dev doctest-dev nlohmann-json3-dev zlib1g-dev
  mesa-vulkan-drivers libvulkan-dev glslc  # GPU: headers and shader compiler to build, lavapipe to test
  libopenmpi-dev openmpi-bin  # mpirun -np K nntrain fit (lib/nntrain/dist) and its tests
  python3-onnx python3-numpy)  # the ONNX export checks (tests/e2e/onnx_check.py, /usr/bin/python3)
missing=()
for p in "${NNTRAIN_DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "nntrain: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
