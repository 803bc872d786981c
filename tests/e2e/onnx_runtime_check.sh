#!/usr/bin/env bash
# e2e: `nntrain export` gives what `nntrain predict` gives. Trains small models with the built
# nntrain (every activation, string and integer labels, binary, multiclass, multi-output
# regression, with and without standardization, categorical columns with unseen categories),
# exports each (opset 17; one at opset 13 too), predicts on real data, and has
# tests/e2e/onnx_check.py compare: onnx's checker and strict shape inference, a numpy evaluator
# of the graph, and ONNX Runtime where it is importable, each at batch N and batch 1.
# Needs only the binary, this source tree and a python3 with numpy (+ onnx, + onnxruntime).
#
# Usage: onnx_runtime_check.sh NNTRAIN SOURCE_DIR [--require-onnx] [--require-ort]
#   --require-onnx  fail when the python lacks onnx (CI: Debian's python3-onnx, via scripts/deps.sh)
#   --require-ort   fail when it lacks onnxruntime (instead of saying it skipped that part)
# PYTHON (default /usr/bin/python3) picks the interpreter, e.g. PYTHON=python3 for a venv.
set -euo pipefail
NNTRAIN=$(realpath "${1:?usage: $0 NNTRAIN SOURCE_DIR [--require-onnx] [--require-ort]}")
SRC=$(realpath "${2:?usage: $0 NNTRAIN SOURCE_DIR [--require-onnx] [--require-ort]}")
shift 2
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/nntrain-onnx.XXXXXX")
trap 'rm -rf "$T"' EXIT
D=$SRC/data
G=$SRC/tests/data/onnx/grunfeld.csv
CASES=()

# case NAME PREDICT_CSV: fit $T/NAME.yaml (already written), export, predict on PREDICT_CSV.
case_() {
  local name=$1 data=$2
  "$NNTRAIN" fit "$T/$name.yaml" --out "$T/$name" --threads 1 --quiet
  "$NNTRAIN" export "$T/$name/model.bin" -o "$T/$name.onnx" 2>"$T/$name.export.err"
  "$NNTRAIN" predict "$T/$name/model.bin" "$data" -o "$T/$name.pred.csv" --threads 1
  CASES+=(--case "$name" "$T/$name.onnx" "$data" "$T/$name.pred.csv")
}

# Multiclass, string labels; gelu, leaky_relu (slope 0.1) with dropout, softmax.
cat >"$T/iris_strings.yaml" <<YAML
data: {train: $D/iris-named.csv, target: species}
model:
  layers:
    - {units: 8, activation: gelu}
    - {units: 6, activation: leaky_relu, negative_slope: 0.1, dropout: 0.1}
    - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: {name: adam, lr: 0.01}
training: {epochs: 30, batch_size: 16}
YAML
case_ iris_strings "$D/iris-named.csv"

# Multiclass, integer labels (int64 output), no standardization; tanh, sigmoid.
cat >"$T/iris_ints.yaml" <<YAML
data: {train: $D/iris.csv, target: label, standardize: false}
model: {layers: [{units: 8, activation: tanh}, {units: 8, activation: sigmoid}, {units: 3, activation: softmax}]}
loss: cross_entropy
optimizer: {name: adam, lr: 0.01}
training: {epochs: 30, batch_size: 16}
YAML
case_ iris_ints "$D/iris.csv"

# Binary ([1 - p, p]), integer labels 0/1; relu; also exported at opset 13 (IR 7).
cat >"$T/breast_cancer.yaml" <<YAML
data: {train: $D/breast_cancer.csv, target: label}
model: {layers: [{units: 16, activation: relu}, {units: 1, activation: sigmoid}]}
loss: bce
training: {epochs: 20}
YAML
case_ breast_cancer "$D/breast_cancer.csv"
"$NNTRAIN" export "$T/breast_cancer/model.bin" -o "$T/breast_cancer_opset13.onnx" --opset 13
CASES+=(--case breast_cancer_opset13 "$T/breast_cancer_opset13.onnx" "$D/breast_cancer.csv" "$T/breast_cancer.pred.csv")

