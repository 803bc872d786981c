#!/usr/bin/env bash
# e2e: failures under mpirun. Errors rank 0 finds (config 2, data 3) and divergence (1) are
# mpirun's exit code with one error line; grad_shards that K does not divide is 2; a fault
# injected on rank 2 mid-training ends the whole job within seconds with that rank named;
# SIGUSR1 to mpirun stops every rank after the same batch with exit 138 and a checkpoint;
# SIGTERM to mpirun does the same (mpirun's own exit code then).
# Usage: test_mpi_failures.sh NNTRAIN DATA_DIR
source "$(dirname "$0")/mpi_common.sh"
NNTRAIN=$(realpath "$1") DATA=$(realpath "$2")
cd "$T"

cat > c.yaml <<YAML
data: {train: $DATA/breast_cancer.csv, target: label, validation: 0.2}
model:
  layers:
    - {units: 16, activation: relu}
    - {units: 1, activation: sigmoid}
training: {epochs: 5, batch_size: 16, seed: 3}
YAML

# expect CODE PATTERN NP ARGS...: mpirun exits CODE, stderr has exactly one nntrain error
# line and it matches PATTERN.
expect() {
  local want=$1 pattern=$2 np=$3
  shift 3
  set +e
  mpi "$np" "$NNTRAIN" "$@" >out.txt 2>err.txt
  local rc=$?
  set -e
  [ $rc -eq "$want" ] || fail "$*: exit $rc, want $want: $(cat err.txt)"
  [ "$(grep -c '^nntrain: error:' err.txt)" = 1 ] || fail "$*: not one error line: $(cat err.txt)"
  grep -q "$pattern" err.txt || fail "$*: no '$pattern' in: $(cat err.txt)"
  [ ! -s out.txt ] || fail "$*: stdout: $(cat out.txt)"
}
expect 2 "did you mean" 3 fit c.yaml training.epoch=3 --out e1 --quiet --json
expect 2 "processes of mpirun do not divide" 3 fit c.yaml training.grad_shards=4 --out e2 --quiet
expect 3 "no_such.csv" 2 fit c.yaml data.train=$T/no_such.csv --out e3 --quiet
expect 2 "only 'nntrain fit' runs under mpirun" 2 cv c.yaml --out e5 --quiet
expect 1 "loss became" 2 fit c.yaml optimizer.lr=1e30 --out e4 --quiet
[ -e e4/metrics.json ] && grep -q '"stopped":"diverged"' e4/metrics.json || fail "diverged: metrics.json"

# A fault on rank 2 at its 5th step: the job ends (MPI_Abort), quickly, naming the rank.
start=$(date +%s)
set +e
NNTRAIN_TEST_FAULT=2:5 mpi 3 "$NNTRAIN" fit c.yaml --out fault --quiet --threads 1 2>err.txt
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ] || fail "fault on rank 2: exit $rc: $(cat err.txt)"
grep -q "^nntrain: error: rank 2 of 3: injected test fault" err.txt || fail "fault: rank not named: $(cat err.txt)"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "fault: the job took $(( $(date +%s) - start )) s to end"

# SIGUSR1 to mpirun: forwarded to every rank, all stop after the same batch, exit 138.
# SIGTERM (what Ctrl-C on mpirun sends every rank, SIGKILL 1 s later): the same stop and
# checkpoint, but mpirun's own exit code.
# Long enough (about 20 s on a quiet machine) that the signal always lands mid-training.
sed 's/epochs: 5/epochs: 100000/' c.yaml >long.yaml
for sig in USR1 TERM; do
  timeout -k 5 "$MPI_TIMEOUT" mpirun -np 2 --oversubscribe --bind-to none "$NNTRAIN" fit long.yaml --out $sig \
    --threads 1 2>err.txt &
  pid=$!  # timeout's; the signal goes to mpirun, its child
  for _ in $(seq 1 2000); do [ -e $sig/log.csv ] && break; sleep 0.01; done
  [ -e $sig/log.csv ] || fail "SIG$sig: no log.csv appeared"
  kill -$sig "$(pgrep -P $pid mpirun)"
  set +e
  wait $pid
  rc=$?
  set -e
  if [ $sig = USR1 ]; then [ $rc -eq 138 ] || fail "SIGUSR1: exit $rc, want 138: $(cat err.txt)"; fi
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "SIG$sig: exit $rc"
  grep -q '"stopped":"interrupted"' $sig/metrics.json || fail "SIG$sig: metrics.json"
  grep -q "interrupted (SIG$sig)" err.txt || fail "SIG$sig: $(cat err.txt)"
  [ "$(grep -c 'interrupted (SIG' err.txt)" = 1 ] || fail "SIG$sig: not one rank's line: $(cat err.txt)"
  [ -s $sig/checkpoint.bin ] || fail "SIG$sig: no checkpoint.bin"
done
echo OK
