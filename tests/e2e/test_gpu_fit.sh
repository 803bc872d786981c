#!/usr/bin/env bash
# e2e: fit --device "$GPU" on this machine's Vulkan device (lavapipe in CI): the GPU run agrees
# with the CPU run epoch by epoch (bce with dropout and AdamW, softmax + cross_entropy, mse
# with a cosine schedule; SGD with momentum and clipping; RMSprop), metrics.json names the
# device, two GPU runs write the same model.bin bytes, an interrupted GPU run resumed on the
# GPU ends with the uninterrupted bytes, checkpoints move between the CPU and the GPU, and
# predict / evaluate --device "$GPU" agree with the CPU; info names the device, data split over
# buffers trains to the same bytes, and a diverging run stops where the CPU's does.
# Usage: test_gpu_fit.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"
cd "$T" || exit 1
# The device: NNTRAIN_TEST_DEVICE (scripts/test-gpu --device gpu:N), else the first GPU.
GPU=${NNTRAIN_TEST_DEVICE:-gpu}
# lavapipe compiles each tiled GEMM pipeline for seconds; the skinny kernel computes every
# shape (tests_gpu checks every variant against the CPU), so these runs take about a second.
# scripts/test-gpu sets it empty on a real GPU: the tiles chosen per shape, as users get.
export NNTRAIN_GEMM_VARIANT=${NNTRAIN_GEMM_VARIANT-skinny}
C=$SRC/configs

