#!/usr/bin/env bash
# e2e: every documented exit code from the binary (0, 1, 2, 3, 4; 130/143 are test_fit_signal's),
# each error as one line "nntrain: error: FILE:LINE:COLUMN: ..." where the position is known,
# and no half-written output after a failure.
# Usage: test_cli_errors.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"
D=$SRC/data
cd "$T" || exit 1

layers='model: {layers: [{units: 4, activation: relu}, {units: 1, activation: sigmoid}]}'
cat >ok.yaml <<YAML
data: {train: $D/breast_cancer.csv, target: label}
$layers
training: {epochs: 2}
YAML
expect_rc 0 ok "$NNTRAIN" fit ok.yaml --out ok --quiet --threads 1

# ---- 2: usage and config errors, with the YAML position.
printf 'data: {train: %s, target: label}\n%s\noptimzer: {lr: 0.1}\n' "$D/breast_cancer.csv" "$layers" >unknown.yaml
expect_error 2 unknown_key "unknown\.yaml:3:1: unknown key 'optimzer'.*did you mean 'optimizer'\?" "$NNTRAIN" check unknown.yaml
expect_error 2 unknown_key_fit "unknown\.yaml:3:1: unknown key 'optimzer'" "$NNTRAIN" fit unknown.yaml --out nope1
printf 'data: {train: %s, target: label}\n%s\ntraining:\n  epochs: ten\n' "$D/breast_cancer.csv" "$layers" >type.yaml
expect_error 2 wrong_type "type\.yaml:4:11: 'training\.epochs' must be an integer" "$NNTRAIN" check type.yaml
printf 'data: {train: %s, target: label}\n%s\noptimizer:\n  lr: -1\n' "$D/breast_cancer.csv" "$layers" >range.yaml
expect_error 2 out_of_range "range\.yaml:4:7: 'optimizer\.lr' must be > 0" "$NNTRAIN" check range.yaml
printf 'data: {train: %s, target: label}\nmodel: {layers: [{units: 1, activation: sigmoid}\n' "$D/breast_cancer.csv" >syntax.yaml
expect_error 2 yaml_syntax "syntax\.yaml:[0-9]+:[0-9]+: " "$NNTRAIN" check syntax.yaml
expect_error 2 no_config "nothere\.yaml: " "$NNTRAIN" check nothere.yaml
expect_error 2 override_key "override 'optimzer\.lr=1': unknown key 'optimzer'.*did you mean 'optimizer'\?" "$NNTRAIN" check ok.yaml optimzer.lr=1
expect_error 2 override_value "override 'training\.epochs=0': .*>= 1" "$NNTRAIN" fit ok.yaml training.epochs=0 --out nope2
expect_error 2 override_act "override 'model\.layers\.0\.activation=relux': unknown activation 'relux'.*did you mean 'relu'\?" "$NNTRAIN" check ok.yaml model.layers.0.activation=relux
# check fails where fit would, before training: a plateau schedule without validation data.
expect_error 2 check_plateau "schedule\.name: plateau .*validation" "$NNTRAIN" check ok.yaml schedule.name=plateau data.validation=0
expect_error 2 fit_plateau "schedule\.name: plateau .*validation" "$NNTRAIN" fit ok.yaml schedule.name=plateau data.validation=0 --out nope5
CHECKS=$((CHECKS + 1)); ls -d nope* >/dev/null 2>&1 && fail "a config error left a run directory: $(ls -d nope*)"

# ---- 3: data errors, with FILE:LINE:COLUMN.
printf 'a,b,label\n1,2,0\n3,4\n' >ragged.csv
printf 'a,b,label\n1,2,0\n3,x,1\n' >text.csv
printf 'data: {train: ragged.csv, target: label}\n%s\n' "$layers" >ragged.yaml
printf 'data: {train: text.csv, target: label}\n%s\n' "$layers" >text.yaml
expect_error 3 ragged "$T/ragged\.csv:3:[0-9]+: .*2 fields.*3" "$NNTRAIN" check ragged.yaml
expect_error 3 non_numeric "$T/text\.csv:3:3: 'x' in feature 'b' is not a number" "$NNTRAIN" fit text.yaml --out nope3
expect_error 3 missing_file "$T/missing\.csv: " "$NNTRAIN" check ok.yaml data.train=missing.csv
expect_error 3 missing_column "$D/breast_cancer\.csv:1: no column 'lable'" "$NNTRAIN" check ok.yaml data.target=lable
expect_error 3 bce_three "$D/iris\.csv: .*bce.*two classes" "$NNTRAIN" check ok.yaml data.train="$D/iris.csv"
expect_error 3 width "$D/iris\.csv: .*units.*3" "$NNTRAIN" check ok.yaml data.train="$D/iris.csv" loss=cross_entropy \
  model.layers.1.activation=softmax
