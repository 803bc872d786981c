#!/usr/bin/env bash
# e2e: the whole path a user takes: fit -> run directory -> predict / evaluate / info / check /
# compare, on the sample data; the shape of every run-directory file and of every output.
# Usage: test_cli_slice.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"
D=$SRC/data
cd "$T" || exit 1

# A small binary classifier on breast cancer (30 features): 30*8+8 + 8*1+1 = 257 parameters.
cat >bc.yaml <<YAML
data: {train: $D/breast_cancer.csv, target: label, validation: 0.2}
model:
  layers:
    - {units: 8, activation: relu}
    - {units: 1, activation: sigmoid}
optimizer: {name: adam, lr: 0.01}
training: {epochs: 3, batch_size: 32, log_every: 1}
YAML

# ---- check: validates, prints the network, writes nothing.
expect_rc 0 check "$NNTRAIN" check bc.yaml
expect_match check "$T/check.out" 'parameters: 257$'
expect_match check "$T/check.out" 'layers\.0 +Linear\(30 -> 8\)'
expect_match check "$T/check.out" 'layers\.2 +Linear\(8 -> 1\)'
expect_match check "$T/check.out" '456 training rows, 113 validation rows'
expect_match check "$T/check.out" 'task: +binary'
CHECKS=$((CHECKS + 1)); [ ! -e runs ] || fail "check created runs/"
expect_rc 0 check_print "$NNTRAIN" check bc.yaml optimizer.lr=0.05 --print-config
expect_match check_print "$T/check_print.out" '^  lr: 0\.05$'
expect_match check_print "$T/check_print.out" '^  epochs: 3$'
expect_match check_print "$T/check_print.out" '^  batch_size: 32$'
expect_match check_print "$T/check_print.out" '^schedule:'

# ---- fit: the run directory.
expect_rc 0 fit "$NNTRAIN" fit bc.yaml --out run --threads 1 --quiet
expect_eq fit_stdout "$(wc -c <"$T/fit.out")" 0
for f in model.bin log.csv config.yaml metrics.json learning_curve.svg; do expect_file run "run/$f"; done
CHECKS=$((CHECKS + 1)); ls run | grep -q tmp && fail "temporary file left in run/: $(ls run)"

# model.bin: safetensors with the state_dict names and shapes and nntrain's metadata.
safetensors_header run/model.bin >header.json
for t in 'layers.0.weight":\{[^}]*"shape":\[8,30\]' 'layers.0.bias":\{[^}]*"shape":\[8\]' \
  'layers.2.weight":\{[^}]*"shape":\[1,8\]' 'layers.2.bias":\{[^}]*"shape":\[1\]'; do
  expect_match model_header header.json "\"$t"
done
expect_eq model_dtypes "$(grep -o '"dtype":"[A-Z0-9]*"' header.json | sort | uniq -c | tr -s ' ')" ' 4 "dtype":"F32"'
expect_eq model_tensors "$(grep -o '"layers\.[0-9]*\.[a-z]*"' header.json | sort | tr '\n' ' ')" \
  '"layers.0.bias" "layers.0.weight" "layers.2.bias" "layers.2.weight" ' 
for k in format format_version architecture loss task target features standardize categorical classes nntrain_version; do
  expect_match model_meta header.json "\"$k\":"
done
expect_match model_meta header.json '"format":"nntrain"'
expect_match model_meta header.json '"task":"binary"'
expect_match model_meta header.json '"checksum":"crc32:[0-9a-f]{8}"'
CHECKS=$((CHECKS + 1)); grep -q "$T" header.json && fail "model.bin holds a path"
# 257 floats after the header.
n=$(od -An -t u8 -N 8 run/model.bin | tr -d ' ')
expect_eq model_size "$(($(wc -c <run/model.bin) - 8 - n))" $((257 * 4))

# log.csv: header, one row per epoch counting from 1.
expect_eq log_header "$(head -1 run/log.csv)" "epoch,train_loss,val_loss,val_accuracy,val_precision,val_recall,val_f1,lr,seconds"
expect_eq log_rows "$(tail -n +2 run/log.csv | cut -d, -f1 | tr '\n' ' ')" "1 2 3 "
expect_match log_values run/log.csv '^3,[0-9.e-]+,[0-9.e-]+,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,0\.01,[0-9.e-]+$'

# metrics.json: one flat object with the keys of SPEC.md.
for k in train_loss val_loss val_accuracy val_precision val_recall val_f1 epochs_run best_epoch seconds stopped nntrain_version threads blas; do
  expect_match metrics run/metrics.json "\"$k\":"
done
expect_match metrics run/metrics.json '"stopped":"completed"'
expect_match metrics run/metrics.json '"epochs_run":3[,}]'
expect_eq metrics_lines "$(wc -l <run/metrics.json | tr -d ' ')" "$(tail -c 1 run/metrics.json | wc -l | tr -d ' ')"

# learning_curve.svg: a whole SVG document.
expect_match svg run/learning_curve.svg '<svg'
expect_match svg run/learning_curve.svg '</svg>'

