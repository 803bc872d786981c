#!/usr/bin/env bash
# bench/gpu_train.sh: nntrain `fit --device gpu` against PyTorch on CUDA, side by side in one
# run, on issue 14's GPU workloads (1, 3, 4, 5, 9, 10). Not a test: prints numbers, asserts nothing.
#
# Usage: bench/gpu_train.sh [--quick] [--only 1,9] [--reps N] [--device gpu:N] [--build DIR]
#                           [--no-build] [--out DIR]
#   --quick    small row counts (lavapipe: minutes); the networks and batch sizes are the issue's
#   --reps N   timed repetitions per side (default 3; medians)
#   --out DIR  where data, configs, logs and table.md go (default bench/out/gpu_train)
#   PYTHON=... the Python with PyTorch (default: python3 on PATH when it has torch, else /usr/bin/python3)
#
# nntrain: bench_train CONFIG training.device=D --reps N: fit's own setup and Trainer::run,
#   timed per epoch by the trainer (EpochRecord.seconds). The first epoch carries the start-up
#   (uploads, pipeline compilation) and is left out: an epoch is the median of epochs 2..E.
# PyTorch: bench/torch_gpu_train.py on the same standardized rows (bench_train --dump): eager,
#   eager with Adam(fused=True), and the whole step as a CUDA graph; fp32, TF32 off; after a
#   warm-up, the median of N timed epochs. Without CUDA it runs with --cpu-smoke (a check of the
#   script on the CPU, not a comparison: no ratio is printed).
# Data: Fashion-MNIST (data/fashion-mnist-train.csv.gz) when present, else rows of its shape
#   from bench/make_rows (60,000 × 784, 10 classes: the times depend on the shapes only);
#   workloads 9 and 10 train on 2,000,000 × 100 rows from make_rows (seeded, 1.5 GB, made once
#   under the out folder, never committed). Adam lr 0.001 everywhere, no validation split.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
QUICK=0 REPS=3 ONLY="" DEVICE=gpu DO_BUILD=1 OUTDIR=$ROOT/bench/out/gpu_train
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --reps) REPS=$2; shift ;;
    --only) ONLY=",$2,"; shift ;;
    --device) DEVICE=$2; shift ;;
    --build) mkdir -p "$2" && BUILD=$(cd "$2" && pwd); shift ;;
    --no-build) DO_BUILD=0 ;;
    --out) OUTDIR=$2; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "gpu_train.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUTDIR" && O=$(cd "$OUTDIR" && pwd)