# log_close A B TOL: log.csv's train_loss and val_loss (columns 2, 3) agree within TOL
# (absolute, the losses are O(1)) in every row, and both logs have the same rows.
log_close() {
  CHECKS=$((CHECKS + 1))
  local bad
  bad=$(paste -d, "$1" "$2" | awk -F, -v tol="$3" -v n="$(head -1 "$1" | tr ',' '\n' | wc -l)" '
    NR == 1 { next }
    { for (c = 2; c <= 3; c++) { d = $c - $(c + n); if (d < 0) d = -d; if (d > tol || $c == "" ) { print "row " NR - 1 " column " c ": " $c " vs " $(c + n); exit } } }')
  [ "$(wc -l <"$1")" = "$(wc -l <"$2")" ] || bad="$(wc -l <"$1") vs $(wc -l <"$2") lines"
  [ -z "$bad" ] || fail "$1 vs $2: $bad"
}

# pair NAME TOL CONFIG OVERRIDES...: the same run on the CPU and on the GPU, logs compared.
pair() {
  local name=$1 tol=$2
  shift 2
  expect_rc 0 "${name}_cpu" "$NNTRAIN" fit "$@" --out "${name}_cpu" --quiet &&
    expect_rc 0 "${name}_gpu" "$NNTRAIN" fit "$@" --device "$GPU" --out "${name}_gpu" --quiet &&
    log_close "${name}_cpu/log.csv" "${name}_gpu/log.csv" "$tol"
}

pair bce 2e-5 "$C/breast_cancer.yaml" training.epochs=4
pair ce 2e-5 "$C/iris.yaml" training.epochs=8
pair mse 2e-5 "$C/iris_regression.yaml" training.epochs=8
pair sgd 2e-5 "$C/iris.yaml" training.epochs=6 optimizer.name=sgd optimizer.lr=0.05 optimizer.momentum=0.9 \
  optimizer.nesterov=true training.clip_grad_norm=0.5
pair rmsprop 2e-5 "$C/iris_regression.yaml" training.epochs=6 optimizer.name=rmsprop optimizer.momentum=0.5 \
  loss=huber model.layers.0.dropout=0.3

expect_match device_cpu "$T/bce_cpu/metrics.json" '"device":"cpu"'
expect_no_match device_gpu "$T/bce_gpu/metrics.json" '"device":"cpu"'
expect_match device_gpu_name "$T/bce_gpu/metrics.json" '"device":"[^"]+"'

# Determinism: the same config on the same device and driver gives the same bytes.
expect_rc 0 bce_gpu_again "$NNTRAIN" fit "$C/breast_cancer.yaml" training.epochs=4 --device "$GPU" --out bce_gpu2 --quiet &&
  expect_eq same_bytes "$(cmp bce_gpu/model.bin bce_gpu2/model.bin && echo same)" same

# Interrupted after batch 20 of 45 (3 epochs of 15 batches), resumed: the uninterrupted bytes.
BC="$C/breast_cancer.yaml training.epochs=3"
expect_rc 0 full "$NNTRAIN" fit $BC --device "$GPU" --out full --quiet
expect_rc 130 stopped env NNTRAIN_TEST_STOP_AFTER_BATCHES=20 "$NNTRAIN" fit $BC --device "$GPU" --out stopped --quiet &&
  expect_rc 0 resumed "$NNTRAIN" fit --resume stopped --device "$GPU" --quiet &&
  expect_eq resumed_bytes "$(cmp full/model.bin stopped/model.bin && echo same)" same

# Checkpoints move between devices: a GPU checkpoint resumed on the CPU, and the reverse, end
# within float rounding of the run that stayed on one device.
expect_rc 130 to_cpu env NNTRAIN_TEST_STOP_AFTER_BATCHES=20 "$NNTRAIN" fit $BC --device "$GPU" --out to_cpu --quiet &&
  expect_rc 0 to_cpu_resumed "$NNTRAIN" fit --resume to_cpu --device cpu --quiet &&
  log_close full/log.csv to_cpu/log.csv 2e-5
expect_rc 0 full_cpu "$NNTRAIN" fit $BC --out full_cpu --quiet
expect_rc 130 to_gpu env NNTRAIN_TEST_STOP_AFTER_BATCHES=20 "$NNTRAIN" fit $BC --out to_gpu --quiet &&
  expect_rc 0 to_gpu_resumed "$NNTRAIN" fit --resume to_gpu --device "$GPU" --quiet &&
  log_close full_cpu/log.csv to_gpu/log.csv 2e-5

# predict and evaluate --device gpu: the forward on the GPU gives the CPU's predictions
# (probabilities within float rounding, the same classes) and the same loss and metrics.
num_close() {  # NAME A B TOL: every number of two CSV/text files within TOL, the words equal
  CHECKS=$((CHECKS + 1))
  local bad
  bad=$(paste -d'\n' <(tr ',{}: ' '\n\n\n\n\n' <"$2") <(tr ',{}: ' '\n\n\n\n\n' <"$3") | awk -v tol="$4" '
    NR % 2 == 1 { a = $0; next }
    { b = $0; if (a ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && b ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) { d = a - b; if (d < 0) d = -d; if (d > tol) { print a " vs " b; exit } }
      else if (a != b) { print a " vs " b; exit } }')
  [ "$(wc -l <"$2")" = "$(wc -l <"$3")" ] || bad="$(wc -l <"$2") vs $(wc -l <"$3") lines"
  [ -z "$bad" ] || fail "$1: $bad"
}
for m in bce ce mse; do
  data=$SRC/data/breast_cancer.csv
  [ $m = bce ] || data=$SRC/data/iris-named.csv
  expect_rc 0 "predict_${m}_cpu" "$NNTRAIN" predict "${m}_gpu/model.bin" "$data" -o "p_${m}_cpu.csv" &&
    expect_rc 0 "predict_${m}_gpu" "$NNTRAIN" predict "${m}_gpu/model.bin" "$data" -o "p_${m}_gpu.csv" --device "$GPU" &&
    num_close "predict_$m" "p_${m}_cpu.csv" "p_${m}_gpu.csv" 1e-5
  expect_rc 0 "evaluate_${m}_cpu" "$NNTRAIN" evaluate "${m}_gpu/model.bin" "$data" --json &&
    expect_rc 0 "evaluate_${m}_gpu" "$NNTRAIN" evaluate "${m}_gpu/model.bin" "$data" --json --device "$GPU" &&
    num_close "evaluate_$m" "$T/evaluate_${m}_cpu.out" "$T/evaluate_${m}_gpu.out" 1e-5
done

# info names the device that trained the model (a GPU run's metadata; a CPU file is unchanged).
expect_rc 0 info_gpu "$NNTRAIN" info bce_gpu/model.bin &&
  expect_match info_gpu_line "$T/info_gpu.out" '^trained on: .+' &&
  expect_no_match info_gpu_not_cpu "$T/info_gpu.out" '^trained on: cpu$'
expect_rc 0 info_cpu "$NNTRAIN" info bce_cpu/model.bin &&
  expect_match info_cpu_line "$T/info_cpu.out" '^trained on: cpu$'

# Data split over many GPU buffers (the hook lowers the largest buffer to 8 KiB: 68 rows of
# 30 features each, 7 buffers): the same bytes as one buffer.
expect_rc 0 split env NNTRAIN_TEST_GPU_MAX_BUFFER=8192 "$NNTRAIN" fit "$C/breast_cancer.yaml" training.epochs=4 \
  --device "$GPU" --out bce_split --quiet &&
  expect_eq split_bytes "$(cmp bce_gpu/model.bin bce_split/model.bin && echo same)" same

# A diverging run on the GPU: exit 1 with the CPU's message (the same epoch and batch; the
# overflow may read NaN in float where the CPU's double sum reads infinite).
DIV="$C/iris_regression.yaml training.epochs=5 optimizer.name=sgd optimizer.lr=1e6"
expect_rc 1 div_cpu "$NNTRAIN" fit $DIV --out div_cpu --quiet &&
  expect_rc 1 div_gpu "$NNTRAIN" fit $DIV --device "$GPU" --out div_gpu --quiet &&
  expect_eq div_message "$(sed 's/NaN/infinite/' "$T/div_gpu.err")" "$(sed 's/NaN/infinite/' "$T/div_cpu.err")" &&
  expect_eq div_no_model "$(ls div_gpu/model.bin 2>/dev/null)" ""

# grad_shards > 1 is a CPU (and MPI) feature: a clear exit-2 error on the GPU.
expect_error 2 shards "training.grad_shards 2 is not supported with training.device $GPU" \
  "$NNTRAIN" fit "$C/iris.yaml" training.epochs=1 training.grad_shards=2 --device "$GPU" --out shards --quiet

finish
