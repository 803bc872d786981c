#!/usr/bin/env bash
# e2e: configs/sweep.sh on a tiny grid (2 learning rates x 2 widths, iris, 3 epochs, 2 jobs):
# one sound run directory per grid point with the fixed override applied, and a `compare`
# table of the four runs sorted by val_loss; a grid point that fails makes the sweep exit 1
# while the other runs are still compared.  Usage: test_robust_sweep.sh NNTRAIN DATA_DIR VERIFY
source "$(dirname "$0")/common.sh"
NNTRAIN=$(realpath "$1") VERIFY=$(realpath "$3")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export NNTRAIN JOBS=2

bash "$SRC/configs/sweep.sh" "$SRC/configs/iris.yaml" "$T/sw" optimizer.lr=0.01,0.05 model.layers.0.units=4,8 \
  -- training.epochs=3 > "$T/table" 2> "$T/err" || fail "sweep exited $?: $(cat "$T/err")"
for lr in 0.01 0.05; do
  for u in 4 8; do
    d="$T/sw/optimizer.lr=$lr,model.layers.0.units=$u"
    "$VERIFY" dir "$d" || fail "$d is not a sound run directory"
    [ -s "$d/model.bin" ] || fail "$d has no model.bin"
    [ "$("$VERIFY" get "$d/metrics.json" epochs_run)" = 3 ] || fail "$d: training.epochs=3 not applied"
    grep -q "^  lr: $lr" "$d/config.yaml" || fail "$d: config.yaml does not have lr $lr"
    grep -q "units: $u" "$d/config.yaml" || fail "$d: config.yaml does not have units $u"
  done
done
[ "$(ls "$T/sw" | wc -l)" -eq 4 ] || fail "not 4 run directories"
cat "$T/table"
# The table: a header naming val_loss, then the 4 runs, val_loss ascending.
[ "$(grep -c "^$T/sw/" "$T/table")" -eq 4 ] || fail "compare does not list the 4 runs"
awk -v dir="$T/sw/" '
  $1 == "run" { for (i = 1; i <= NF; i++) if ($i == "val_loss") c = i; next }
  index($0, dir) == 1 { if (!c) exit 1; if (n++ && $c + 0 < prev) exit 1; prev = $c + 0 }
  END { exit !(c && n == 4) }' "$T/table" || fail "compare table is not sorted by val_loss"

# A failing grid point (units 0 is a config error): exit 1, the good run is still compared.
set +e
bash "$SRC/configs/sweep.sh" "$SRC/configs/iris.yaml" "$T/bad" model.layers.0.units=0,4 -- training.epochs=1 \
  > "$T/table2" 2> "$T/err2"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a sweep with a failing run exited $rc, want 1"
grep -q "units=4" "$T/table2" || fail "the good run is missing from the comparison"
grep -q "no result in" "$T/err2" || fail "the failed run is not reported"
echo OK
