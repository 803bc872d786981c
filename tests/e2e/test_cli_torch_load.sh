#!/usr/bin/env bash
# e2e: models trained by nntrain, loaded into the PyTorch tutorial's model class with
# load_state_dict(strict=True), predict what `nntrain predict` prints: same labels, every
# probability within 1e-5. The PyTorch side is a committed fixture made by
# tests/fixtures/make_torch_load_check.py (this test does not need PyTorch).
# Usage: test_cli_torch_load.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"
F=$SRC/tests/fixtures/torch_load

compare_csv() { # NAME GOT WANT: same header and labels, numbers within 1e-5
  CHECKS=$((CHECKS + 1))
  if ! awk -F, -v tol=1e-5 '
    NR == FNR { want[FNR] = $0; n = FNR; next }
    { if (FNR > n) { print "extra row " FNR; bad = 1; exit }
      split(want[FNR], w, ",")
      if (FNR == 1 || NF != length(w)) { if ($0 != want[FNR]) { print "row " FNR ": " $0 " vs " want[FNR]; bad = 1; exit } next }
      if ($1 != w[1]) { print "row " FNR ": label " $1 " vs " w[1]; bad = 1; exit }
      for (i = 2; i <= NF; i++) { d = $i - w[i]; if (d < 0) d = -d; if (d > tol) { print "row " FNR " col " i ": " $i " vs " w[i]; bad = 1; exit } }
      m = FNR }
    END { if (!bad && m != n) { print m " rows, expected " n; bad = 1 } exit bad }' "$3" "$2" >"$T/$1.diff"; then
    fail "$1: nntrain predict and PyTorch differ: $(cat "$T/$1.diff")"
  fi
}

expect_rc 0 seed "$NNTRAIN" predict "$F/seed.bin" "$SRC/data/breast_cancer.csv" && compare_csv seed "$T/seed.out" "$F/seed_expected.csv"
expect_eq seed_rows "$(wc -l <"$T/seed.out" | tr -d ' ')" 570
expect_rc 0 iris "$NNTRAIN" predict "$F/iris.bin" "$SRC/data/iris-named.csv" && compare_csv iris "$T/iris.out" "$F/iris_expected.csv"
expect_eq iris_rows "$(wc -l <"$T/iris.out" | tr -d ' ')" 151
# The comparison can fail: a perturbed fixture is caught.
sed '2s/^\([^,]*\),\(.*\)$/\1,0.5/' "$F/seed_expected.csv" >"$T/perturbed.csv"
before=$FAILS
compare_csv perturbed_check "$T/seed.out" "$T/perturbed.csv" 2>/dev/null
if [ "$FAILS" -eq $((before + 1)) ]; then FAILS=$before; else fail "a perturbed fixture was not caught"; fi
finish
