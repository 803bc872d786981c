#!/usr/bin/env bash
# e2e: --resume after an interruption gives the model.bin of the uninterrupted run, byte for
# byte; training.epochs=N extends a finished run and continues log.csv; a CONFIG that differs
# in more than training.epochs is refused; a complete run's resume does nothing (exit 0); a
# run whose final files are missing or stale gets them written. The interruption point is exact thanks to the test
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
# A complete run: --resume does nothing, says so, exits 0 and touches no file (a sweep script
# may resume every folder); --json still prints metrics.json.
cp "$T/full/model.bin" "$T/model9.bin"
listing() { stat -c '%n %s %Y.%y' "$T/full"/*; }
before=$(listing)
sleep 0.02
"$NNTRAIN" fit --resume "$T/full" 2>"$T/err" || fail "resume of a complete run: exit $?: $(cat "$T/err")"
grep -q "is complete (9 epochs); nothing to do" "$T/err" || fail "no-op message: $(cat "$T/err")"
[ "$(listing)" = "$before" ] || fail "the no-op resume changed the folder"
"$NNTRAIN" fit --resume "$T/full" --json --quiet >"$T/out" 2>"$T/err" || fail "no-op --json"
[ "$(cat "$T/out")" = "$(cat "$T/full/metrics.json")" ] || fail "no-op --json: $(cat "$T/out")"
[ ! -s "$T/err" ] || fail "no-op --quiet printed: $(cat "$T/err")"
# A run cannot be shortened (exit 2).
set +e
"$NNTRAIN" fit --resume "$T/full" training.epochs=5 --quiet 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "shortening resume: exit $rc"
grep -q "has trained 9 epochs, more than training.epochs=5" "$T/err" || fail "message: $(cat "$T/err")"

# Training done but final files missing, or older than the checkpoint: resume writes them
# (the same model.bin bytes), exit 0.
rm "$T/full/model.bin" "$T/full/metrics.json"
"$NNTRAIN" fit --resume "$T/full" 2>"$T/err" || fail "resume with final files missing: $(cat "$T/err")"
grep -q "has trained its 9 epochs; writing its final files" "$T/err" || fail "message: $(cat "$T/err")"
cmp "$T/model9.bin" "$T/full/model.bin" || fail "rewritten model.bin differs"
grep -q '"epochs_run":9' "$T/full/metrics.json" || fail "rewritten metrics.json"
grep -q '"stopped":"completed"' "$T/full/metrics.json" || fail "rewritten metrics.json stopped"
touch -d '2001-01-01' "$T/full/model.bin"
"$NNTRAIN" fit --resume "$T/full" 2>"$T/err" || fail "resume with an old model.bin"
grep -q "writing its final files" "$T/err" || fail "an older model.bin was not rewritten: $(cat "$T/err")"
cmp "$T/model9.bin" "$T/full/model.bin" || fail "rewritten model.bin differs"
"$NNTRAIN" fit --resume "$T/full" 2>"$T/err" && grep -q "nothing to do" "$T/err" || fail "not complete after rewriting"
echo OK
