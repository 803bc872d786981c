#!/usr/bin/env bash
# e2e: a damaged model file (truncated, a flipped bit in the header or the data, a forged header
# length, empty, not safetensors, missing, a directory) makes `info`, `predict`, `evaluate` and a
# fit with model.init_from exit 4 with one "nntrain: error:" line, and leaves no output file.
# The good file's `info --json` is checked against hand-counted numbers first.
# Usage: test_robust_corrupt.sh NNTRAIN DATA_DIR VERIFY
source "$(dirname "$0")/common.sh"
NNTRAIN=$(realpath "$1") DATA=$2 VERIFY=$(realpath "$3")

cat > "$T/c.yaml" <<YAML
data: {train: $DATA/iris.csv, target: label}
model:
  layers:
    - {units: 4, activation: relu}
    - {units: 3, activation: softmax}
loss: cross_entropy
training: {epochs: 2}
YAML
"$NNTRAIN" fit "$T/c.yaml" --out "$T/run" --threads 1 --quiet || fail "fit"
good="$T/run/model.bin"
"$NNTRAIN" info "$good" > "$T/info.txt" || fail "info on the good model"
grep -q "parameters: 35" "$T/info.txt" || fail "info text: want 35 parameters (4*4+4 + 4*3+3)"
"$NNTRAIN" info "$good" --json > "$T/info.json" || fail "info --json on the good model"
[ "$("$VERIFY" get "$T/info.json" parameters)" = 35 ] || fail "info --json: parameters"
[ "$("$VERIFY" get "$T/info.json" classes)" = '["0","1","2"]' ] || fail "info --json: classes"
[ "$("$VERIFY" get "$T/info.json" features)" = '["sepal_length_cm","sepal_width_cm","petal_length_cm","petal_width_cm"]' ] ||
  fail "info --json: features"
[ "$("$VERIFY" get "$T/info.json" task)" = multiclass ] || fail "info --json: task"
[ "$("$VERIFY" get "$T/info.json" format_version)" = 1 ] || fail "info --json: format_version"
"$NNTRAIN" predict "$good" "$DATA/iris.csv" -o "$T/ok.csv" || fail "predict on the good model"

size=$(stat -c %s "$good")
hlen=$(od -An -tu8 -N8 "$good" | tr -d ' ')
flip() {  # flip() FILE OFFSET: xor the byte at OFFSET with 0x10
  local b; b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 16)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
mkdir -p "$T/bad"
head -c 5 "$good" > "$T/bad/truncated_in_length.bin"
head -c 100 "$good" > "$T/bad/truncated_in_header.bin"
head -c $((size - 1)) "$good" > "$T/bad/truncated_by_one.bin"
cp "$good" "$T/bad/flipped_header.bin"; flip "$T/bad/flipped_header.bin" 60
cp "$good" "$T/bad/flipped_data.bin"; flip "$T/bad/flipped_data.bin" $((8 + hlen + 5))
cp "$good" "$T/bad/huge_length.bin"; printf '\377\377\377\377\377\377\377\177' | dd of="$T/bad/huge_length.bin" bs=1 conv=notrunc status=none
: > "$T/bad/empty.bin"
echo "sepal_length_cm,label" > "$T/bad/not_safetensors.bin"
mkdir "$T/bad/a_directory.bin"
cases=("$T"/bad/* "$T/bad/missing.bin")

expect4() {  # expect4 WHAT CMD...: exit 4 and one error line
  local what=$1; shift
  set +e; "$@" > "$T/out" 2> "$T/err"; local rc=$?; set -e
  [ $rc -eq 4 ] || fail "$what: exit $rc, want 4 ($(cat "$T/err"))"
  [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q '^nntrain: error: ' "$T/err" || fail "$what: stderr is not one error line: $(cat "$T/err")"
}
for f in "${cases[@]}"; do
  n=$(basename "$f")
  expect4 "info $n" "$NNTRAIN" info "$f"
  expect4 "info --json $n" "$NNTRAIN" info "$f" --json
  [ ! -s "$T/out" ] || fail "info --json $n printed to stdout"
  expect4 "predict $n" "$NNTRAIN" predict "$f" "$DATA/iris.csv" -o "$T/pred.csv"
  [ ! -e "$T/pred.csv" ] || fail "predict $n left $T/pred.csv"
  expect4 "evaluate $n" "$NNTRAIN" evaluate "$f" "$DATA/iris.csv"
  expect4 "fit init_from=$n" "$NNTRAIN" fit "$T/c.yaml" "model.init_from=$f" --out "$T/init" --quiet
  [ ! -e "$T/init/model.bin" ] || fail "fit with init_from=$n wrote a model.bin"
  echo "$n: $(cat "$T/err")"
done
# The failed commands wrote to $T (predict -o) and $T/init (fit): no temporaries there.
ls "$T" "$T/init" 2>/dev/null | grep -q '\.tmp\.' && fail "temporaries left by a failed command: $(ls "$T" "$T/init")"
echo OK