expect_error 3 class_weights "loss\.class_weights: class 'rose' does not occur" "$NNTRAIN" check ok.yaml data.train="$D/iris-named.csv" \
  data.target=species 'loss={name: cross_entropy, class_weights: {setosa: 2, rose: 1}}' model.layers.1.units=3 model.layers.1.activation=softmax
# predict / evaluate: a missing value names its position; a missing feature column; an unseen class.
head -3 "$D/breast_cancer.csv" >gap.csv
sed -i '3s/^[^,]*,[^,]*,/&,/; 3s/,,\([^,]*\),/,,/' gap.csv  # row 3: empty third field
expect_error 3 predict_gap "gap\.csv:3:13: missing value .*'mean_perimeter'" "$NNTRAIN" predict ok/model.bin gap.csv -o out.csv
CHECKS=$((CHECKS + 1)); [ -e out.csv ] && fail "a failed predict left out.csv"
expect_error 3 predict_column "$D/iris\.csv:1: no column 'mean_radius'" "$NNTRAIN" predict ok/model.bin "$D/iris.csv"
head -2 "$D/breast_cancer.csv" | sed '2s/,0$/,7/' >unseen.csv
expect_error 3 evaluate_unseen "unseen\.csv:2:[0-9]+: .*'7'" "$NNTRAIN" evaluate ok/model.bin unseen.csv
cut -d, -f1-30 "$D/breast_cancer.csv" >notarget.csv
expect_error 3 evaluate_notarget "notarget\.csv:1: no column 'label'" "$NNTRAIN" evaluate ok/model.bin notarget.csv

# ---- 4: model file errors.
expect_error 4 model_missing "cannot open .*nothere\.bin" "$NNTRAIN" predict nothere.bin "$D/breast_cancer.csv"
head -c 300 ok/model.bin >truncated.bin
expect_error 4 model_truncated "truncated\.bin: " "$NNTRAIN" predict truncated.bin "$D/breast_cancer.csv"
cp ok/model.bin corrupt.bin
size=$(wc -c <corrupt.bin)
printf '\x7f' | dd of=corrupt.bin bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null  # one weight byte
expect_error 4 model_corrupt "corrupt\.bin: .*checksum" "$NNTRAIN" evaluate corrupt.bin "$D/breast_cancer.csv"
echo 'not a model' >text.bin
expect_error 4 model_text "text\.bin: " "$NNTRAIN" info text.bin
expect_error 4 init_from_shapes "$T/ok/model\.bin: .*'layers\.0\.weight'.*\[5, 30\]" "$NNTRAIN" fit ok.yaml model.layers.0.units=5 model.init_from="$T/ok/model.bin" --out nope4

# ---- 1: divergence: the loss becomes NaN or infinite.
cat >diverge.yaml <<YAML
data: {train: $D/iris.csv, target: petal_width_cm, exclude: [label]}
model: {layers: [{units: 16, activation: relu}, {units: 1}]}
loss: mse
optimizer: {name: sgd, lr: 1.0e+6}
training: {epochs: 20}
YAML
expect_error 1 diverged ".*(NaN|nan|infinite).*epoch [0-9]+.*batch [0-9]+.*(lower|learning rate|lr)" \
  "$NNTRAIN" fit diverge.yaml --out div --quiet
expect_match diverged_metrics div/metrics.json '"stopped":"diverged"'
CHECKS=$((CHECKS + 1)); [ -e div/model.bin ] && fail "a diverged run wrote model.bin"
finish
