#!/usr/bin/env bash
# e2e: every example config in configs/ checks and trains (2 epochs), and its model predicts
# and evaluates, so the examples keep working. Fashion-MNIST runs on the committed 300-row
# sample (200 rows train, 100 test), not on the 60,000 rows.
# Usage: test_cli_configs.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"
cd "$T" || exit 1

for cfg in "$SRC"/configs/*.yaml; do
  name=$(basename "$cfg" .yaml)
  extra=()
  data=$(grep -E '^  train:' "$cfg" | sed -E 's/^  train: *([^ #]*).*/\1/')
  if [ "$name" = fashion_mnist ]; then
    # The committed 300-row sample (tests/data/make-fashion-mnist-sample.sh), not the 60,000 rows.
    fm=$SRC/tests/data/fashion-mnist-train-300.csv.gz
    head_rows "$fm" 200 fm-train.csv
    gzip -dc "$fm" | sed -n '1p;202,301p' >fm-test.csv
    extra=("data.train=$T/fm-train.csv" "data.test=$T/fm-test.csv")
    data=$T/fm-test.csv
  else
    data=$SRC/configs/$data
  fi
  expect_rc 0 "check_$name" "$NNTRAIN" check "$cfg" "${extra[@]}" || continue
  expect_match "check_$name" "$T/check_$name.out" '^parameters: [0-9]+'
  expect_rc 0 "fit_$name" "$NNTRAIN" fit "$cfg" training.epochs=2 "${extra[@]}" --out "run_$name" --threads 1 --quiet || continue
  expect_match "fit_$name" "run_$name/metrics.json" '"epochs_run":2[,}]'
  expect_rc 0 "predict_$name" "$NNTRAIN" predict "run_$name/model.bin" "$data" --threads 1
  rows=$(wc -l <"$data" | tr -d ' ')
  expect_eq "predict_rows_$name" "$(wc -l <"$T/predict_$name.out" | tr -d ' ')" "$rows"
  expect_rc 0 "evaluate_$name" "$NNTRAIN" evaluate "run_$name/model.bin" "$data" --json --threads 1
  expect_match "evaluate_$name" "$T/evaluate_$name.out" '^\{"rows": [0-9]+, "loss": '
done
# The README's quickstart config is the tutorial network: 10 -> 64 -> 32 -> 1, 2,817 parameters.
expect_match seed_params "$T/check_seed.out" '^parameters: 2817$'
finish
