# Shared preamble of the mpirun tests (test_mpi_*.sh): common.sh, Open MPI's settings for a
# 2-core CI box run as root, and mpi NP ARGS... which runs mpirun with a timeout (a hang is a
# failure, never a stalled CI) and returns mpirun's exit code. Sourced, not run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Containers often forbid the cross-memory attach of the shared-memory transport.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# Under scripts/test-sanitize: no leak check in the ranks. Open MPI's components are
# dlclose'd at MPI_Finalize with allocations of theirs still held, which LeakSanitizer reports
# from "<unknown module>" (no suppression can name them). Addresses and UB are still checked;
# nntrain's own leaks are the single-process tests' and tests_dist's to find.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
MPI_TIMEOUT=${MPI_TIMEOUT:-60}
mpi() {
  local np=$1
  shift
  timeout -k 5 "$MPI_TIMEOUT" mpirun -np "$np" --oversubscribe --bind-to none "$@"
}
# log.csv without its last column (seconds: wall time).
untimed_log() { sed 's/,[^,]*$//' "$1"; }
# checkpoint.bin as text without what a run's wall time changes (its seconds and the
# checksums over them): the safetensors header, then a hash of the tensor bytes.
untimed_checkpoint() {
  /usr/bin/python3 -c '
import hashlib, json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
for k in ("epoch_seconds", "total_seconds", "checksum", "header_checksum"):
    h["__metadata__"].pop(k, None)
print(json.dumps(h, sort_keys=True))
print(hashlib.sha256(b[8 + n:]).hexdigest())
' "$1"
}
same_checkpoint() { diff <(untimed_checkpoint "$1") <(untimed_checkpoint "$2") >/dev/null; }
