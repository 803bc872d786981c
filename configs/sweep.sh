#!/usr/bin/env bash
# A hyperparameter sweep: every combination of a grid of overrides is one `nntrain fit` with one
# BLAS thread, JOBS of them at a time (xargs -P), then `nntrain compare` ranks the runs.
#
#   configs/sweep.sh CONFIG OUT_DIR [KEY=V1,V2,... ...] [-- FIXED_OVERRIDE ...]
#
#   configs/sweep.sh configs/iris.yaml runs/sweep                 # the default grid below
#   configs/sweep.sh configs/breast_cancer.yaml runs/bc optimizer.lr=0.0003,0.001,0.003 \
#       model.layers.0.units=16,64 -- training.epochs=50
#
# Each run goes to OUT_DIR/KEY=VALUE,KEY=VALUE (one folder per grid point, the full keys, so
# `ls` shows the grid); FIXED_OVERRIDEs after `--` apply to every run. Values must not contain
# spaces or commas. Environment: NNTRAIN (default: `nntrain` on PATH, else build/app/nntrain),
# JOBS (parallel runs, default: the number of cores), SORT (compare --sort, default val_loss).
# Exit status 0 when every run finished, 1 when some failed (a diverged run still shows in the
# comparison with stopped=diverged), 2 on a usage error.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
config=$1 out=$2
shift 2

# The grid: KEY=V1,V2,... arguments until `--`; the default is learning rate x first-layer width.
grid=() fixed=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; fixed=("$@"); break; fi
  case $1 in *=*) grid+=("$1") ;; *) echo "sweep.sh: '$1' is not KEY=V1,V2,..." >&2; usage ;; esac
  shift
done
[ ${#grid[@]} -gt 0 ] || grid=(optimizer.lr=0.001,0.003,0.01 model.layers.0.units=16,64)

if [ -z "${NNTRAIN:-}" ]; then
  if command -v nntrain > /dev/null; then NNTRAIN=nntrain
  else NNTRAIN="$(cd "$(dirname "$0")/.." && pwd)/build/app/nntrain"; fi
fi
JOBS=${JOBS:-$(nproc)}

# Expand the grid into one line per run: "KEY=V ... --out OUT_DIR/KEY=V,KEY=V".
points=("")
for g in "${grid[@]}"; do
  key=${g%%=*} values=${g#*=}
  next=()
  for p in "${points[@]}"; do
    IFS=, read -r -a vs <<< "$values"
    for v in "${vs[@]}"; do next+=("${p:+$p }$key=$v"); done
  done
  points=("${next[@]}")
done
mkdir -p "$out"
lines=""
for p in "${points[@]}"; do lines+="$p --out $out/${p// /,}"$'\n'; done
echo "sweep: ${#points[@]} runs, $JOBS at a time, into $out" >&2

# One fit per line; xargs exits 123 when any of them failed.
status=0
printf '%s' "$lines" | xargs -P "$JOBS" -L 1 "$NNTRAIN" fit "$config" ${fixed[@]+"${fixed[@]}"} --threads 1 --quiet ||
  status=1

runs=()
for p in "${points[@]}"; do
  d="$out/${p// /,}"
  if [ -s "$d/metrics.json" ]; then runs+=("$d"); else echo "sweep: no result in $d" >&2; status=1; fi
done
[ ${#runs[@]} -gt 0 ] && "$NNTRAIN" compare "${runs[@]}" ${SORT:+--sort "$SORT"}
exit $status
