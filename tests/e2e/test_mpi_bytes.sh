#!/usr/bin/env bash
# e2e: mpirun -np K nntrain fit gives the bytes of one process with the same grad_shards.
# A config with shuffle, dropout, a last batch that no K divides (455 training rows, batch 32:
# the last has 7 rows, so some of the 12 shards are empty), a plateau schedule that halves the
# rate twice and early stopping (both decided on rank 0's validation, broadcast): plain fit,
# -np 2, 3 and 4 write byte-identical model.bin, the same checkpoint.bin and log.csv but for
# their seconds (wall time). Also: only rank 0 writes (the run directory's files, one --json
# object on stdout); default shards under -np 2 agree with one process within float
# tolerance; a stop after batch N under -np 2 resumed under -np 3 gives the uninterrupted bytes.
# Usage: test_mpi_bytes.sh NNTRAIN DATA_DIR
source "$(dirname "$0")/mpi_common.sh"
NNTRAIN=$(realpath "$1") DATA=$(realpath "$2")
cd "$T"

cat > c.yaml <<YAML
data: {train: $DATA/breast_cancer.csv, target: label, validation: 0.2}
model:
  layers:
    - {units: 16, activation: relu, dropout: 0.2}
    - {units: 8, activation: tanh}
    - {units: 1, activation: sigmoid}
optimizer: {name: adam, lr: 0.01}
schedule: {name: plateau, patience: 0, gamma: 0.5}
training:
  epochs: 12
  batch_size: 32
  seed: 11
  grad_shards: 12
  early_stopping: {monitor: val_loss, patience: 2, min_delta: 0.0}
YAML
"$NNTRAIN" fit c.yaml --out one --threads 1 --quiet || fail "plain fit"
grep -q '"stopped":"early_stopping"' one/metrics.json || fail "the config no longer stops early: $(cat one/metrics.json)"
grep -q ',0.0025,' one/log.csv || fail "the plateau schedule no longer lowers the rate twice: $(cat one/log.csv)"
for np in 2 3 4; do
  mpi $np "$NNTRAIN" fit c.yaml --out np$np --threads 1 --json >np$np.json 2>np$np.err || fail "-np $np: exit $?: $(cat np$np.err)"
  cmp one/model.bin np$np/model.bin || fail "-np $np: model.bin differs from one process's"
  same_checkpoint one/checkpoint.bin np$np/checkpoint.bin || fail "-np $np: checkpoint.bin differs from one process's"
  diff <(untimed_log one/log.csv) <(untimed_log np$np/log.csv) >/dev/null || fail "-np $np: log.csv differs"
  /usr/bin/python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 1, "%d lines on stdout" % len(lines)
m = json.loads(lines[0])
assert m["world_size"] == int(sys.argv[2]), m
assert m == json.load(open(sys.argv[3])), "stdout is not metrics.json"
' np$np.json $np np$np/metrics.json || fail "-np $np: --json"
  [ "$(ls np$np | tr '\n' ' ')" = "checkpoint.bin config.yaml learning_curve.svg log.csv metrics.json model.bin " ] ||
    fail "-np $np: run directory holds $(ls np$np | tr '\n' ' ')"
  [ "$(grep -c 'early stopping after epoch' np$np.err)" = 1 ] || fail "-np $np: stderr is not one rank's: $(cat np$np.err)"
done
[ "$(ls | grep -c tmp)" = 0 ] || fail "stray temporary files: $(ls)"

# Default shards (K under mpirun, 1 alone): another rounding, the same training.
sed '/grad_shards/d; /early_stopping/d; s/epochs: 12/epochs: 4/' c.yaml >d.yaml
"$NNTRAIN" fit d.yaml --out d1 --threads 1 --quiet || fail "plain fit, default shards"
mpi 2 "$NNTRAIN" fit d.yaml --out d2 --threads 1 --quiet || fail "-np 2, default shards"
grep -q '^  grad_shards: 2$' d2/config.yaml || fail "config.yaml does not record grad_shards 2"
/usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("train_loss", "val_loss", "val_accuracy"):
    assert abs(a[k] - b[k]) < 1e-3, (k, a[k], b[k])
' d1/metrics.json d2/metrics.json || fail "default shards: -np 2 does not agree with one process"

# Stopped after batch 20 under -np 2 (the stop is agreed at the next batch), resumed under -np 3.
set +e
NNTRAIN_TEST_STOP_AFTER_BATCHES=20 mpi 2 "$NNTRAIN" fit c.yaml --out stop --threads 1 --quiet 2>stop.err
rc=$?
set -e
[ $rc -eq 130 ] || fail "stopped run: exit $rc, want 130: $(cat stop.err)"
grep -q '"stopped":"interrupted"' stop/metrics.json || fail "stopped run: metrics.json"
mpi 3 "$NNTRAIN" fit --resume stop --threads 1 --quiet || fail "resume under -np 3"
cmp one/model.bin stop/model.bin || fail "resumed under another K: model.bin differs"
same_checkpoint one/checkpoint.bin stop/checkpoint.bin || fail "resumed under another K: checkpoint.bin differs"
diff <(untimed_log one/log.csv) <(untimed_log stop/log.csv) >/dev/null || fail "resumed: log.csv differs"
echo OK
