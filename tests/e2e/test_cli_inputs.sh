#!/usr/bin/env bash
# e2e: inputs that once got a library's text or a misleading answer (issue 10): text that is
# not UTF-8 in a CSV or a config, CR-only line ends, a header column without a name; each
# failure one "nntrain: error:" line with SPEC's exit code and the position, nothing of
# nlohmann/json or yaml-cpp. And the resolved config shows values, not null for a default.
# Usage: test_cli_inputs.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"
cd "$T" || exit 1

layers='model: {layers: [{units: 4, activation: relu}, {units: 1, activation: sigmoid}]}'
utf8_hint="must be UTF-8; convert it, e.g. 'iconv -f latin1 -t utf-8 OLD > NEW'"
# no_foreign NAME: the error line carries no exception text of a library.
no_foreign() {
  CHECKS=$((CHECKS + 1))
  if grep -Eq 'json\.exception|yaml-cpp|filesystem error|basic_string|std::|terminate' "$T/$1.err"; then
    fail "$1: a library's text reached the user: $(cat "$T/$1.err")"
  fi
}

# ---- invalid UTF-8 in a CSV: exit 3 at its line and column (in characters), with the CSV column.
printf 'x1,temp\xe9rature,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n' >latin1_header.csv
printf 'data: {train: latin1_header.csv, target: label, validation: 0}\n%s\ntraining: {epochs: 1}\n' "$layers" >latin1_header.yaml
expect_error 3 csv_header "$T/latin1_header\.csv:1:8: column 2: invalid UTF-8 \(byte 0xE9\): a CSV file $utf8_hint" \
  "$NNTRAIN" fit latin1_header.yaml --out nope1 --quiet
no_foreign csv_header
expect_error 3 csv_header_check "$T/latin1_header\.csv:1:8: column 2: invalid UTF-8" "$NNTRAIN" check latin1_header.yaml
# A label (bce on two string classes): the second class is Latin-1.
printf 'x1,x2,label\n1,2,caf\xc3\xa9\n3,4,th\xe9\n5,6,caf\xc3\xa9\n7,8,th\xe9\n' >latin1_label.csv
printf 'data: {train: latin1_label.csv, target: label, validation: 0}\n%s\ntraining: {epochs: 1}\n' "$layers" >latin1_label.yaml
expect_error 3 csv_label "$T/latin1_label\.csv:3:7: column 3 \('label'\): invalid UTF-8 \(byte 0xE9\)" \
  "$NNTRAIN" fit latin1_label.yaml --out nope2 --quiet
no_foreign csv_label
# A category value of data.categorical.
printf 'x1,color,label\n1,rouge,0\n3,bleu,1\n5,\xe9carlate,0\n7,rouge,1\n' >latin1_cat.csv
printf 'data: {train: latin1_cat.csv, target: label, validation: 0, categorical: [color]}\n%s\ntraining: {epochs: 1}\n' \
  "$layers" >latin1_cat.yaml
expect_error 3 csv_category "$T/latin1_cat\.csv:4:3: column 2 \('color'\): invalid UTF-8 \(byte 0xE9\)" \
  "$NNTRAIN" fit latin1_cat.yaml --out nope3 --quiet
no_foreign csv_category
# The same file is fine once converted, as the message says.
iconv -f latin1 -t utf-8 latin1_header.csv >converted.csv
expect_rc 0 csv_converted "$NNTRAIN" fit latin1_header.yaml data.train=converted.csv --out converted --quiet
expect_match csv_converted_model converted/config.yaml 'train: ".*converted\.csv"'
# predict on a file with a Latin-1 value in a column it only copies through (--keep): still exit 3.
printf 'x1,temp\xc3\xa9rature,label\n1,2,0\n3,4,1\n' >pred_ok.csv
printf 'x1,temp\xc3\xa9rature,id\n1,2,a\n3,4,\xe9\n' >pred_bad.csv
expect_rc 0 predict_utf8_ok "$NNTRAIN" predict converted/model.bin pred_ok.csv
expect_error 3 predict_latin1 "pred_bad\.csv:3:5: column 3 \('id'\): invalid UTF-8" \
  "$NNTRAIN" predict converted/model.bin pred_bad.csv --keep id
no_foreign predict_latin1

# ---- invalid UTF-8 in a config or an override: exit 2 with line and column.
printf 'data: {train: converted.csv, target: label}\n# r\xe9glages\n%s\n' "$layers" >latin1.yaml
expect_error 2 yaml_latin1 "latin1\.yaml:2:4: invalid UTF-8 \(byte 0xE9\): a config file $utf8_hint" "$NNTRAIN" check latin1.yaml
no_foreign yaml_latin1
expect_error 2 yaml_latin1_fit "latin1\.yaml:2:4: invalid UTF-8" "$NNTRAIN" fit latin1.yaml --out nope4
expect_error 2 override_latin1 "override 'data\.target=\\\\xE9t\\\\xE9': invalid UTF-8 \(byte 0xE9\)" \
  "$NNTRAIN" check latin1_header.yaml "$(printf 'data.target=\xe9t\xe9')"
