// `nntrain cv`: runs fit() once per fold into DIR/fold<i>, then writes DIR/metrics.json with
// the mean and standard deviation of each metric across folds (keys: cmd_cv.h). The folds
// themselves are the data layer's (FoldSpec); this file only loops and summarizes.
#include "cmd_cv.h"

#include "cmd_devices.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "nntrain/run/atomic_file.h"
#include "nntrain/data/config_io.h"
#include "nntrain/core/error.h"
#include "nntrain/run/fit.h"

CLI::App* setup_cv(CLI::App& app, CvOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "cv", "K-fold cross-validation of a config on data.train: DIR/fold1..K and DIR/metrics.json (mean, std)");
  sub->add_option("CONFIG", o.args, "the YAML config, then overrides, e.g. optimizer.lr=3e-4")->required();
  sub->add_option("--folds", o.folds, "number of folds K (default 5; stratified for classification)")
      ->check(CLI::Range(2, 1000));
  sub->add_option("--out", o.out, "the output folder (default: output.dir of the config, runs/{config})");
  sub->add_option("--threads", o.threads, "OpenBLAS threads (default: all cores)")
      ->check(CLI::Range(1, 1024))
      ->type_name("N");
  add_device_option(sub, o.device);
  sub->add_flag("--quiet", o.quiet, "no progress on stderr");
  sub->add_flag("--json", o.json, "print the summary metrics.json on stdout, and nothing else");
  return sub;
}

namespace {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

bool summarized(const std::string& key) {
  return key == "train_loss" || key.rfind("val_", 0) == 0 || key.rfind("test_", 0) == 0;
}

nntrain::Config load_cv_config(const CvOptions& o) {
  using namespace nntrain;
  if (o.args.empty()) throw ConfigError("cv needs a CONFIG file");
  const std::vector<std::string> overrides(o.args.begin() + 1, o.args.end());
  for (const auto& ov : overrides)
    if (ov.find('=') == std::string::npos)
      throw ConfigError("'" + ov + "' is not a KEY=VALUE override (only one CONFIG may be given)");
  Config cfg = load_config(o.args.front(), overrides, /*folds_validate=*/true);
  if (!o.device.empty()) cfg.training.device = o.device;
  require_device(cfg.training.device);
  return cfg;
}

// The folder is made by the first fold's fit (so a cv that fails before it leaves none).
// A fit run there would lose its metrics.json to the cv summary: refused.
void refuse_fit_folder(const std::string& out) {
  std::error_code ec;
  for (const char* f : {"model.bin", "checkpoint.bin", "log.csv"})
    if (fs::exists(fs::path(out) / f, ec)) {
      std::string stem = out;
      while (stem.size() > 1 && stem.back() == '/') stem.pop_back();
      throw nntrain::ConfigError(out + " holds an nntrain fit run (" + f +
                                 "); give cv its own folder with --out DIR (e.g. --out " + stem + "-cv)");
    }
}

// What the folds' metrics.json hold, gathered fold after fold.
struct FoldResults {
  std::vector<std::string> keys;  // summarized metrics, in the first fold's order
  std::map<std::string, std::vector<double>> values;
  double seconds = 0, epochs_run = 0, best_epoch = 0;
  int threads = 0;

  void add(int fold, const std::string& metrics_json) {
    const auto m = nlohmann::json::parse(metrics_json);
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (!summarized(it.key()) || !it.value().is_number()) continue;
      if (fold == 0) keys.push_back(it.key());
      values[it.key()].push_back(it.value().get<double>());
    }
    seconds += m.value("seconds", 0.0);
    epochs_run += m.value("epochs_run", 0.0);
    best_epoch += m.value("best_epoch", 0.0);
    threads = m.value("threads", 0);
  }
};

// Runs fit() into out/fold1 .. out/foldK; a fold that does not finish ends cv with its code
// (interrupted: the fold's checkpoint is kept), or as divergence with the fold named.
int run_folds(const nntrain::Config& cfg, const CvOptions& o, const std::string& out, FoldResults& res) {
  using namespace nntrain;
  for (int i = 0; i < o.folds; ++i) {
    FitOptions fo;
    fo.out_dir = (fs::path(out) / ("fold" + std::to_string(i + 1))).string();
    fo.threads = o.threads;
    fo.quiet = o.quiet;
    fo.fold = FoldSpec{o.folds, i};
    if (!o.quiet) std::fprintf(stderr, "nntrain cv: fold %d/%d -> %s\n", i + 1, o.folds, fo.out_dir.c_str());
    const FitResult r = fit(cfg, fo);
    if (r.exit_code == kExitDiverged)
      throw DivergedError("fold " + std::to_string(i + 1) + "/" + std::to_string(o.folds) + ": " + r.message);
    if (r.exit_code != kExitOk) return r.exit_code;
    res.add(i, r.metrics_json);
  }
  return kExitOk;
}

// metrics.json's summary (keys: cmd_cv.h); a metric not every fold has is left out.
ordered_json summarize(const FoldResults& res, int folds) {
  ordered_json s;
  s["folds"] = folds;
  for (const auto& k : res.keys) {
    const auto& v = res.values.at(k);
    if (v.size() != static_cast<size_t>(folds)) continue;
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    var /= static_cast<double>(v.size());
    s[k + "_mean"] = mean;
    s[k + "_std"] = std::sqrt(var);
  }
  for (const auto& k : res.keys)
    if (res.values.at(k).size() == static_cast<size_t>(folds)) s[k + "_folds"] = res.values.at(k);
  s["epochs_run_mean"] = res.epochs_run / folds;
  s["best_epoch_mean"] = res.best_epoch / folds;
  s["seconds"] = std::round(res.seconds * 1000.0) / 1000.0;
  s["nntrain_version"] = NNTRAIN_VERSION;
  s["threads"] = res.threads;
  return s;
}

void report(const ordered_json& s, const std::string& text, const FoldResults& res, const CvOptions& o,
            const std::string& out) {
  if (o.json) {
    std::printf("%s\n", text.c_str());
  } else if (!o.quiet) {
    for (const auto& k : res.keys)
      if (s.contains(k + "_mean"))
        std::fprintf(stderr, "nntrain cv: %-14s %.6g +- %.6g over %d folds\n", k.c_str(),
                     s[k + "_mean"].get<double>(), s[k + "_std"].get<double>(), o.folds);
    std::fprintf(stderr, "nntrain cv: wrote %s/metrics.json\n", out.c_str());
  }
}

}  // namespace

int run_cv(const CvOptions& o) {
  using namespace nntrain;
  const Config cfg = load_cv_config(o);
  const std::string out = o.out.empty() ? expand_output_dir(cfg.output.dir, cfg.stem) : o.out;
  refuse_fit_folder(out);
  FoldResults res;
  if (const int code = run_folds(cfg, o, out, res); code != kExitOk) return code;
  const ordered_json s = summarize(res, o.folds);
  const std::string text = s.dump();
  write_file_atomic((fs::path(out) / "config.yaml").string(), config_to_yaml(cfg));
  write_file_atomic((fs::path(out) / "metrics.json").string(), text + "\n");
  report(s, text, res, o, out);
  return 0;
}
