# Shared preamble of the fail-fast end-to-end tests (test_fit_*.sh, test_robust_*.sh): strict
# mode, a temporary folder $T removed on exit, fail() that stops the test. Sourced, not run.
# (The test_cli_*.sh tests count failures instead and use cli_common.sh.)
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