# Multi-output regression; gelu, identity output.
cat >"$T/iris_regression.yaml" <<YAML
data: {train: $D/iris.csv, target: [petal_length_cm, petal_width_cm], exclude: [label]}
model: {layers: [{units: 8, activation: gelu}, {units: 2}]}
loss: mse
optimizer: {name: adam, lr: 0.01}
training: {epochs: 30, batch_size: 16}
YAML
case_ iris_regression "$D/iris.csv"

# Regression with a categorical column between numeric ones (firm), trained without IBM:
# predicting IBM's rows meets an unseen category (all zeros, data.unknown_category: ignore).
awk -F, '$4 != "IBM"' "$G" >"$T/grunfeld_no_ibm.csv"
cat >"$T/grunfeld_invest.yaml" <<YAML
data:
  train: $T/grunfeld_no_ibm.csv
  target: invest
  features: [value, firm, capital, year]
  categorical: [firm]
  unknown_category: ignore
model: {layers: [{units: 16, activation: relu}, {units: 8, activation: leaky_relu}, {units: 1}]}
loss: mse
optimizer: {name: adam, lr: 0.01}
training: {epochs: 30, batch_size: 16}
YAML
case_ grunfeld_invest "$G"

# Multiclass with string labels holding spaces (the firm), year as a categorical column
# first in feature order, trained on 1935-1950: predicting 1951-1954 meets unseen years.
awk -F, 'NR == 1 || $5 <= 1950' "$G" >"$T/grunfeld_to_1950.csv"
cat >"$T/grunfeld_firm.yaml" <<YAML
data:
  train: $T/grunfeld_to_1950.csv
  target: firm
  features: [year, invest, value, capital]
  categorical: [year]
  unknown_category: ignore
model: {layers: [{units: 16, activation: tanh}, {units: 11, activation: softmax}]}
loss: cross_entropy
optimizer: {name: adam, lr: 0.01}
training: {epochs: 30, batch_size: 16}
YAML
case_ grunfeld_firm "$G"

# The same trained with data.unknown_category: error: export warns (stderr and doc_string);
# predicted on the training years only, where predict accepts every row.
sed 's/unknown_category: ignore/unknown_category: error/' "$T/grunfeld_firm.yaml" >"$T/grunfeld_firm_error.yaml"
case_ grunfeld_firm_error "$T/grunfeld_to_1950.csv"
grep -q "^nntrain: warning: .*unknown_category: error" "$T/grunfeld_firm_error.export.err" ||
  { echo "FAIL: export of a model trained with unknown_category: error did not warn" >&2; exit 1; }
for c in iris_strings iris_ints breast_cancer iris_regression grunfeld_invest grunfeld_firm; do
  [ ! -s "$T/$c.export.err" ] || { echo "FAIL: export of $c printed: $(cat "$T/$c.export.err")" >&2; exit 1; }
done

rc=0
"$PY" "$SRC/tests/e2e/onnx_check.py" "$@" "${CASES[@]}" || rc=1

# The comparison can fail: one probability moved by 1e-4, one label changed, each is caught.
awk -F, -v OFS=, 'NR == 2 { $2 = $2 + 1e-4 } 1' "$T/breast_cancer.pred.csv" >"$T/perturbed_p.csv"
awk -F, -v OFS=, 'NR == 2 { $1 = ($1 == "setosa" ? "virginica" : "setosa") } 1' "$T/iris_strings.pred.csv" >"$T/perturbed_label.csv"
for p in "breast_cancer $D/breast_cancer.csv $T/perturbed_p.csv" "iris_strings $D/iris-named.csv $T/perturbed_label.csv"; do
  set -- $p
  if "$PY" "$SRC/tests/e2e/onnx_check.py" --case "perturbed_$1" "$T/$1.onnx" "$2" "$3" >"$T/perturbed.out" 2>&1; then
    echo "FAIL: onnx_check.py accepted a perturbed $1 prediction: $(cat "$T/perturbed.out")" >&2
    rc=1
  fi
done
[ $rc -eq 0 ] && echo "onnx_runtime_check: all cases match; the perturbed predictions were caught"
exit $rc
