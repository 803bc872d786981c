#!/usr/bin/env bash
# e2e: --resume after an interruption gives the model.bin of the uninterrupted run, byte for
# byte; training.epochs=N extends a finished run and continues log.csv; a CONFIG that differs
# in more than training.epochs is refused. The interruption point is exact thanks to the test
# hook NNTRAIN_TEST_STOP_AFTER_BATCHES (a real signal: test_fit_signal.sh).
# Usage: test_fit_resume.sh NNTRAIN DATA_DIR
source "$(dirname "$0")/common.sh"
NNTRAIN=$(realpath "$1") DATA=$2

# 455 training rows, batches of 32: 15 per epoch. Dropout and shuffling use the RNG.
cat > "$T/c.yaml" <<YAML
data: {train: $DATA/breast_cancer.csv, target: label, validation: 0.2}
model:
  layers:
    - {units: 16, activation: relu, dropout: 0.2}
    - {units: 1, activation: sigmoid}
optimizer: {name: adam, lr: 0.01}
schedule: {name: cosine}
training: {epochs: 6, batch_size: 32, seed: 11}
output: {checkpoint_every: 2}
YAML
"$NNTRAIN" fit "$T/c.yaml" --out "$T/full" --threads 1 --quiet || fail "uninterrupted run"

for stop in 15 40 61; do  # after epoch 1; mid epoch 3; mid epoch 5
  set +e
  NNTRAIN_TEST_STOP_AFTER_BATCHES=$stop "$NNTRAIN" fit "$T/c.yaml" --out "$T/part$stop" --threads 1 --quiet; rc=$?
  set -e
  [ $rc -eq 130 ] || fail "interrupted run (stop $stop) exit $rc"
  for f in checkpoint.bin model.bin log.csv metrics.json; do [ -s "$T/part$stop/$f" ] || fail "missing $f after stop"; done
  grep -q '"stopped":"interrupted"' "$T/part$stop/metrics.json" || fail "stopped != interrupted"
  "$NNTRAIN" fit --resume "$T/part$stop" --threads 1 --quiet || fail "resume (stop $stop)"
  cmp "$T/full/model.bin" "$T/part$stop/model.bin" || fail "resumed model.bin differs (stop $stop)"
  [ "$(cut -d, -f1-3 "$T/full/log.csv")" = "$(cut -d, -f1-3 "$T/part$stop/log.csv")" ] || fail "log.csv differs (stop $stop)"
done

# Resuming with the CONFIG file: the same config is accepted, another lr is not (exit 2).
set +e
"$NNTRAIN" fit "$T/c.yaml" optimizer.lr=0.5 --resume "$T/full" --quiet 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "changed config on resume: exit $rc"
grep -q "training.epochs" "$T/err" || fail "message: $(cat "$T/err")"

# Extending the finished run: 6 -> 9 epochs, log.csv continued.
"$NNTRAIN" fit "$T/c.yaml" --resume "$T/full" training.epochs=9 --quiet || fail "extend"
[ "$(wc -l < "$T/full/log.csv")" -eq 10 ] || fail "log.csv after extension: $(cat "$T/full/log.csv")"
[ "$(cut -d, -f1 "$T/full/log.csv" | tr '\n' ' ')" = "epoch 1 2 3 4 5 6 7 8 9 " ] || fail "epochs in log.csv"
grep -q '"epochs_run":9' "$T/full/metrics.json" || fail "epochs_run after extension"
grep -q "epochs: 9" "$T/full/config.yaml" || fail "config.yaml after extension"
# Nothing left to do: a finished run without more epochs is a usage error.
set +e
"$NNTRAIN" fit --resume "$T/full" --quiet 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "resume of a finished run: exit $rc"
echo OK
