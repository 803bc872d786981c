// SIGINT/SIGTERM/SIGUSR1 during training: the handler only records the signal; the trainer polls
// stop_signal() between batches and saves a resumable state. A second signal exits at once.
// Not a general signal library: three signals, one flag, process-wide.
#pragma once

namespace nntrain {

// Installs handlers for SIGINT, SIGTERM and SIGUSR1 (sigaction, no SA_RESTART). The first
// signal sets the flag; a second one calls _exit(128 + signal) at once (every file nntrain writes is
// tmp+rename, so nothing is left torn).
void install_stop_handlers();
// Puts back the handlers that were there before install_stop_handlers().
void remove_stop_handlers();

// 0 while no stop was requested, else the signal number (SIGINT, SIGTERM or SIGUSR1).
// SIGUSR1 is SIGTERM with another exit code: `mpirun` forwards it to every rank, and 138 tells
// a script that the job was stopped on purpose (mpirun's own SIGTERM handling hides codes).
int stop_signal();
// Raises the flag as if `sig` had arrived (tests, the NNTRAIN_TEST_STOP_AFTER_BATCHES hook).
void request_stop(int sig);
void clear_stop();

// The exit code of SPEC.md for a stop signal: 130 for SIGINT, 143 for SIGTERM, 138 for
// SIGUSR1 (128 + n).
int stop_exit_code(int sig);

}  // namespace nntrain
