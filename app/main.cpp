// nntrain's entry point: builds the command line and is the one place where an error
// becomes a stderr line ("nntrain: error: ...") and an exit code.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "nntrain/error.h"

int main(int argc, char** argv) {
  CLI::App app{"nntrain: train multi-layer perceptrons from the command line"};
  app.set_version_flag("--version", std::string("nntrain ") + NNTRAIN_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : nntrain::kExitUsage;
  }
  try {
    return 0;
  } catch (const nntrain::Error& e) {
    std::fprintf(stderr, "nntrain: error: %s\n", e.formatted().c_str());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nntrain: error: %s\n", e.what());
    return nntrain::kExitUsage;
  }
}