if [ $DO_BUILD = 1 ]; then
  [ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$BUILD" --target nntrain bench_train make_rows >&2
fi
NNTRAIN=$BUILD/app/nntrain BENCH_TRAIN=$BUILD/bench/bench_train MAKE_ROWS=$BUILD/bench/make_rows

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  PY=/usr/bin/python3
  if command -v python3 >/dev/null && python3 -c "import torch" 2>/dev/null; then PY=$(command -v python3); fi
fi
TORCH_MODE=none
if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then TORCH_MODE=cuda
elif "$PY" -c "import torch" 2>/dev/null; then TORCH_MODE=cpu-smoke
else echo "gpu_train.sh: no PyTorch at $PY: nntrain only" >&2; fi

want() { [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]; }
rows_file() {  # rows_file ROWS FEATURES CLASSES NAME: make_rows once, echo the path
  local f=$O/$4.csv
  [ -f "$f" ] || { echo "gpu_train.sh: writing $f ($1 × $2)" >&2; "$MAKE_ROWS" "$1" "$2" "$3" 14 "$f"; }
  echo "$f"
}
config() {  # config FILE TRAIN LOSS BATCH EPOCHS SHUFFLE LAYER...
  local file=$1 train=$2 loss=$3 batch=$4 epochs=$5 shuffle=$6; shift 6
  {
    echo "# written by bench/gpu_train.sh"
    echo "data: {train: $train, target: label, validation: 0}"
    echo "model:"
    echo "  init: torch  # nn.Linear's default, as on the PyTorch side (same distribution, other draws)"
    echo "  layers:"
    for l in "$@"; do echo "    - {units: ${l%%:*}, activation: ${l##*:}}"; done
    echo "loss: $loss"
    echo "optimizer: {name: adam, lr: 0.001}"
    echo "training: {epochs: $epochs, batch_size: $batch, shuffle: $shuffle, seed: 42}"
  } >"$file"
}

# workload ID NAME EPOCHS_OF_THE_ISSUE CONFIG TORCH_ARGS
workload() {
  local id=$1 name=$2 issue_epochs=$3 cfg=$4 targs=$5 dump
  echo "== $id: $name" >&2
  echo "{\"id\": \"$id\", \"name\": \"$name\", \"issue_epochs\": $issue_epochs}" >"$O/w$id.meta.json"
  "$BENCH_TRAIN" "$cfg" training.device="$DEVICE" --reps "$REPS" >"$O/w$id.nntrain.json" 2>"$O/w$id.nntrain.err" ||
    { echo "   nntrain failed: $(tail -1 "$O/w$id.nntrain.err")" >&2; }
  sed 's/^/   nntrain /' "$O/w$id.nntrain.json" | cut -c1-200 >&2
  [ $TORCH_MODE = none ] && return 0
  dump=$O/$(basename "$(sed -n 's/^data: {train: \([^,]*\),.*/\1/p' "$cfg")" | sed 's/\.csv.*//').dump
  [ -f "$dump.json" ] || "$BENCH_TRAIN" "$cfg" --dump "$dump" >&2 || { echo "   no data for torch: the dump failed" >&2; return 0; }
  local smoke=()
  [ $TORCH_MODE = cpu-smoke ] && smoke=(--cpu-smoke)
  "$PY" "$ROOT/bench/torch_gpu_train.py" --data "$dump" $targs --reps "$REPS" "${smoke[@]}" \
    >"$O/w$id.torch.json" 2>"$O/w$id.torch.err" || echo "   torch failed: $(tail -1 "$O/w$id.torch.err")" >&2
  sed 's/^/   torch /' "$O/w$id.torch.json" | cut -c1-200 >&2
}

# ---- header ------------------------------------------------------------------------------------
"$NNTRAIN" devices >"$O/devices.txt" 2>&1 || true
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nntrain device $DEVICE: $(if [ "$DEVICE" = gpu ]; then grep -- '<- device: gpu$' "$O/devices.txt"; else grep "^$DEVICE  " "$O/devices.txt"; fi || head -1 "$O/devices.txt")"
  echo "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1 || true)"
  case $TORCH_MODE in
    cuda) echo "pytorch: $("$PY" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "on", torch.cuda.get_device_name())') at $PY; fp32, TF32 off" ;;
    cpu-smoke) echo "pytorch: $("$PY" -c 'import torch; print(torch.__version__)') at $PY without CUDA: --cpu-smoke on the CPU (checks the script; not a comparison)" ;;
    *) echo "pytorch: none" ;;
  esac
  echo "mode: $([ $QUICK = 1 ] && echo quick || echo full), $REPS reps; medians"
  echo "command: bench/gpu_train.sh$([ $QUICK = 1 ] && echo ' --quick') --reps $REPS --device $DEVICE${ONLY:+ --only ${ONLY:1:-1}}"
} | tee "$O/header.txt" >&2