no_foreign override_latin1
# A UTF-16 config (Windows Notepad's "Unicode"): named as not UTF-8 rather than read as garbage.
printf 'data: {train: converted.csv, target: label}\n%s\n' "$layers" | iconv -f utf-8 -t utf-16 >utf16.yaml
expect_error 2 yaml_utf16 "utf16\.yaml:1:1: invalid UTF-8 \(byte 0xFF\)" "$NNTRAIN" check utf16.yaml

# ---- line ends and header names (exit 3, line 1).
# Old Mac CR-only line ends: once "duplicate column name '0.4'", now named as such.
printf 'x1,x2,label\r0.4,1,0\r0.4,2,1\r0.5,3,0\r0.6,4,1\r' >cr_only.csv
printf 'data: {train: cr_only.csv, target: label, validation: 0}\n%s\ntraining: {epochs: 1}\n' "$layers" >cr_only.yaml
expect_error 3 cr_only "$T/cr_only\.csv:1:12: line ends are CR only \(old Mac\).*convert" "$NNTRAIN" fit cr_only.yaml --out nope5 --quiet
tr '\r' '\n' <cr_only.csv >lf.csv
expect_rc 0 cr_converted "$NNTRAIN" check cr_only.yaml data.train=lf.csv
# Every line ending with the delimiter: once "missing value ('') in feature ''" at line 2.
printf 'x1,x2,x3,x4,label,\n1,2,3,4,0,\n5,6,7,8,1,\n1,2,3,5,0,\n5,6,7,9,1,\n' >trailing.csv
printf 'data: {train: trailing.csv, target: label, validation: 0}\n%s\ntraining: {epochs: 1}\n' "$layers" >trailing.yaml
expect_error 3 trailing_delimiter "$T/trailing\.csv:1:19: column 6 of the header has no name: does every line end with ','\?" \
  "$NNTRAIN" fit trailing.yaml --out nope6 --quiet
expect_error 3 trailing_delimiter_predict "trailing\.csv:1:19: column 6 of the header has no name" \
  "$NNTRAIN" predict converted/model.bin trailing.csv

# ---- the resolved config says what ran: no null for a default (check --print-config, config.yaml).
expect_rc 0 print_config "$NNTRAIN" check latin1_header.yaml data.train=converted.csv optimizer.name=adamw \
  'loss={name: bce}' --print-config
expect_match print_config_wd "$T/print_config.out" '^  weight_decay: 0\.01$'
expect_match print_config_pw "$T/print_config.out" '^  pos_weight: 1\.0$'
CHECKS=$((CHECKS + 1))
if grep -E ': null$' "$T/print_config.out" | grep -Ev '^ *(test|init_from|clip_grad_norm|early_stopping): null$' >"$T/nulls"; then
  fail "print_config: a default shown as null: $(cat "$T/nulls")"
fi
expect_rc 0 fit_adamw "$NNTRAIN" fit latin1_header.yaml data.train=converted.csv optimizer.name=sgd training.epochs=2 \
  --out adamw --quiet --threads 1
expect_match fit_adamw_wd adamw/config.yaml '^  weight_decay: 0\.0$'
# An old run directory whose config.yaml says null still resumes (and extends) the same run.
sed -i 's/^  weight_decay: 0\.0$/  weight_decay: null/' adamw/config.yaml
expect_match old_style adamw/config.yaml '^  weight_decay: null$'
expect_rc 0 resume_old_style "$NNTRAIN" fit --resume adamw training.epochs=3 --quiet --threads 1
expect_match resume_old_style_log adamw/log.csv '^3,'
# The original config (no weight_decay) still matches the run's resolved one.
expect_rc 0 resume_with_config "$NNTRAIN" fit latin1_header.yaml data.train=converted.csv optimizer.name=sgd \
  --resume adamw training.epochs=4 --quiet --threads 1
expect_match resume_with_config_log adamw/log.csv '^4,'

# ---- JSON that nntrain reads back: a broken metrics.json in compare is named in our words.
cp -r converted broken
printf '{"val_loss": 0.5, "train_loss":' >broken/metrics.json
expect_error 3 compare_broken_json "broken/metrics\.json: not valid JSON at byte [0-9]+" "$NNTRAIN" compare converted broken
no_foreign compare_broken_json

CHECKS=$((CHECKS + 1)); ls -d nope* >/dev/null 2>&1 && fail "a failed command left a run directory: $(ls -d nope*)"
finish