# config.yaml reproduces the run: same model.bin, byte for byte, from another folder.
mkdir -p elsewhere
expect_rc 0 refit sh -c "cd elsewhere && '$NNTRAIN' fit ../run/config.yaml --out ../run2 --threads 1 --quiet"
CHECKS=$((CHECKS + 1)); cmp -s run/model.bin run2/model.bin || fail "fit on run/config.yaml gave a different model.bin"

# ---- predict: binary output.
expect_rc 0 predict "$NNTRAIN" predict run/model.bin "$D/breast_cancer.csv" --threads 1
expect_eq predict_header "$(head -1 "$T/predict.out")" "prediction,probability"
expect_eq predict_rows "$(wc -l <"$T/predict.out" | tr -d ' ')" 570
CHECKS=$((CHECKS + 1))
awk -F, 'NR > 1 { if (!($1 == 0 || $1 == 1) || $2 < 0 || $2 > 1 || ($2 > 0.5) != ($1 == 1)) { print "bad row " NR ": " $0; exit 1 } }' \
  "$T/predict.out" >"$T/predict.chk" || fail "predict rows: $(cat "$T/predict.chk")"
# -o writes the same atomically; --keep copies columns first; stdin and .gz read the same.
expect_rc 0 predict_o "$NNTRAIN" predict run/model.bin "$D/breast_cancer.csv" -o pred.csv --keep label --keep mean_area --threads 1
expect_eq predict_o_stdout "$(wc -c <"$T/predict_o.out")" 0
expect_eq predict_keep_header "$(head -1 pred.csv)" "label,mean_area,prediction,probability"
expect_eq predict_keep_row "$(sed -n 2p pred.csv | cut -d, -f1,2)" "0,1001"
expect_eq predict_keep_same "$(cut -d, -f3- pred.csv | md5sum)" "$(md5sum <"$T/predict.out")"
expect_rc 0 predict_comma "$NNTRAIN" predict run/model.bin "$D/breast_cancer.csv" --keep label,mean_area --threads 1
CHECKS=$((CHECKS + 1)); cmp -s pred.csv "$T/predict_comma.out" || fail "--keep a,b differs from --keep a --keep b"
gzip -c "$D/breast_cancer.csv" >bc.csv.gz
expect_rc 0 predict_gz "$NNTRAIN" predict run/model.bin bc.csv.gz --threads 1
CHECKS=$((CHECKS + 1)); cmp -s "$T/predict.out" "$T/predict_gz.out" || fail "predict on .csv.gz differs"
expect_rc 0 predict_stdin sh -c "'$NNTRAIN' predict run/model.bin - --threads 1 <'$D/breast_cancer.csv'"
CHECKS=$((CHECKS + 1)); cmp -s "$T/predict.out" "$T/predict_stdin.out" || fail "predict from stdin differs"
# A failed predict leaves no file behind.
printf 'mean_radius\n1\n' >bad.csv
expect_rc 3 predict_fail "$NNTRAIN" predict run/model.bin bad.csv -o failed.csv
CHECKS=$((CHECKS + 1)); ls | grep -q '^failed' && fail "a failed predict left $(ls | grep failed)"

# ---- evaluate: its accuracy agrees with predict's labels (counted here with awk).
expect_rc 0 evaluate "$NNTRAIN" evaluate run/model.bin "$D/breast_cancer.csv" --threads 1
expect_match evaluate "$T/evaluate.out" '^rows +569$'
for k in loss accuracy precision recall f1; do expect_match evaluate "$T/evaluate.out" "^$k +[0-9.e-]+"; done
expect_rc 0 evaluate_json "$NNTRAIN" evaluate run/model.bin "$D/breast_cancer.csv" --json --threads 1
expect_match evaluate_json "$T/evaluate_json.out" '^\{"rows": 569, "loss": [0-9.e-]+, "accuracy": [0-9.e-]+, "precision": [0-9.e-]+, "recall": [0-9.e-]+, "f1": [0-9.e-]+\}$'
acc_eval=$(sed 's/.*"accuracy": \([0-9.e-]*\).*/\1/' "$T/evaluate_json.out")
acc_pred=$(paste -d, <(cut -d, -f31 "$D/breast_cancer.csv") <(cut -d, -f1 "$T/predict.out") |
  awk -F, 'NR > 1 { n++; ok += ($1 == $2) } END { printf "%.6f", ok / n }')
expect_eq evaluate_vs_predict "$(printf '%.6f' "$acc_eval")" "$acc_pred"

# ---- info.
expect_rc 0 info "$NNTRAIN" info run/model.bin
expect_match info "$T/info.out" 'mean_radius'
expect_match info "$T/info.out" '^parameters: 257$'
expect_rc 0 info_json "$NNTRAIN" info run/model.bin --json
expect_match info_json "$T/info_json.out" '^\{'

