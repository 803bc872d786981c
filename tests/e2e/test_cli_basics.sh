#!/usr/bin/env bash
# e2e: the command line itself: --version, --help, every COMMAND --help, usage errors (exit 2,
# one "nntrain: error:" line, did-you-mean for a mistyped command).
# Usage: test_cli_basics.sh NNTRAIN SOURCE_DIR
. "$(dirname "$0")/cli_common.sh"

expect_rc 0 version "$NNTRAIN" --version && expect_match version "$T/version.out" '^nntrain [0-9]+\.[0-9]+\.[0-9]+$'
expect_rc 0 help "$NNTRAIN" --help
for c in fit predict evaluate info check cv compare; do
  expect_match help "$T/help.out" "^  $c " "command $c listed"
  expect_rc 0 "help_$c" "$NNTRAIN" "$c" --help && expect_match "help_$c" "$T/help_$c.out" "^Usage: nntrain $c "
done

# No command: the overview on stderr, exit 2.
expect_rc 2 nocmd "$NNTRAIN" && expect_match nocmd "$T/nocmd.err" 'Subcommands:'
# A mistyped command: did you mean.
expect_error 2 typo "unknown command 'fti'; did you mean 'fit'\?" "$NNTRAIN" fti configs/seed.yaml
expect_error 2 unknown "unknown command 'frobnicate' \(run 'nntrain --help'" "$NNTRAIN" frobnicate
# Flags and arguments.
expect_error 2 badflag "predict: .*--bogus.*nntrain predict --help" "$NNTRAIN" predict a.bin b.csv --bogus
expect_error 2 flag_typo "fit: .*--quite.*did you mean '--quiet'\?" "$NNTRAIN" fit configs/seed.yaml --quite
expect_error 2 flag_typo2 "compare: .*--srot.*did you mean '--sort'\?" "$NNTRAIN" compare runs/a --srot val_loss
expect_error 2 missing_arg "predict: MODEL is required" "$NNTRAIN" predict
expect_error 2 missing_arg2 "evaluate: DATA is required" "$NNTRAIN" evaluate m.bin
expect_error 2 compare_none "compare: RUN_DIR is required" "$NNTRAIN" compare
expect_error 2 threads_range "predict: .*threads" "$NNTRAIN" predict m.bin d.csv --threads 0
expect_error 2 threads_type "predict: .*threads" "$NNTRAIN" predict m.bin d.csv --threads many
expect_error 2 check_noconfig "check: CONFIG is required" "$NNTRAIN" check
finish
