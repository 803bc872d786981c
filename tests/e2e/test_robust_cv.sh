#!/usr/bin/env bash
# e2e: `nntrain cv` on iris with 3 folds writes DIR/fold1..3 (whole run directories) and
# DIR/metrics.json whose <metric>_mean / _std are the mean and population standard deviation of
# the folds' own metrics.json values (recomputed here with awk); --json prints the same object;
# early stopping needs no data.validation under cv (the folds validate), as it does under fit;
# cv and fit refuse each other's folders; a failed cv leaves no folder.
# Usage: test_robust_cv.sh NNTRAIN DATA_DIR VERIFY
source "$(dirname "$0")/common.sh"
NNTRAIN=$(realpath "$1") DATA=$2 VERIFY=$(realpath "$3")

cat > "$T/iris.yaml" <<YAML
data: {train: $DATA/iris-named.csv, target: species}
model:
  layers:
    - {units: 8, activation: tanh}
    - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: {lr: 0.02}
training: {epochs: 8, batch_size: 16, seed: 11}
output: {dir: "$T/default-{config}"}
YAML

"$NNTRAIN" cv "$T/iris.yaml" --folds 3 --out "$T/cv" --threads 1 --quiet --json > "$T/stdout.json" ||
  fail "cv exited $?"
for k in 1 2 3; do
  "$VERIFY" dir "$T/cv/fold$k" || fail "fold$k is not a sound run directory"
  [ -s "$T/cv/fold$k/model.bin" ] || fail "fold$k has no model.bin"
done
[ ! -e "$T/cv/fold4" ] || fail "a fourth fold"
cmp <(tr -d '\n' < "$T/cv/metrics.json") <(tr -d '\n' < "$T/stdout.json") || fail "--json differs from metrics.json"
[ "$("$VERIFY" get "$T/cv/metrics.json" folds)" = 3 ] || fail "folds != 3"

get() { "$VERIFY" get "$1" "$2"; }
for m in val_loss val_accuracy train_loss; do
  vals=$(for k in 1 2 3; do get "$T/cv/fold$k/metrics.json" $m; done)
  mean=$(get "$T/cv/metrics.json" ${m}_mean)
  std=$(get "$T/cv/metrics.json" ${m}_std)
  echo "$m: folds $(echo $vals) mean $mean std $std"
  echo "$vals" | awk -v mean="$mean" -v std="$std" -v m=$m '
    { x[NR] = $1; s += $1 }
    END {
      mu = s / NR; for (i = 1; i <= NR; i++) v += (x[i] - mu) ^ 2; sd = sqrt(v / NR)
      if ((mu - mean) ^ 2 > 1e-20 || (sd - std) ^ 2 > 1e-20) { print m ": mean/std " mean "/" std " but folds give " mu "/" sd; exit 1 }
    }' || fail "$m mean/std do not match the folds"
done
acc=$(get "$T/cv/metrics.json" val_accuracy_mean)
awk -v a="$acc" 'BEGIN { exit !(a > 0.5 && a <= 1) }' || fail "val_accuracy_mean $acc is not plausible"

# A fold does not resume with fit (its validation rows are the fold, which config.yaml lacks).
set +e
"$NNTRAIN" fit --resume "$T/cv/fold1" training.epochs=20 --threads 1 --quiet 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "fit --resume of a cv fold exited $rc, want 2"
grep -q "is fold 1/3 of an nntrain cv run" "$T/err" || fail "fold resume message: $(cat "$T/err")"

# Without --out the folds go under output.dir.
"$NNTRAIN" cv "$T/iris.yaml" --folds 2 --threads 1 --quiet || fail "cv to output.dir"
[ -s "$T/default-iris/fold2/model.bin" ] && [ -s "$T/default-iris/metrics.json" ] || fail "nothing under output.dir"

# Early stopping with data.validation: 0 (which `fit` refuses): each fold validates, so it
# stops early (patience 1, 300 epochs at lr 0.3) and reports val_* for every fold.
"$NNTRAIN" cv "$T/iris.yaml" --folds 2 --out "$T/es" --threads 1 --quiet data.validation=0 \
  'training={epochs: 300, batch_size: 16, seed: 11, early_stopping: {patience: 1}}' optimizer.lr=0.3 ||
  fail "cv with early stopping and data.validation: 0"
for k in 1 2; do
  [ "$(get "$T/es/fold$k/metrics.json" stopped)" = early_stopping ] || fail "fold$k did not stop early"
done
[ -n "$(get "$T/es/metrics.json" val_loss_mean)" ] || fail "no val_loss_mean"
set +e
"$NNTRAIN" fit "$T/iris.yaml" --out "$T/x" data.validation=0 training.early_stopping.patience=1 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "fit with early stopping and no validation exited $rc, want 2"

# cv and fit never share a folder (the other's metrics.json would be replaced): exit 2, and the
# folder keeps what it had. A cv that fails before its first fold leaves no folder.
"$NNTRAIN" fit "$T/iris.yaml" --out "$T/fitrun" --threads 1 --quiet || fail "fit for the collision check"
cp "$T/fitrun/metrics.json" "$T/fit-metrics.json"
set +e
"$NNTRAIN" cv "$T/iris.yaml" --folds 2 --out "$T/fitrun" --threads 1 --quiet 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "cv into a fit run's folder exited $rc, want 2"
grep -q "holds an nntrain fit run" "$T/err" || fail "cv collision message: $(cat "$T/err")"
cmp "$T/fitrun/metrics.json" "$T/fit-metrics.json" || fail "cv touched the fit run's metrics.json"
[ ! -e "$T/fitrun/fold1" ] || fail "cv wrote a fold into the fit run's folder"
set +e
"$NNTRAIN" fit "$T/iris.yaml" --out "$T/cv" --threads 1 --quiet 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "fit into a cv folder exited $rc, want 2"
grep -q "holds an nntrain cv run" "$T/err" || fail "fit collision message: $(cat "$T/err")"
set +e
"$NNTRAIN" cv "$T/iris.yaml" --folds 500 --out "$T/toomany" --threads 1 --quiet 2>/dev/null; rc=$?
set -e
[ $rc -eq 3 ] || fail "cv with 500 folds on 150 rows exited $rc, want 3 (a data error)"
[ ! -e "$T/toomany" ] || fail "a failed cv left its folder behind"

# Usage errors are exit 2.
set +e
"$NNTRAIN" cv "$T/iris.yaml" --folds 1 --out "$T/x" 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "--folds 1 exited $rc, want 2"
set +e
"$NNTRAIN" cv "$T/iris.yaml" --threads 0 --out "$T/x" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "--threads 0 exited $rc, want 2"
grep -q "1 to 1024" "$T/err" || fail "--threads 0 message: $(cat "$T/err")"
echo OK
