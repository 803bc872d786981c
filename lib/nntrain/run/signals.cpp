// Stop-signal handling for training; see signals.h. Only async-signal-safe calls in the
// handler: a store to a sig_atomic_t and _exit.
#include "nntrain/run/signals.h"

#include <signal.h>
#include <unistd.h>

namespace nntrain {

namespace {

volatile sig_atomic_t g_stop = 0;
struct sigaction g_old_int, g_old_term, g_old_usr1;
bool g_installed = false;

extern "C" void on_stop_signal(int sig) {
  if (g_stop != 0) _exit(128 + sig);  // second signal: leave now
  g_stop = sig;
}

}  // namespace

void install_stop_handlers() {
  if (g_installed) return;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  sigaction(SIGUSR1, &sa, &g_old_usr1);
  g_installed = true;
}

void remove_stop_handlers() {
  if (!g_installed) return;
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  sigaction(SIGUSR1, &g_old_usr1, nullptr);
  g_installed = false;
}

int stop_signal() { return g_stop; }
void request_stop(int sig) { g_stop = sig; }
void clear_stop() { g_stop = 0; }

int stop_exit_code(int sig) { return 128 + sig; }

}  // namespace nntrain
