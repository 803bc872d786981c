#!/bin/sh
# Puts fashion-mnist-{train,test}.csv.gz beside this script (they are not in git: 38 MB),
# built from the IDX files of Debian's dataset-fashion-mnist package
# (apt-get install dataset-fashion-mnist) with od, awk and gzip. Files already there are kept.
#
#   sh data/make-fashion-mnist.sh [OUT_DIR [SRC_DIR]]
#
# OUT_DIR defaults to this script's folder (data/), SRC_DIR to /usr/share/datasets/fashion-mnist.
# Output: header p0,...,p783,label, then one row per image: 784 pixels 0..255 (row-major
# 28x28) and the class 0..9, compressed with `gzip -9 -n`. Building takes about a minute a file.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
SRC=${2:-/usr/share/datasets/fashion-mnist}
LC_ALL=C
export LC_ALL

die() { echo "make-fashion-mnist.sh: $*" >&2; exit 1; }

mkdir -p "$OUT"
if [ -r "$OUT/fashion-mnist-train.csv.gz" ] && [ -r "$OUT/fashion-mnist-test.csv.gz" ] && [ "$#" -lt 2 ]; then
	echo "$OUT/fashion-mnist-{train,test}.csv.gz are there already (delete them to rebuild)"
	exit 0
fi
[ -d "$SRC" ] || die "$SRC not found: apt-get install dataset-fashion-mnist (30.9 MB download), or pass SRC_DIR"

# Print the first N bytes of a gzip file as unsigned decimals, one per line.
head_bytes() { gzip -dc "$1" | od -An -v -tu1 -N "$2" | tr -s ' ' '\n' | sed '/^$/d'; }

# Check the IDX header: magic (0 0 8 ndim), then the dimensions we expect.
check_idx() { # file, expected header bytes as one space-separated string, byte count
	got=$(head_bytes "$1" "$3" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$2" ] || die "$1: unexpected IDX header: $got"
}

convert() { # images.gz labels.gz count out.csv.gz
	img=$SRC/$1 lbl=$SRC/$2 n=$3 out=$OUT/$4
	[ -r "$img" ] || die "cannot read $img"
	[ -r "$lbl" ] || die "cannot read $lbl"
	b3=$((n / 16777216 % 256)) b2=$((n / 65536 % 256)) b1=$((n / 256 % 256)) b0=$((n % 256))
	check_idx "$img" "0 0 8 3 $b3 $b2 $b1 $b0 0 0 0 28 0 0 0 28" 16
	check_idx "$lbl" "0 0 8 1 $b3 $b2 $b1 $b0" 8
	tmp=$out.tmp.$$
	labels=$out.labels.$$
	ok=$out.ok.$$
	trap 'rm -f "$tmp" "$labels" "$ok"' EXIT INT TERM
	gzip -dc "$lbl" | od -An -v -tu1 -j 8 >"$labels"
	# POSIX sh has no pipefail: awk leaves "$ok" behind only when every count matched.
	gzip -dc "$img" | od -An -v -tu1 -j 16 | awk -v n="$n" -v ok="$ok" '
		FNR == NR { for (i = 1; i <= NF; i++) lab[nl++] = $i; next }
		FNR == 1 {
			h = ""
			for (i = 0; i < 784; i++) h = h "p" i ","
			print h "label"
		}
		{
			for (i = 1; i <= NF; i++) {
				row = row $i ","
				if (++cnt == 784) { print row lab[nr++]; row = ""; cnt = 0 }
			}
		}
		END {
			if (nl != n || nr != n || cnt != 0) {
				printf "make-fashion-mnist.sh: %d labels, %d images, %d stray pixels; expected %d\n", nl, nr, cnt, n > "/dev/stderr"
				exit 1
			}
			print "ok" > ok
		}' "$labels" - | gzip -9 -n -c >"$tmp"
	[ -f "$ok" ] || die "conversion of $img failed"
	mv "$tmp" "$out"
	rm -f "$labels" "$ok"
	trap - EXIT INT TERM
	echo "wrote $out"
}

convert train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz 60000 fashion-mnist-train.csv.gz
convert t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz 10000 fashion-mnist-test.csv.gz
