# Shared helpers of the end-to-end tests (tests/e2e/test_cli_*.sh): run the binary, check its
# exit code, stdout and stderr. Sourced, not run. Each test: `bash test_cli_X.sh NNTRAIN SRC_DIR`.
set -u
NNTRAIN=$(realpath "${1:?usage: $0 NNTRAIN_BINARY SOURCE_DIR}")
SRC=$(realpath "${2:?usage: $0 NNTRAIN_BINARY SOURCE_DIR}")
T=$(mktemp -d "${TMPDIR:-/tmp}/nntrain-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
CHECKS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# run NAME CMD...: runs CMD with stdout in $T/NAME.out, stderr in $T/NAME.err, exit code in RC.
run() {
  local name=$1
  shift
  "$@" >"$T/$name.out" 2>"$T/$name.err"
  RC=$?
}

# expect_rc CODE NAME CMD...: run, then the exit code must be CODE.
expect_rc() {
  local want=$1 name=$2
  shift 2
  run "$name" "$@"
  CHECKS=$((CHECKS + 1))
  if [ "$RC" != "$want" ]; then
    fail "$name: exit code $RC, expected $want; command: $*; stderr: $(head -c 800 "$T/$name.err")"
    return 1
  fi
  return 0
}

# expect_error CODE NAME REGEX CMD...: exit CODE and stderr exactly one line matching
# ^nntrain: error: REGEX (extended regex); stdout empty.
expect_error() {
  local want=$1 name=$2 re=$3
  shift 3
  expect_rc "$want" "$name" "$@" || return 1
  CHECKS=$((CHECKS + 1))
  local lines
  lines=$(wc -l <"$T/$name.err")
  if [ "$lines" != 1 ]; then
    fail "$name: stderr has $lines lines, expected one: $(head -c 800 "$T/$name.err")"
    return 1
  fi
  if ! grep -Eq "^nntrain: error: $re" "$T/$name.err"; then
    fail "$name: stderr does not match '^nntrain: error: $re': $(cat "$T/$name.err")"
    return 1
  fi
  return 0
}

# expect_match NAME FILE REGEX [MSG]: FILE has a line matching REGEX (extended).
expect_match() {
  CHECKS=$((CHECKS + 1))
  if ! grep -Eq -- "$3" "$2"; then
    fail "$1: no line of $2 matches '$3'${4:+ ($4)}; first lines: $(head -c 600 "$2")"
    return 1
  fi
}

# expect_no_match NAME FILE REGEX
expect_no_match() {
  CHECKS=$((CHECKS + 1))
  if grep -Eq -- "$3" "$2"; then
    fail "$1: a line of $2 matches '$3' and should not"
    return 1
  fi
}

# expect_eq NAME GOT WANT
expect_eq() {
  CHECKS=$((CHECKS + 1))
  if [ "$2" != "$3" ]; then
    fail "$1: got '$2', expected '$3'"
    return 1
  fi
}

# expect_file NAME PATH: PATH exists and is a non-empty regular file.
expect_file() {
  CHECKS=$((CHECKS + 1))
  [ -s "$2" ] || { fail "$1: $2 missing or empty"; return 1; }
}

# The JSON header of a safetensors file (u64 little-endian length, then the JSON).
safetensors_header() {
  local n
  n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  tail -c +9 "$1" | head -c "$n"
}

# A small CSV of the first N rows (after the header) of a file, .gz or not.
head_rows() { # FILE N OUT
  case $1 in
  *.gz) gzip -dc "$1" | head -n $(($2 + 1)) >"$3" ;;
  *) head -n $(($2 + 1)) "$1" >"$3" ;;
  esac
}

finish() {
  if [ "$FAILS" -gt 0 ]; then
    echo "$FAILS of $CHECKS checks failed" >&2
    exit 1
  fi
  echo "all $CHECKS checks passed"
  exit 0
}
