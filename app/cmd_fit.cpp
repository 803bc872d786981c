// `nntrain fit`: parses the flags, resolves the config (or the run to resume) and calls
// nntrain::fit(). Divergence becomes an error line and exit 1; interruption exits 130/143/138.
// Under mpirun (dist/launch.h) every rank comes here; dist::fit_over_mpi runs this command on
// rank 0 and the training loop on the others.
#include "cmd_fit.h"

#include "cmd_devices.h"

#include <sys/stat.h>

#include <cstdio>

#include "nntrain/data/config_io.h"
#include "nntrain/core/error.h"
#include "nntrain/dist/launch.h"
#include "nntrain/dist/mpi_fit.h"
#include "nntrain/run/fit.h"
#include "nntrain/run/peers.h"

CLI::App* setup_fit(CLI::App& app, FitCommandOptions& o) {
  CLI::App* sub = app.add_subcommand("fit", "Train a network from a YAML config; write a run directory");
  sub->add_option("CONFIG", o.args,
                  "the YAML config (optional with --resume), then overrides, e.g. optimizer.lr=3e-4");
  sub->add_option("--out", o.out, "the run directory (default: output.dir of the config, runs/{config})");
  sub->add_option("--threads", o.threads, "OpenBLAS threads (default: all cores)")
      ->check(CLI::Range(1, 1024))
      ->type_name("N");
  add_device_option(sub, o.device);
  sub->add_flag("--quiet", o.quiet, "no progress on stderr");
  sub->add_flag("--json", o.json, "print metrics.json on stdout, and nothing else");
  sub->add_option("--resume", o.resume, "continue the run in DIR from its checkpoint.bin (training.epochs=N extends it)");
  return sub;
}

namespace {

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

namespace {

int fit_command(const FitCommandOptions& o, nntrain::FitPeers* peers) {
  using namespace nntrain;
  const int world = peers ? peers->world_size() : 1;
  std::string config;
  std::vector<std::string> overrides = o.args;
  if (!overrides.empty() && (overrides.front().find('=') == std::string::npos || is_file(overrides.front()))) {
    config = overrides.front();
    overrides.erase(overrides.begin());
  }
  for (const auto& ov : overrides)
    if (ov.find('=') == std::string::npos)
      throw ConfigError("'" + ov + "' is not a KEY=VALUE override (only one CONFIG may be given)");

  FitOptions fo;
  fo.threads = o.threads;
  fo.quiet = o.quiet;
  fo.json = o.json;
  Config cfg;
  if (!o.resume.empty()) {
    if (!o.out.empty() && o.out != o.resume)
      throw ConfigError("--out cannot be combined with --resume: a resumed run writes into its own folder");
    cfg = resume_config(o.resume, config, overrides);
    fo.resume = true;
    fo.out_dir = o.resume;
  } else {
    if (config.empty()) throw ConfigError("fit needs a CONFIG file (or --resume DIR); see 'nntrain fit --help'");
    cfg = load_config(config, overrides);
    fo.out_dir = o.out.empty() ? expand_output_dir(cfg.output.dir, cfg.stem) : o.out;
    // auto: one shard per process; config.yaml records the number, so it reproduces the run.
    if (cfg.training.grad_shards == 0) cfg.training.grad_shards = world;
  }
  if (cfg.training.grad_shards % world != 0)
    throw ConfigError("training.grad_shards is " + std::to_string(cfg.training.grad_shards) + ", which the " +
                      std::to_string(world) + " processes of mpirun do not divide: run mpirun -np K with K dividing it" +
                      (o.resume.empty() ? std::string() : ", or resume with training.grad_shards=" + std::to_string(world) +
                                                              " (the same optimisation, added in other shards)"));
  fo.peers = peers;

  if (!o.device.empty()) cfg.training.device = o.device;
  require_device(cfg.training.device);
  const FitResult r = fit(cfg, fo);
  if (o.json) {
    std::fwrite(r.metrics_json.data(), 1, r.metrics_json.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  if (r.exit_code == kExitDiverged) throw DivergedError(r.message);
  return r.exit_code;
}

}  // namespace

int run_fit(const FitCommandOptions& o) {
  if (!nntrain::dist::launched_by_mpi()) return fit_command(o, nullptr);
  return nntrain::dist::fit_over_mpi(o.threads, [&](nntrain::FitPeers& peers) { return fit_command(o, &peers); });
}