# ---- cv: one run directory per fold and the summary; compare reads the folds.
expect_rc 0 cv "$NNTRAIN" cv bc.yaml --folds 3 --out cv --threads 1 --quiet
for f in fold1 fold2 fold3; do expect_file cv "cv/$f/model.bin"; done
expect_match cv cv/metrics.json '"folds":3[,}]'
expect_match cv cv/metrics.json '"val_accuracy_mean":[0-9.e-]+'
expect_match cv cv/metrics.json '"val_accuracy_std":[0-9.e-]+'
expect_rc 0 compare_cv "$NNTRAIN" compare cv/fold1 cv/fold2 cv/fold3
expect_eq compare_cv_rows "$(wc -l <"$T/compare_cv.out" | tr -d ' ')" 5

# ---- multiclass with string labels, and regression.
cat >iris.yaml <<YAML
data: {train: $D/iris-named.csv, target: species}
model: {layers: [{units: 8, activation: relu}, {units: 3, activation: softmax}]}
loss: cross_entropy
training: {epochs: 2}
YAML
expect_rc 0 fit_iris "$NNTRAIN" fit iris.yaml --out iris --threads 1 --quiet
expect_rc 0 predict_iris "$NNTRAIN" predict iris/model.bin "$D/iris-named.csv" --keep species
expect_eq predict_iris_header "$(head -1 "$T/predict_iris.out")" "species,prediction,p_setosa,p_versicolor,p_virginica"
CHECKS=$((CHECKS + 1))
awk -F, 'NR > 1 { s = $3 + $4 + $5; m = $3; k = "setosa"; if ($4 > m) { m = $4; k = "versicolor" } if ($5 > m) { k = "virginica" }
  if (s < 0.9999 || s > 1.0001 || k != $2) { print "bad row " NR ": " $0; exit 1 } }' \
  "$T/predict_iris.out" >"$T/iris.chk" || fail "multiclass rows: $(cat "$T/iris.chk")"
expect_rc 0 evaluate_iris "$NNTRAIN" evaluate iris/model.bin "$D/iris-named.csv" --json
expect_match evaluate_iris "$T/evaluate_iris.out" '^\{"rows": 150, "loss": [0-9.e-]+, "accuracy": [0-9.e-]+\}$'

cat >reg.yaml <<YAML
data: {train: $D/iris.csv, target: petal_width_cm, exclude: [label]}
model: {layers: [{units: 8, activation: tanh}, {units: 1}]}
loss: mse
training: {epochs: 2}
YAML
expect_rc 0 fit_reg "$NNTRAIN" fit reg.yaml --out reg --threads 1 --quiet
expect_rc 0 predict_reg "$NNTRAIN" predict reg/model.bin "$D/iris.csv"
expect_eq predict_reg_header "$(head -1 "$T/predict_reg.out")" "petal_width_cm"
expect_match predict_reg "$T/predict_reg.out" '^-?[0-9.]+(e-?[0-9]+)?$'
expect_rc 0 evaluate_reg "$NNTRAIN" evaluate reg/model.bin "$D/iris.csv" --json
expect_match evaluate_reg "$T/evaluate_reg.out" '^\{"rows": 150, "loss": [0-9.e-]+, "mae": [0-9.e-]+, "r2": -?[0-9.e-]+\}$'
expect_match log_reg reg/log.csv '^epoch,train_loss,val_loss,val_mae,val_r2,lr,seconds$'

# ---- compare: the differing hyperparameter, sorted by val_loss (ascending) by default.
expect_rc 0 fit_lr "$NNTRAIN" fit bc.yaml optimizer.lr=0.0001 --out run_slow --threads 1 --quiet
expect_rc 0 compare "$NNTRAIN" compare run run_slow
expect_match compare "$T/compare.out" '^sorted by val_loss \(lowest first\)$'
expect_match compare "$T/compare.out" '^run +optimizer\.lr +train_loss +.*val_loss +val_accuracy.* stopped$'
expect_no_match compare "$T/compare.out" 'output\.dir'
v1=$(sed 's/.*"val_loss":\([0-9.e-]*\).*/\1/' run/metrics.json)
v2=$(sed 's/.*"val_loss":\([0-9.e-]*\).*/\1/' run_slow/metrics.json)
best=$(awk -v a="$v1" -v b="$v2" 'BEGIN { print (a <= b) ? "run" : "run_slow" }')
expect_eq compare_order "$(sed -n 3p "$T/compare.out" | awk '{ print $1 }')" "$best"
expect_match compare "$T/compare.out" '^run +0\.01 '
expect_match compare "$T/compare.out" '^run_slow +(0\.0001|1e-0?4) '
expect_rc 0 compare_acc "$NNTRAIN" compare run run_slow --sort accuracy
expect_match compare_acc "$T/compare_acc.out" '^sorted by val_accuracy \(highest first\)$'
expect_error 2 compare_badsort "no run has the metric 'nope'" "$NNTRAIN" compare run run_slow --sort nope
expect_error 3 compare_notrun "$T/nothing/config.yaml: cannot read" "$NNTRAIN" compare run "$T/nothing"
finish
