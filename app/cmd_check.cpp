// `nntrain check`: everything `fit` does before its first batch (config, overrides, data,
// network, init_from, loss, optimizer, schedule, trainer), then a summary on stdout.
// No training, no run directory.
#include "cmd_check.h"

#include <cstdio>
#include <string>

#include "nntrain/data/config_io.h"
#include "nntrain/data/dataset.h"
#include "nntrain/run/fit.h"

CLI::App* setup_check(CLI::App& app, CheckOptions& o) {
  CLI::App* sub = app.add_subcommand("check", "Validate a config, its overrides and its data; print the network");
  sub->add_option("CONFIG", o.config, "the YAML config")->required()->type_name("FILE");
  sub->add_option("KEY=VALUE", o.overrides, "overrides, e.g. optimizer.lr=3e-4 model.layers.0.units=128")
      ->type_name("");
  sub->add_flag("--print-config", o.print_config, "print the resolved config (defaults and overrides applied) instead");
  return sub;
}

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

}  // namespace

int run_check(const CheckOptions& o) {
  using namespace nntrain;
  const Config cfg = load_config(o.config, o.overrides);
  if (o.print_config) {
    const std::string y = config_to_yaml(cfg);
    std::fwrite(y.data(), 1, y.size(), stdout);
    return 0;
  }
  // What fit builds before its first batch (TrainingSetup), so that check fails where fit
  // would. Nothing is trained or written.
  const TrainingSetup setup(cfg, load_training_data(cfg));
  const TrainingData& td = setup.data;
  const Preprocessing& prep = td.prep;
  const size_t batch = setup.net.max_batch();

  std::printf("config:   %s: ok\n", o.config.c_str());
  std::printf("data:     %s: %zu training rows", cfg.data.train.c_str(), td.train.rows);
  if (td.val) std::printf(", %zu validation rows", td.val->rows);
  if (td.test) std::printf(", %zu test rows", td.test->rows);
  std::printf("\n");
  std::printf("features: %zu (%zu inputs after encoding)\n", prep.features.size(), prep.input_width());
  std::printf("task:     %s (loss %s)", task_name(prep.task), cfg.loss.name.c_str());
  if (prep.task == Task::regression)
    std::printf(", target %s\n", join(prep.target, ", ").c_str());
  else
    std::printf(", target %s, classes %s\n", join(prep.target, ", ").c_str(), join(prep.classes, ", ").c_str());
  std::printf("training: %d epochs, %zu batches of %zu per epoch, optimizer %s, lr %g, schedule %s\n",
              cfg.training.epochs, static_cast<size_t>(setup.trainer.batches_per_epoch()), batch,
              cfg.optimizer.name.c_str(), cfg.optimizer.lr, cfg.schedule.name.c_str());
  const std::string s = setup.net.summary();
  std::fwrite(s.data(), 1, s.size(), stdout);
  if (!s.empty() && s.back() != '\n') std::printf("\n");
  return 0;
}
