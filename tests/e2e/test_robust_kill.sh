#!/usr/bin/env bash
# e2e robustness: `kill -9` of `nntrain fit` at ~20 random moments (fresh runs and --resume of the
# killed run) must never leave a torn file: every run-directory file that exists verifies
# (model.bin and checkpoint.bin decode, metrics.json parses, log.csv has only whole rows);
# leftovers may only be temporaries (NAME.tmp.PID); a resume from whatever was left works.
# Bounded: stops killing after 25 s.  Usage: test_robust_kill.sh NNTRAIN DATA_DIR VERIFY
source "$(dirname "$0")/common.sh"
NNTRAIN=$(realpath "$1") DATA=$2 VERIFY=$(realpath "$3")

cat > "$T/c.yaml" <<YAML
data: {train: $DATA/iris.csv, target: label, validation: 0.2}
model:
  layers:
    - {units: 16, activation: relu}
    - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: {lr: 0.01}
training: {epochs: 200, batch_size: 4, seed: 3}
output: {checkpoint_every: 1}
YAML

RANDOM=12345  # reproducible moments
start=$SECONDS kills=0 resumes=0 reached=""
for i in $(seq 1 20); do
  [ $((SECONDS - start)) -lt 25 ] || break
  epochs=$((i * 200))  # 200 more epochs per run: enough that the kill lands mid-run (40 finished first)
  if [ $((i % 5)) -eq 0 ]; then  # a fresh folder: kills around the first writes
    dir="$T/fresh$i"
    args=(fit "$T/c.yaml" --out "$dir")
    delay=$(printf '0.%03d' $((RANDOM % 80)))
  elif [ -s "$T/run/checkpoint.bin" ]; then
    dir="$T/run"
    args=(fit --resume "$dir" training.epochs=$epochs)
    resumes=$((resumes + 1))
    delay=$(printf '0.%03d' $((RANDOM % 300)))
  else
    dir="$T/run"
    args=(fit "$T/c.yaml" --out "$dir" training.epochs=$epochs)
    delay=$(printf '0.%03d' $((RANDOM % 300)))
  fi
  "$NNTRAIN" "${args[@]}" --threads 1 --quiet 2> "$T/err" &
  pid=$!
  sleep "$delay"
  kill -9 $pid 2>/dev/null || true
  set +e; wait $pid 2>/dev/null; rc=$?; set -e
  [ $rc -eq 137 ] || [ $rc -eq 0 ] || fail "iteration $i (${args[*]}): exit $rc: $(cat "$T/err")"
  [ $rc -eq 137 ] && kills=$((kills + 1))
  [ -d "$dir" ] || continue  # killed before the folder was made
  "$VERIFY" dir "$dir" || fail "iteration $i: torn file after kill -9 at ${delay}s"
  [ -s "$dir/log.csv" ] && reached="$reached $(($(wc -l < "$dir/log.csv") - 1))"
done
echo "epochs in log.csv after each kill:$reached"
echo "killed $kills runs ($resumes resumes) in $((SECONDS - start)) s"
[ $kills -ge 5 ] || fail "only $kills runs were killed mid-way; the test did not test"

# Whatever the last kill left, the run resumes (or starts) and finishes cleanly.
if [ -s "$T/run/checkpoint.bin" ]; then
  "$NNTRAIN" fit --resume "$T/run" training.epochs=$(($(wc -l < "$T/run/log.csv") + 20)) --threads 1 --quiet ||
    fail "final resume"
else
  "$NNTRAIN" fit "$T/c.yaml" --out "$T/run" --threads 1 --quiet || fail "final run"
fi
"$VERIFY" dir "$T/run" || fail "final run directory"
[ -s "$T/run/model.bin" ] || fail "no model.bin after the final run"
[ "$("$VERIFY" get "$T/run/metrics.json" stopped)" = completed ] || fail "final run not completed"
echo OK