# ---- data and workloads ------------------------------------------------------------------------
# Full: the issue's rows and epochs (E = 3 per-epoch workloads: epoch 1 warms up). Quick: the
# issue's networks and batches on fewer rows, so lavapipe finishes in minutes. W5_ROWS <= FM_ROWS.
if [ $QUICK = 1 ]; then FM_ROWS=2048 W5_ROWS=1024 BIG_ROWS=8192 W10_ROWS=4096 E=2 W1_EPOCHS=20
else FM_ROWS=60000 W5_ROWS=60000 BIG_ROWS=2000000 W10_ROWS=2000000 E=3 W1_EPOCHS=100; fi
FM=$ROOT/data/fashion-mnist-train.csv.gz FM_NOTE="Fashion-MNIST" FM_FILE_ROWS=60000
if [ ! -f "$FM" ]; then
  FM=$(rows_file $FM_ROWS 784 10 fmnist-shaped-$FM_ROWS) FM_NOTE="Fashion-MNIST-shaped synthetic rows" FM_FILE_ROWS=$FM_ROWS
fi
fm_rows() {  # fm_rows N: the first N rows of $FM as a CSV (N <= FM_ROWS)
  if [ "$1" = "$FM_FILE_ROWS" ]; then echo "$FM"; return; fi
  local f=$O/fmnist-first-$1.csv
  if [ ! -f "$f" ]; then { if [[ "$FM" == *.gz ]]; then zcat "$FM"; else cat "$FM"; fi; } | head -n $(($1 + 1)) >"$f.tmp" || true; mv "$f.tmp" "$f"; fi
  echo "$f"
}
FMT=(--loss cross_entropy --epochs 1)
if want 1; then
  config "$O/w1.yaml" "$(rows_file 1000 10 2 rows-1000x10)" bce full "$W1_EPOCHS" false 64:relu 32:relu 1:sigmoid
  workload 1 "10→64→32→1, 1,000 rows, full batch, $W1_EPOCHS epochs" "$W1_EPOCHS" "$O/w1.yaml" \
    "--layers 64:relu,32:relu,1:sigmoid --loss bce --batch full --no-shuffle --epochs $W1_EPOCHS"
fi
if want 3; then
  config "$O/w3.yaml" "$(fm_rows $FM_ROWS)" cross_entropy 128 $E true 256:relu 128:relu 10:softmax
  workload 3 "$FM_NOTE 784→256→128→10, $FM_ROWS rows, batch 128, per epoch" 1 "$O/w3.yaml" \
    "--layers 256:relu,128:relu,10:softmax ${FMT[*]} --batch 128"
fi
if want 4; then
  config "$O/w4.yaml" "$(fm_rows $FM_ROWS)" cross_entropy 32 $E true 256:relu 128:relu 10:softmax
  workload 4 "the same at batch 32, per epoch" 1 "$O/w4.yaml" "--layers 256:relu,128:relu,10:softmax ${FMT[*]} --batch 32"
fi
if want 5; then
  config "$O/w5.yaml" "$(fm_rows $W5_ROWS)" cross_entropy 256 $E true 2048:relu 2048:relu 10:softmax
  workload 5 "784→2048→2048→10, $W5_ROWS rows, batch 256, per epoch" 1 "$O/w5.yaml" \
    "--layers 2048:relu,2048:relu,10:softmax ${FMT[*]} --batch 256"
fi
if want 9; then
  config "$O/w9.yaml" "$(rows_file $BIG_ROWS 100 2 rows-${BIG_ROWS}x100)" bce 1024 $E true 512:relu 512:relu 1:sigmoid
  workload 9 "$BIG_ROWS × 100, 100→512→512→1, batch 1024, per epoch" 1 "$O/w9.yaml" \
    "--layers 512:relu,512:relu,1:sigmoid --loss bce --epochs 1 --batch 1024"
fi
if want 10; then
  config "$O/w10.yaml" "$(rows_file $W10_ROWS 100 2 rows-${W10_ROWS}x100)" bce 4096 $E true 2048:relu 2048:relu 1:sigmoid
  workload 10 "$W10_ROWS × 100, 100→2048→2048→1, batch 4096, per epoch" 1 "$O/w10.yaml" \
    "--layers 2048:relu,2048:relu,1:sigmoid --loss bce --epochs 1 --batch 4096"
fi

"$PY" "$ROOT/bench/gpu_train_table.py" "$O" | tee "$O/table.md"
