#!/usr/bin/env bash
# e2e: a NaN/infinite loss ends `nntrain fit` with exit 1, an error naming epoch and batch and
# suggesting a lower learning rate; log.csv and metrics.json (stopped: diverged), no model.bin.
# Usage: test_fit_diverge.sh NNTRAIN DATA_DIR
source "$(dirname "$0")/common.sh"
NNTRAIN=$(realpath "$1") DATA=$2

cat > "$T/c.yaml" <<YAML
data: {train: $DATA/iris.csv, target: petal_width_cm, exclude: [label], validation: 0.2}
model: {layers: [{units: 16, activation: relu}, {units: 1}]}
loss: mse
optimizer: {name: sgd, lr: 1.0e+6}
training: {epochs: 50, batch_size: 16}
YAML
set +e
"$NNTRAIN" fit "$T/c.yaml" --out "$T/run" --json >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "exit $rc, want 1: $(cat "$T/err")"
grep -q "^nntrain: error: .*epoch [0-9]*, batch [0-9]* .*learning rate" "$T/err" || fail "message: $(cat "$T/err")"
[ ! -e "$T/run/model.bin" ] || fail "model.bin written"
[ -s "$T/run/log.csv" ] || fail "no log.csv"
python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert m['stopped']=='diverged'; assert json.load(open(sys.argv[2]))==m" \
  "$T/run/metrics.json" "$T/out" || fail "metrics.json"
echo OK
