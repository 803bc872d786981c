#!/usr/bin/env bash
# A user's clone has nothing beside it, so no file of the project may name a path outside the
# repository. Every tracked text file is checked for
#   1. a sibling folder of the development checkouts: a "shared" folder one level up, or an
#      absolute path into /work or /home;
#   2. a variable naming the repository root (ROOT, SRC, PROJECT_SOURCE_DIR,
#      NNTRAIN_SOURCE_DIR ...) followed by a step up out of it;
#   3. a relative path that climbs out of the repository from the file's own folder: more
#      ../ in a row (or ".." items in one path join) than the file is deep. Markdown is exempt
#      from this one: its examples are relative to other files (a config in configs/).
# Prints each offending line; exit 1 if any.
# Usage: check_paths.sh SOURCE_DIR [--self-test]
# --self-test also proves that the check fails, once per rule, on a small made-up tree.
set -u
if [ "${2:-}" = "--self-test" ]; then
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  up=..  # spelled in pieces so that this file does not trip its own check
  mkdir -p "$t/ok/a" "$t/r1" "$t/r2" "$t/r3/a"
  printf 'x=$(dirname "$0")/%s/b\n' "$up" >"$t/ok/a/fine.sh"
  printf 'data: %s/data/x.csv\n' "$up" >"$t/ok/README.md"
  printf 'DATA=%s/%s\n' "$up" "shared/data" >"$t/r1/x.sh"
  printf 'set(D ${PROJECT_SOURCE_DIR}/%s/data)\n' "$up" >"$t/r2/CMakeLists.txt"
  printf 'p = os.path.join(HERE, "%s", "%s", "%s", "data")\n' "$up" "$up" "$up" >"$t/r3/a/make.py"
  bash "$0" "$t/ok" >/dev/null || { echo "check_paths: the check failed a clean tree"; exit 1; }
  for r in r1 r2 r3; do
    if bash "$0" "$t/$r" >/dev/null; then echo "check_paths: the check passed $r (a path outside the tree)"; exit 1; fi
  done
  exec bash "$0" "$1"
fi
cd "${1:-.}" || exit 2
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files)
else  # a tree without git (the self-test's)
  files=$(find . -type f -not -path './build*' | sed 's|^\./||')
fi
list=$(mktemp); trap 'rm -f "$list"' EXIT
printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 grep -Il '' -- 2>/dev/null >"$list"  # text files only
n=$(wc -l <"$list")
[ "$n" -gt 0 ] || { echo "check_paths: no files found: wrong folder?"; exit 1; }
tr '\n' '\0' <"$list" | xargs -0 awk '
  function most_ups(s,   best, run, m) {  # the longest run of ../ (a trailing .. counts too)
    best = 0
    while (match(s, /(\.\.\/)+(\.\.)?/)) {
      m = substr(s, RSTART, RLENGTH); run = gsub(/\.\./, "", m)
      if (run > best) best = run
      s = substr(s, RSTART + RLENGTH)
    }
    return best
  }
  FNR == 1 { d = FILENAME; depth = gsub(/\//, "", d); md = FILENAME ~ /\.md$/ }
  {
    why = ""
    if ($0 ~ /\.\.\/shared|\/work\/|\/home\/[a-z]/) why = "a folder beside the checkout"
    else if ($0 ~ /(ROOT|SRC|SOURCE_DIR)\}?"?\/\.\./ || $0 ~ /NNTRAIN_SOURCE_DIR *"\/\.\./)
      why = "the repository root, then up"
    else if (!md) {
      ups = most_ups($0); q = $0; joined = gsub(/"\.\."|\047\.\.\047/, "", q)
      if (joined > ups) ups = joined
      if (ups > depth) why = ups " levels up from a file " depth " deep"
    }
    if (why != "") { printf "%s:%d: %s   <- %s\n", FILENAME, FNR, $0, why; bad = 1 }
  }
  END { exit bad }'
bad=$?; [ $bad -eq 0 ] || bad=1
[ $bad -eq 0 ] && echo "paths: $n text files, none names a path outside the repository"
exit $bad
