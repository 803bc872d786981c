#!/usr/bin/env bash
# bench/gpu_gemm.sh: the GPU GEMM benchmark in one command: cuBLAS's times first
# (bench/gpu_gemm_torch.py, when a Python with PyTorch and CUDA is at hand), then every nntrain
# GEMM variant on the same shapes with cuBLAS beside it (bench/gpu_gemm). Not a test.
#
# Usage: bench/gpu_gemm.sh [--quick] [--only w5,big] [--build DIR] [--no-build] [--device D]
#                          [--out DIR] [-- gpu_gemm args...]
#   --quick     tiny shapes (lavapipe: checks that both sides run)
#   --only L    these workloads of bench/gpu_gemm_shapes.txt only (both sides)
#   --build DIR the CMake build folder (default build/; configured and built as needed)
#   --device D  gpu or gpu:N (gpu_gemm's --device)
#   --out DIR   where the two files go (default bench/out)
#   PYTHON=...  the Python with PyTorch (default: /usr/bin/python3, else python3 on PATH)
# Writes gpu_gemm_torch.txt and gpu_gemm.txt to the out folder and prints the second. The
# end of gpu_gemm.txt is the per-class summary and a kChoice table for lib/nntrain/gpu/gemm.cpp.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
QUICK=()
ONLY=()
DO_BUILD=1
DEVICE=()
OUT=$ROOT/bench/out
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=(--quick) ;;
    --only) ONLY=(--only "$2"); shift ;;
    --build) mkdir -p "$2" && BUILD=$(cd "$2" && pwd); shift ;;
    --no-build) DO_BUILD=0 ;;
    --device) DEVICE=(--device "$2"); shift ;;
    --out) OUT=$2; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "gpu_gemm.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$OUT"
if [ $DO_BUILD = 1 ]; then
  [ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$BUILD" --target gpu_gemm >&2
fi

PY=${PYTHON:-/usr/bin/python3}
if ! "$PY" -c "import torch" 2>/dev/null && command -v python3 >/dev/null; then PY=$(command -v python3); fi
TORCH=()
if "$PY" -c "import torch" 2>/dev/null; then
  "$PY" "$ROOT/bench/gpu_gemm_torch.py" "${QUICK[@]}" "${ONLY[@]}" >"$OUT/gpu_gemm_torch.txt"
  TORCH=(--torch "$OUT/gpu_gemm_torch.txt")
  echo "gpu_gemm.sh: cuBLAS's side in $OUT/gpu_gemm_torch.txt ($(head -1 "$OUT/gpu_gemm_torch.txt" | cut -c3-))" >&2
else
  echo "gpu_gemm.sh: no Python with torch ($PY): no cuBLAS columns" >&2
fi
"$BUILD/bench/gpu_gemm" "${QUICK[@]}" "${ONLY[@]}" "${DEVICE[@]}" --shapes "$ROOT/bench/gpu_gemm_shapes.txt" "${TORCH[@]}" "$@" |
  tee "$OUT/gpu_gemm.txt"
