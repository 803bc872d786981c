#!/usr/bin/env bash
# e2e: `nntrain fit` writes the run directory of SPEC.md; --json prints only metrics.json on
# stdout; --quiet silences stderr; {config} in output.dir is the config's stem; a data.test
# run ends with the test metrics on stderr.
# Usage: test_fit_rundir.sh NNTRAIN DATA_DIR
source "$(dirname "$0")/common.sh"
NNTRAIN=$(realpath "$1") DATA=$2

cat > "$T/small.yaml" <<YAML
data: {train: $DATA/breast_cancer.csv, target: label, validation: 0.2}
model:
  layers:
    - {units: 8, activation: relu}
    - {units: 1, activation: sigmoid}
training: {epochs: 4, batch_size: 64, log_every: 2}
YAML

# Human progress on stderr, nothing on stdout.
"$NNTRAIN" fit "$T/small.yaml" --out "$T/run" --threads 1 >"$T/out" 2>"$T/err" || fail "fit exited $?"
[ ! -s "$T/out" ] || fail "stdout not empty without --json"
head -1 "$T/err" | grep -q "samples.*features.*parameters.*thread.*seed.*$T/run" || fail "first line: $(head -1 "$T/err")"
grep -q "^epoch 2/4  train_loss [0-9.]*  val_loss [0-9.]*  val_accuracy [0-9.]*  lr 0.001" "$T/err" || fail "epoch line: $(cat "$T/err")"
for f in model.bin log.csv config.yaml metrics.json learning_curve.svg checkpoint.bin; do
  [ -s "$T/run/$f" ] || fail "missing $f"
done
! ls "$T/run" | grep -q tmp || fail "temporary file left: $(ls "$T/run")"
[ "$(head -1 "$T/run/log.csv")" = "epoch,train_loss,val_loss,val_accuracy,val_precision,val_recall,val_f1,lr,seconds" ] \
  || fail "log header: $(head -1 "$T/run/log.csv")"
[ "$(wc -l < "$T/run/log.csv")" -eq 5 ] || fail "log rows"
head -c 5 "$T/run/learning_curve.svg" | grep -q "<?xml" || fail "svg"
python3 - "$T/run/metrics.json" <<'PY' || fail "metrics.json"
import json, sys
m = json.load(open(sys.argv[1]))
for k in ["train_loss", "val_loss", "val_accuracy", "val_precision", "val_recall", "val_f1", "epochs_run",
          "best_epoch", "seconds", "stopped", "nntrain_version", "threads", "blas"]:
    assert k in m, k
assert m["stopped"] == "completed" and m["epochs_run"] == 4 and m["threads"] == 1
assert set(m["blas"]) >= {"library", "version", "core", "threading"}
PY

# With data.test, the last stderr lines give the test metrics (the same numbers as metrics.json).
"$NNTRAIN" fit "$T/small.yaml" --out "$T/runt" --threads 1 data.test="$DATA/breast_cancer.csv" 2>"$T/err" >/dev/null ||
  fail "fit with data.test"
line=$(grep "^nntrain: test (569 rows)  test_loss [0-9.]*  test_accuracy [0-9.]*" "$T/err") || fail "no test line: $(cat "$T/err")"
acc=$(python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['test_accuracy'])" "$T/runt/metrics.json")
echo "$line" | grep -q "test_accuracy $acc" || fail "test line '$line' disagrees with metrics.json ($acc)"

# --json: stdout is exactly the metrics.json object.
"$NNTRAIN" fit "$T/small.yaml" --out "$T/run2" --threads 1 --json >"$T/out" 2>/dev/null || fail "fit --json"
python3 - "$T/out" "$T/run2/metrics.json" <<'PY' || fail "--json stdout is not exactly metrics.json: $(cat "$T/out")"
import json, sys
text = open(sys.argv[1]).read()
obj = json.loads(text)  # the whole of stdout parses as one JSON value
assert isinstance(obj, dict)
assert obj == json.load(open(sys.argv[2]))
PY
cmp -s "$T/run/model.bin" "$T/run2/model.bin" || fail "two fits of one config differ"

# --quiet: nothing on stderr.
"$NNTRAIN" fit "$T/small.yaml" --out "$T/run3" --quiet >/dev/null 2>"$T/err" || fail "fit --quiet"
[ ! -s "$T/err" ] || fail "--quiet wrote: $(cat "$T/err")"

# output.dir defaults to runs/{config}, relative to the working directory; overrides apply.
(cd "$T" && "$NNTRAIN" fit small.yaml training.epochs=2 --quiet) || fail "fit with override"
[ "$(wc -l < "$T/runs/small/log.csv")" -eq 3 ] || fail "runs/small/log.csv"
grep -q "epochs: 2" "$T/runs/small/config.yaml" || fail "resolved config lacks the override"

# Errors: unknown override key is 2, a last layer that does not fit the data is 3.
set +e
"$NNTRAIN" fit "$T/small.yaml" optimizer.lrr=1 --out "$T/bad" --quiet 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "unknown key exit $rc"
"$NNTRAIN" fit "$T/small.yaml" loss=cross_entropy 'model.layers.1={units: 3, activation: softmax}' \
  --out "$T/bad" --quiet 2>"$T/err"; rc=$?  # 2 classes in the data, 3 outputs
[ $rc -eq 3 ] || fail "wrong width exit $rc: $(cat "$T/err")"
grep -q "^nntrain: error: " "$T/err" || fail "error line"
echo OK
