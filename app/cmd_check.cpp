// `nntrain check`: everything `fit` does before its first batch (config, overrides, data,
// network, init_from, loss, optimizer, schedule, trainer), then a summary on stdout.
// No training, no run directory.
#include "cmd_check.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <memory>
#include <string>

#include "nntrain/config_io.h"
#include "nntrain/dataset.h"
#include "nntrain/error.h"
#include "nntrain/fit.h"
#include "nntrain/loss.h"
#include "nntrain/model_file.h"
#include "nntrain/network.h"
#include "nntrain/optimizer.h"
#include "nntrain/rng.h"
#include "nntrain/schedule.h"
#include "nntrain/trainer.h"

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
  // What fit builds before its first batch, in the same order, so that check fails where fit
  // would: the data (and what it decides), the network, init_from, loss, optimizer, schedule
  // and the trainer (early stopping, plateau and batch checks). Nothing is trained or written.
  const TrainingData td = load_training_data(cfg);
  const Preprocessing& prep = td.prep;
  const LayerSpec& last = cfg.model.layers.back();
  if (static_cast<size_t>(last.units) != prep.output_width())
    throw DataError("model.layers: the last layer has " + std::to_string(last.units) + " units but the data needs " +
                    std::to_string(prep.output_width()) + "; set model.layers." +
                    std::to_string(cfg.model.layers.size() - 1) + ".units=" + std::to_string(prep.output_width()));
  if (cfg.schedule.name == "plateau" && !td.val)
    throw ConfigError("schedule.name: plateau reads val_loss and needs a validation set (data.validation)");
  const size_t batch = cfg.training.full_batch
                           ? td.train.rows
                           : std::min<size_t>(td.train.rows, static_cast<size_t>(std::max(cfg.training.batch_size, 1)));
  Network net(cfg.model.layers, prep.input_width(), std::max<size_t>(batch, 1));
  Rng rng(cfg.training.seed);
  if (!cfg.model.init_from.empty()) load_weights_into(net, cfg.model.init_from);
  const std::unique_ptr<Loss> loss = make_loss(cfg.loss, last, loss_class_weights(cfg.loss, td.prep, td.class_counts));
  const std::unique_ptr<Optimizer> optimizer = make_optimizer(cfg.optimizer, net.num_params());
  LrSchedule schedule(cfg.schedule, cfg.optimizer.lr, cfg.training.epochs);
  std::optional<EvalSplit> val;
  if (td.val) val = EvalSplit{td.val->xm(), td.val->ym()};
  const Trainer trainer(net, *loss, *optimizer, schedule, rng, cfg.training, prep.task, {td.train.xm(), td.train.ym()}, val);

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
              cfg.training.epochs, (td.train.rows + batch - 1) / std::max<size_t>(batch, 1), batch,
              cfg.optimizer.name.c_str(), cfg.optimizer.lr, cfg.schedule.name.c_str());
  const std::string s = net.summary();
  std::fwrite(s.data(), 1, s.size(), stdout);
  if (!s.empty() && s.back() != '\n') std::printf("\n");
  return 0;
}
