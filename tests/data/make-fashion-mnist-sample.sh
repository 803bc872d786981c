#!/bin/sh
# Makes fashion-mnist-train-300.csv.gz beside this script: the header and the first 300 rows
# of data/fashion-mnist-train.csv.gz (run `sh data/make-fashion-mnist.sh` first), compressed
# with `gzip -9 -n` (byte-identical with Debian 12's gzip). The tests read this sample (gzip,
# 784 columns, all ten classes) so that a clone needs no 38 MB download to pass.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/../../data/fashion-mnist-train.csv.gz
[ -r "$SRC" ] || { echo "make-fashion-mnist-sample.sh: no $SRC: run sh data/make-fashion-mnist.sh first" >&2; exit 1; }
OUT=$HERE/fashion-mnist-train-300.csv.gz
# head closes the pipe early; gzip -dc's SIGPIPE is expected.
{ gzip -dc "$SRC" || true; } | head -n 301 | gzip -9 -n >"$OUT.tmp.$$"
mv "$OUT.tmp.$$" "$OUT"
echo "wrote $OUT"
