#!/usr/bin/env bash
# bench/run.sh: nntrain against PyTorch on this machine, one command for every workload of the
# performance issue. Not a test: it prints medians and ratios and asserts nothing.
#
# Usage: bench/run.sh [--quick] [--reps N] [--only 1,3,8] [--build DIR] [--no-build]
#   --quick   workload 5 on the first 15,360 rows (60 batches), scaled to a 60,000-row epoch
#   --reps N  repetitions of each side, alternating nntrain and PyTorch (default 3, at least 3 for the table)
#
# For each workload: the same network, loss, Adam, batch size, epochs and threads on both sides.
#   loop     nntrain: bench_train (load_config + load_training_data, then Trainer::run timed);
#            PyTorch: bench/torch_train.py's epoch loop with the data already in tensors.
#   process  nntrain: the whole `nntrain fit` process; PyTorch: interpreter start, import,
#            pandas CSV read, training. Wall time and peak RSS from /usr/bin/time.
#   bound    GEMM lower bound: bench/gemm_bound (cblas_sgemm at the step's shapes and threads).
# PyTorch runs with torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=T (its Linear layers call
# OpenBLAS); skipped with a message when /usr/bin/python3 has no torch. OPENBLAS_CORETYPE is left
# as the environment has it.
set -euo pipefail
export LC_ALL=C  # a dot in $EPOCHREALTIME and in awk's numbers, whatever the locale

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-perf
QUICK=0
REPS=3
ONLY=""
DO_BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --reps) REPS=$2; shift ;;
    --only) ONLY=",$2," ; shift ;;
    --build) BUILD=$(cd "$2" && pwd); shift ;;
    --no-build) DO_BUILD=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

OUT=$ROOT/bench/out
mkdir -p "$OUT"
PY=/usr/bin/python3
GEN_PY=$(command -v python3 || echo /usr/bin/python3)
FMNIST=$ROOT/data/fashion-mnist-train.csv.gz
IRIS=$ROOT/data/iris-named.csv
if [ ! -f "$FMNIST" ]; then  # not in git (38 MB): built from Debian's dataset-fashion-mnist
  sh "$ROOT/data/make-fashion-mnist.sh" >&2 ||
    { echo "run.sh: $FMNIST is missing; see data/README.md" >&2; exit 1; }
fi

