#!/usr/bin/env bash
# The include direction of lib/README.md: core includes nothing of data or run, data nothing
# of run, run nothing of export or dist, dist nothing of export or gpu; <mpi.h> only in dist/, Vulkan only in gpu/. Prints each offending line; exit 1 if any.
# Usage: check_includes.sh SOURCE_DIR [--self-test]
# --self-test also proves the check fails: a copy of lib/ with a core file including run/.
set -u
if [ "${2:-}" = "--self-test" ]; then
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  mkdir -p "$t/lib" && cp -r "$1/lib/nntrain" "$t/lib/"
  echo '#include "nntrain/run/fit.h"' >>"$t/lib/nntrain/core/tensor.h"
  if bash "$0" "$t" >/dev/null; then echo "check_includes: the check passed a core file including run/"; exit 1; fi
  exec bash "$0" "$1"
fi
cd "${1:-.}/lib/nntrain" || exit 2
bad=0
forbid() {  # forbid FOLDER REGEX WHY
  [ -d "$1" ] || return 0
  local hits
  hits=$(grep -nE "$2" -r "$1" --include='*.h' --include='*.cpp' --include='*.comp' || true)
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits" | sed "s|^|lib/nntrain/|; s|\$|   <- $3|"
    bad=1
  fi
}
forbid core '#include "nntrain/(data|run|export|dist|gpu)/' "core includes nothing of data, run or the new parts"
forbid data '#include "nntrain/(run|export|dist|gpu)/' "data includes nothing of run or the new parts"
forbid gpu '#include "nntrain/(data|run|export|dist)/' "gpu includes only core (run drives it)"
forbid run '#include "nntrain/(export|dist)/' "run includes nothing of export or dist (they build on run, not the reverse)"
forbid export '#include "nntrain/dist/' "export includes nothing of dist"
forbid dist '#include "nntrain/(export|gpu)/' "dist includes core, data and run only"
for d in core data run export gpu; do
  forbid "$d" '#include <mpi\.h>' "only dist/ includes <mpi.h>"
done
for d in core data run export dist; do
  forbid "$d" '#include <vulkan/' "only gpu/ includes Vulkan"
done
n=$(grep -rlE '#include' core data run dist 2>/dev/null | wc -l)
[ "$n" -gt 30 ] || { echo "check_includes: only $n files with includes found: wrong folder?"; exit 1; }
[ $bad -eq 0 ] && echo "include direction: $n files, all includes point core <- data <- run <- export, core <- gpu <- run, run <- dist"
exit $bad
