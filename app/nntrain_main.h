// The whole program as a function: parses argv, runs the command, prints at most one error line
// on stderr; returns the exit code of SPEC.md. main() (entry.cpp) and fuzz/fuzz_cli.cpp call it.
#pragma once

int nntrain_main(int argc, char** argv);
