#!/usr/bin/env bash
# e2e: `nntrain export` as a command: the file (IR and opset in its first bytes), the same bytes
# on every export and whatever the model's path, -o - on stdout, SPEC's errors (exit 2 for
# usage and an unwritable output, exit 4 for a bad model file) with nothing half-written, and
# `nntrain info` saying how to export. What the graph computes: onnx_runtime_check.sh.
# Usage: test_cli_export.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"
D=$SRC/data
cd "$T" || exit 1

cat >bc.yaml <<YAML
data: {train: $D/breast_cancer.csv, target: label}
model: {layers: [{units: 4, activation: relu}, {units: 1, activation: sigmoid}]}
training: {epochs: 2}
YAML
expect_rc 0 fit "$NNTRAIN" fit bc.yaml --out bc --quiet --threads 1

first_bytes() { od -An -tx1 -N2 "$1" | tr -d ' '; }  # ModelProto field 1 (ir_version): 08 NN

expect_rc 0 export "$NNTRAIN" export bc/model.bin -o bc.onnx
expect_eq export_quiet "$(cat "$T/export.out" "$T/export.err")" ""
expect_eq ir8 "$(first_bytes bc.onnx)" 0808
expect_rc 0 export_again "$NNTRAIN" export bc/model.bin -o bc2.onnx
CHECKS=$((CHECKS + 1)); cmp -s bc.onnx bc2.onnx || fail "two exports of one model differ"
mkdir elsewhere && cp bc/model.bin elsewhere/other-name.bin
expect_rc 0 export_moved "$NNTRAIN" export elsewhere/other-name.bin -o bc3.onnx
CHECKS=$((CHECKS + 1)); cmp -s bc.onnx bc3.onnx || fail "the export depends on the model file's path"
expect_rc 0 export_stdout "$NNTRAIN" export bc/model.bin -o -
CHECKS=$((CHECKS + 1)); cmp -s bc.onnx "$T/export_stdout.out" || fail "-o - did not write the same bytes to stdout"
expect_rc 0 export_13 "$NNTRAIN" export bc/model.bin -o bc13.onnx --opset 13
expect_eq ir7 "$(first_bytes bc13.onnx)" 0807
CHECKS=$((CHECKS + 1)); grep -aq "nntrain" bc.onnx && grep -aq "crc32:" bc.onnx || fail "producer or source checksum missing"

# ---- usage: exit 2, one line.
expect_error 2 bad_opset "export: --opset: 15 not in \{13,17\}" "$NNTRAIN" export bc/model.bin -o x.onnx --opset 15
expect_error 2 no_output "export: --output is required" "$NNTRAIN" export bc/model.bin
expect_error 2 typo_flag ".*did you mean '--opset'\?" "$NNTRAIN" export bc/model.bin -o x.onnx --opsett 13

# ---- a bad model file: exit 4, and an existing output stays as it was.
cp bc.onnx keep.onnx
head -c 200 bc/model.bin >truncated.bin
expect_error 4 missing_model "cannot open nothere\.bin: " "$NNTRAIN" export nothere.bin -o keep.onnx
expect_error 4 truncated "truncated\.bin: " "$NNTRAIN" export truncated.bin -o keep.onnx
cp bc/model.bin flipped.bin
printf '\x55' | dd of=flipped.bin bs=1 seek=$(($(stat -c %s flipped.bin) - 3)) conv=notrunc status=none
expect_error 4 corrupt "flipped\.bin: .*checksum" "$NNTRAIN" export flipped.bin -o keep.onnx
expect_error 4 not_a_model "" "$NNTRAIN" export "$D/iris.csv" -o keep.onnx
CHECKS=$((CHECKS + 1)); cmp -s bc.onnx keep.onnx || fail "a failed export changed the existing output"

# ---- an unwritable output: exit 2, naming the file; nothing left behind.
expect_error 2 no_folder "cannot write nofolder/x\.onnx: No such file or directory" "$NNTRAIN" export bc/model.bin -o nofolder/x.onnx
mkdir adir
expect_error 2 is_a_folder "cannot rename .* to adir: " "$NNTRAIN" export bc/model.bin -o adir
CHECKS=$((CHECKS + 1)); [ -z "$(find . -name '*.tmp.*')" ] || fail "temporaries left: $(find . -name '*.tmp.*')"

# ---- info says how to export.
expect_rc 0 info "$NNTRAIN" info bc/model.bin
expect_match info_export "$T/info.out" "^export: nntrain export bc/model\.bin -o bc/model\.onnx "
expect_eq info_export_one_line "$(grep -c export "$T/info.out")" 1
finish