if [ ! -d "$BUILD" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
if [ $DO_BUILD = 1 ]; then
  cmake --build "$BUILD" -j2 --target nntrain bench_train gemm_bound >/dev/null
  cmake --build "$BUILD" -j2 --target bench_load >/dev/null 2>&1 || true
fi
NNTRAIN=$BUILD/app/nntrain
BENCH_TRAIN=$BUILD/bench/bench_train
GEMM_BOUND=$BUILD/bench/gemm_bound
BENCH_LOAD=$BUILD/bench/bench_load

HAVE_TORCH=0
if $PY -c "import torch, pandas" 2>/dev/null; then HAVE_TORCH=1; else
  echo "run.sh: $PY has no torch/pandas: PyTorch columns skipped" >&2
fi
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1 || echo "run.sh: /usr/bin/time missing (apt install time): no peak memory" >&2

want() { [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
json_field() { sed -n "s/.*\"$1\": *\\([-0-9.e+]*\\).*/\\1/p" | head -1; }
fmt() { awk -v v="$1" -v s="${2:-1}" 'BEGIN { if (v == "" || v == "nan") print "—"; else printf "%.3f", v * s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "nan" || b == "nan" || b == 0) print "—"; else printf "%.2f", a / b }'; }

# timed FILE CMD...: runs CMD with stdout to FILE, sets WALL (s) and RSS (MB).
timed() {
  local out=$1; shift
  if [ $HAVE_TIME = 1 ]; then
    # Wall time from bash's clock around it (time's %e has 10 ms steps, as long as an iris run;
    # $(date) would add its own fork, ~2.5 ms); peak RSS from time's %M.
    local t0 t1
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$@" >"$out" 2>"$out.err" || { echo "run.sh: failed: $* (see $out.err)" >&2; WALL=nan; RSS=nan; return 0; }
    t1=$EPOCHREALTIME
    read -r _ RSS_KB <"$OUT/time.txt"
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    RSS=$(awk -v k="$RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  else
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >"$out" 2>"$out.err" || { WALL=nan; RSS=nan; return 0; }
    t1=$EPOCHREALTIME
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'); RSS=nan
  fi
}

# ---- data and configs ----------------------------------------------------------------------
synthetic() {  # synthetic N FILE: 10 standard-normal features, label = [w·x + noise > 0]
  [ -f "$2" ] && return 0
  "$GEN_PY" - "$1" "$2" <<'EOF'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
r = random.Random(7)
w = [r.gauss(0, 1) for _ in range(10)]
with open(path + ".tmp", "w") as f:
    f.write(",".join("x%d" % i for i in range(10)) + ",label\n")
    for _ in range(n):
        x = [r.gauss(0, 1) for _ in range(10)]
        s = sum(a * b for a, b in zip(w, x)) + r.gauss(0, 0.5)
        f.write(",".join("%.5f" % v for v in x) + ",%d\n" % (s > 0))
import os; os.replace(path + ".tmp", path)
EOF
}

mlp_config() {  # mlp_config FILE TRAIN LOSS BATCH EPOCHS SHUFFLE LAYER...   (LAYER = units:activation)
  local file=$1 train=$2 loss=$3 batch=$4 epochs=$5 shuffle=$6; shift 6
  {
    echo "# written by bench/run.sh"
    echo "data: {train: $train, target: label, validation: 0}"
    echo "model:"
    echo "  layers:"
    for l in "$@"; do echo "    - {units: ${l%%:*}, activation: ${l##*:}}"; done
    echo "loss: $loss"
    echo "optimizer: {name: adam, lr: 0.001}"
    echo "training: {epochs: $epochs, batch_size: $batch, shuffle: $shuffle, seed: 42}"
  } >"$file"
}

# ---- one workload ------------------------------------------------------------------------------
# workload ID NAME THREADS SCALE "GEMM_BOUND ARGS" CONFIG "TORCH ARGS"
# SCALE multiplies every time (a fraction of an epoch scaled to one epoch in --quick mode).
ROWS=()
workload() {
  local id=$1 name=$2 threads=$3 scale=$4 bound_args=$5 config=$6 torch_args=$7
  local nl=() tl=() np=() tp=() nr=() tr=() bd=() bs=()
  echo "== $id: $name ($threads thread(s), $REPS reps)" >&2
  for rep in $(seq "$REPS"); do
    $GEMM_BOUND $bound_args --threads "$threads" --min-seconds 0.05 >"$OUT/w$id.bound.txt"
    bd+=("$(sed -n 's/^bound_seconds //p' "$OUT/w$id.bound.txt")")
    bs+=("$(sed -n 's/^bound_seconds_without_first_dx //p' "$OUT/w$id.bound.txt")")
    timed "$OUT/w$id.bench.json" "$BENCH_TRAIN" "$config" --threads "$threads"
    nl+=("$(json_field loop_seconds <"$OUT/w$id.bench.json")")
    if [ $HAVE_TORCH = 1 ]; then
      timed "$OUT/w$id.torch.json" env OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS=1 $PY "$ROOT/bench/torch_train.py" $torch_args --threads 1
      tl+=("$(json_field loop_seconds <"$OUT/w$id.torch.json")"); tp+=("$WALL"); tr+=("$RSS")
    fi
    timed "$OUT/w$id.fit.txt" "$NNTRAIN" fit "$config" --threads "$threads" --quiet --out "$OUT/run-w$id"
    np+=("$WALL"); nr+=("$RSS")
    echo "   rep $rep: bound ${bd[-1]} (${bs[-1]})  nntrain loop ${nl[-1]} process ${np[-1]} s ${nr[-1]} MB   torch loop ${tl[-1]:-—} process ${tp[-1]:-—} s ${tr[-1]:-—} MB" >&2
  done
  local NL TL NP TP NR TR BD BS
  NL=$(printf '%s\n' "${nl[@]}" | median); BD=$(printf '%s\n' "${bd[@]}" | median); BS=$(printf '%s\n' "${bs[@]}" | median)
  NP=$(printf '%s\n' "${np[@]}" | median); NR=$(printf '%s\n' "${nr[@]}" | median)
  TL=nan; TP=nan; TR=nan
  if [ $HAVE_TORCH = 1 ]; then
    TL=$(printf '%s\n' "${tl[@]}" | median); TP=$(printf '%s\n' "${tp[@]}" | median); TR=$(printf '%s\n' "${tr[@]}" | median)
  fi
  ROWS+=("| $id | $name | $threads | $(fmt "$NL" "$scale") | $(fmt "$TL" "$scale") | $(ratio "$NL" "$TL") | $(fmt "$BD" "$scale") | $(ratio "$NL" "$BD") | $(fmt "$BS" "$scale") | $(ratio "$NL" "$BS") | $(fmt "$NP") | $(fmt "$TP") | ${NR} | ${TR/nan/—} |")
  eval "W${id}_NR=\$NR; W${id}_TR=\$TR; W${id}_NP=\$NP; W${id}_TP=\$TP"
}

# ---- header -------------------------------------------------------------------------------------
CORE=$($GEMM_BOUND --layers 1,1 --rows 1 --threads 1 --min-seconds 0 | sed -n '1p')
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "openblas: $CORE (openblas_get_corename; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})"
  [ $HAVE_TORCH = 1 ] && echo "pytorch: $($PY -c 'import torch; print(torch.__version__)') at $PY, torch threads 1, OPENBLAS_NUM_THREADS = the row's threads"
  echo "mode: $([ $QUICK = 1 ] && echo quick || echo full), $REPS reps each, alternating; medians"
  echo "command: bench/run.sh $([ $QUICK = 1 ] && echo --quick) --reps $REPS${ONLY:+ --only ${ONLY//,/ }}"
} | tee "$OUT/header.txt" >&2

# ---- workloads ----------------------------------------------------------------------------------
TUT=(--layers 64:relu,32:relu,1:sigmoid --loss bce --batch full --no-shuffle --target label)
if want 1; then
  synthetic 1000 "$OUT/synthetic-1k.csv"
  mlp_config "$OUT/w1.yaml" "$OUT/synthetic-1k.csv" bce full 100 false 64:relu 32:relu 1:sigmoid
  workload 1 "10→64→32→1 full batch, 1,000 rows, 100 epochs" 1 1 "--layers 10,64,32,1 --rows 1000 --epochs 100" \
    "$OUT/w1.yaml" "--csv $OUT/synthetic-1k.csv ${TUT[*]} --epochs 100"
fi
if want 2; then
  synthetic 100000 "$OUT/synthetic-100k.csv"
  mlp_config "$OUT/w2.yaml" "$OUT/synthetic-100k.csv" bce full 100 false 64:relu 32:relu 1:sigmoid
  workload 2 "10→64→32→1 full batch, 100,000 rows, 100 epochs" 1 1 "--layers 10,64,32,1 --rows 100000 --epochs 100" \
    "$OUT/w2.yaml" "--csv $OUT/synthetic-100k.csv ${TUT[*]} --epochs 100"
fi
FM=(--layers 256:relu,128:relu,10:softmax --loss cross_entropy --target label --epochs 1)
if want 3 || want 7; then
  mlp_config "$OUT/w3.yaml" "$FMNIST" cross_entropy 128 1 true 256:relu 128:relu 10:softmax
  workload 3 "Fashion-MNIST 784→256→128→10, batch 128, per epoch" 2 1 "--layers 784,256,128,10 --rows 60000 --batch 128" \
    "$OUT/w3.yaml" "--csv $FMNIST ${FM[*]} --batch 128"
fi
if want 4; then
  mlp_config "$OUT/w4.yaml" "$FMNIST" cross_entropy 32 1 true 256:relu 128:relu 10:softmax
  workload 4 "the same at batch 32, per epoch" 1 1 "--layers 784,256,128,10 --rows 60000 --batch 32" \
    "$OUT/w4.yaml" "--csv $FMNIST ${FM[*]} --batch 32"
fi
if want 5; then
  W5=$FMNIST W5_ROWS=60000
  if [ $QUICK = 1 ]; then
    W5=$OUT/fashion-mnist-15360.csv W5_ROWS=15360
    if [ ! -f "$W5" ]; then
      { zcat "$FMNIST" | head -n 15361 >"$W5.tmp"; } || true  # head closes the pipe early
      mv "$W5.tmp" "$W5"
    fi
  fi
  mlp_config "$OUT/w5.yaml" "$W5" cross_entropy 256 1 true 2048:relu 2048:relu 10:softmax
  workload 5 "784→2048→2048→10, batch 256, per epoch$([ $QUICK = 1 ] && echo ' (quick: 15,360 rows × 3.906)')" 2 \
    "$(awk -v r=$W5_ROWS 'BEGIN { print 60000 / r }')" "--layers 784,2048,2048,10 --rows $W5_ROWS --batch 256" \
    "$OUT/w5.yaml" "--csv $W5 --layers 2048:relu,2048:relu,10:softmax --loss cross_entropy --target label --epochs 1 --batch 256"
fi
if want 8; then
  # The repository's iris example as a user runs it: 150 rows, 20% validation, batch 16, 100 epochs.
  workload 8 "iris (configs/iris.yaml), 100 epochs, whole process" 1 1 "--layers 4,16,3 --rows 120 --batch 16 --epochs 100" \
    "$ROOT/configs/iris.yaml" "--csv $IRIS --target species --layers 16:relu,3:softmax --loss cross_entropy --batch 16 --epochs 100 --val 0.2 --lr 0.01"
fi

LOAD_ROW=""
if want 6; then
  # helper data's bench_load: alternates its own loader and pandas.read_csv, each load in its own process.
  echo "== 6: reading $FMNIST into the float matrix (bench_load, $REPS reps)" >&2
  if [ -x "$BENCH_LOAD" ]; then
    "$BENCH_LOAD" --file "$FMNIST" --reps "$REPS" --python "$PY" --script "$ROOT/bench/bench_load_pandas.py" >"$OUT/w6.load.txt" 2>&1 || true
    sed 's/^/   /' "$OUT/w6.load.txt" >&2
    NL=$(sed -n 's/^median of [0-9]* *nntrain \([0-9.]*\) s.*/\1/p' "$OUT/w6.load.txt")
    TL=$(sed -n 's/.*pandas.read_csv \([0-9.]*\) s.*/\1/p' "$OUT/w6.load.txt")
    NM=$(sed -n 's/^median of.*nntrain [0-9.]* s, peak RSS \([0-9.]*\) MiB.*/\1/p' "$OUT/w6.load.txt")
    TM=$(sed -n 's/.*pandas.read_csv [0-9.]* s, peak RSS \([0-9.]*\) MiB.*/\1/p' "$OUT/w6.load.txt")
    LOAD_ROW="| 6 | reading fashion-mnist-train.csv.gz into the float matrix (PyTorch side: pandas.read_csv) | 1 | $(fmt "$NL") | $(fmt "$TL") | $(ratio "$NL" "$TL") | | | | | | | ${NM:-—} | ${TM:-—} |"
  else
    echo "   $BENCH_LOAD not built: skipped" >&2
  fi
fi

# ---- table ----------------------------------------------------------------------------------------
{
  echo
  echo "| # | workload | threads | nntrain loop s | PyTorch loop s | nntrain/PyTorch | GEMM bound s | nntrain/bound | bound w/o layer-0 dx s | nntrain/that | nntrain process s | PyTorch process s | nntrain peak MB | PyTorch peak MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${ROWS[@]}"; do echo "$r"; done
  [ -n "$LOAD_ROW" ] && echo "$LOAD_ROW"
  if want 3 || want 7; then
    echo "| 7 | peak memory of workload 3 (whole process) | 2 | | | | | | | | | | ${W3_NR} | ${W3_TR/nan/—} |"
  fi
} | tee "$OUT/table.md"
