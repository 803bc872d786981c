#!/usr/bin/env bash
# e2e: a build without Open MPI (nntrain_without_mpi: the same app, no_mpi.cpp) under mpirun
# says so once and every rank exits 2; without mpirun it trains as usual.
# Usage: test_mpi_without.sh NNTRAIN_WITHOUT_MPI DATA_DIR
source "$(dirname "$0")/mpi_common.sh"
NNTRAIN=$(realpath "$1") DATA=$(realpath "$2")
cd "$T"
cat > c.yaml <<YAML
data: {train: $DATA/iris.csv, target: label}
model: {layers: [{units: 3, activation: softmax}]}
loss: cross_entropy
training: {epochs: 2}
YAML
"$NNTRAIN" fit c.yaml --out plain --quiet || fail "plain fit without MPI"
set +e
mpi 2 "$NNTRAIN" fit c.yaml --out m --quiet 2>err.txt
rc=$?
set -e
[ $rc -eq 2 ] || fail "under mpirun: exit $rc, want 2: $(cat err.txt)"
[ "$(grep -c '^nntrain: error: this nntrain was built without MPI' err.txt)" = 1 ] || fail "not one line: $(cat err.txt)"
[ ! -e m ] || fail "a run directory was made"
echo OK
