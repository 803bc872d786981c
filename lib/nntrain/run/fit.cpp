// fit(): config -> data -> network -> trainer -> run directory (SPEC.md "The run directory").
// The I/O policy of a run lives here (which file when, what the console shows); the loop
// itself is trainer.cpp. Every file goes through write_file_atomic.
//
// checkpoint.bin rule: written every output.checkpoint_every epochs, on interruption, and at
// the end of every run that did not diverge (so `--resume DIR training.epochs=N` can extend a
// finished run). It holds the training weights (before early stopping restores the best ones).
//
// log.csv rule: rewritten after the first epoch, then whenever kLogRewriteSeconds have passed
// since the last rewrite, before every checkpoint (so log.csv never has fewer epochs than
// checkpoint.bin) and at the end. Each rewrite is a tmp + rename, which on ext4 costs about
// 0.25 ms (a rename over an existing file starts writeback of the new one): more than a whole
// epoch of a small network, and 100 of them were half of an iris run's wall time.
//
// resume rule: whatever instant a run is killed at, `fit --resume DIR` finishes it with the
// model.bin an unkilled run writes. The run directory appears with its config.yaml in it
// (made under a temporary name, then renamed). With no checkpoint.bin yet, the run starts from
// epoch 1; with a checkpoint of a run still training, it continues; with a checkpoint whose
// training is done (its epochs, or early stopping), the final files are written again when
// one is missing or older than the checkpoint; and when they are all there (metrics.json of
// the same epochs, stopped completed or early_stopping) the resume does nothing and exits 0.
//
// fsync rule: model.bin, checkpoint.bin and config.yaml (which --resume needs beside the
// checkpoint) are synced, and their folder after the rename; log.csv, metrics.json and learning_curve.svg are not (tmp + rename
// still keeps them whole after a crash or kill -9; only a power loss can lose them, and a
// resume then warns about missing log rows). An fsync costs 0.2 ms on a quiet disk and up to
// 40 ms on a busy one, and a sweep pays it per run.
#include "nntrain/run/fit.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "nntrain/run/atomic_file.h"
#include "nntrain/core/blas.h"
#include "nntrain/run/checkpoint.h"
#include "nntrain/data/config_io.h"
#include "nntrain/core/error.h"
#include "nntrain/run/learning_curve.h"
#include "nntrain/core/loss.h"
#include "nntrain/run/metrics.h"
#include "nntrain/run/model_file.h"
#include "nntrain/run/peers.h"
#include "nntrain/core/network.h"
#include "nntrain/core/optimizer.h"
#include "nntrain/core/rng.h"
#include "nntrain/core/schedule.h"
#include "nntrain/run/signals.h"
#include "nntrain/run/trainer.h"
#include "nntrain/gpu/device.h"
#include "nntrain/run/gpu_runner.h"

namespace fs = std::filesystem;

namespace nntrain {

std::string expand_output_dir(const std::string& dir, const std::string& stem) {
  std::string out = dir;
  const std::string key = "{config}";
  for (size_t p = out.find(key); p != std::string::npos; p = out.find(key, p + stem.size()))
    out.replace(p, key.size(), stem);
  return out;
}

namespace {

// The class index of a label written in the config (loss.class_weights), or -1.
long class_index(const Preprocessing& prep, const std::string& label) {
  for (size_t i = 0; i < prep.classes.size(); ++i) {
    if (prep.classes[i] == label) return static_cast<long>(i);
    if (prep.classes_numeric) {
      char* end1 = nullptr;
      char* end2 = nullptr;
      const double a = std::strtod(prep.classes[i].c_str(), &end1);
      const double b = std::strtod(label.c_str(), &end2);
      if (end1 && *end1 == '\0' && end2 && *end2 == '\0' && !label.empty() && a == b) return static_cast<long>(i);
    }
  }
  return -1;
}

}  // namespace

std::vector<float> loss_class_weights(const LossConfig& loss, const Preprocessing& prep,
                                      const std::vector<size_t>& class_counts) {
  if (loss.name != "cross_entropy") return {};
  if (loss.class_weights_balanced) return class_counts.empty() ? std::vector<float>{} : balanced_class_weights(class_counts);
  if (loss.class_weights.empty()) return {};
  std::vector<float> w(prep.classes.size(), 1.0f);
  std::vector<std::string> given(prep.classes.size());  // the label that set each class's weight
  for (const auto& [label, weight] : loss.class_weights) {
    const long i = class_index(prep, label);
    if (i < 0) {
      std::string known;
      for (const auto& c : prep.classes) known += (known.empty() ? "" : ", ") + c;
      throw DataError("loss.class_weights: class '" + label + "' does not occur in the training data (classes: " +
                      known + ")");
    }
    std::string& first = given[static_cast<size_t>(i)];
    if (!first.empty())  // numeric labels compare as numbers: 0 and 0.0 are one class
      throw DataError("loss.class_weights: '" + first + "' and '" + label + "' are the same class '" +
                      prep.classes[static_cast<size_t>(i)] + "' of the data; give it one weight");
    first = label;
    w[static_cast<size_t>(i)] = static_cast<float>(weight);
  }
  return w;
}

namespace {

size_t batch_rows_of(const TrainingConfig& t, const TrainingData& data) {
  const size_t rows = t.full_batch ? data.train.rows
                                   : std::min(data.train.rows, static_cast<size_t>(std::max(t.batch_size, 1)));
  return std::max<size_t>(rows, 1);
}

std::optional<EvalSplit> eval_split(const std::optional<Dataset>& d) {
  if (!d) return std::nullopt;
  return EvalSplit{d->xm(), d->ym()};
}

}  // namespace

TrainingSetup::TrainingSetup(const Config& cfg, TrainingData d)
    : data(std::move(d)),
      net(cfg.model.layers, data.prep.input_width(), batch_rows_of(cfg.training, data)),
      rng(cfg.training.seed),
      loss(make_loss(cfg.loss, cfg.model.layers.back(), loss_class_weights(cfg.loss, data.prep, data.class_counts))),
      optimizer(make_optimizer(cfg.optimizer, net.num_params())),
      schedule(cfg.schedule, cfg.optimizer.lr, cfg.training.epochs),
      trainer(net, *loss, *optimizer, schedule, rng, cfg.training, data.prep.task, {data.train.xm(), data.train.ym()},
              eval_split(data.val)) {
  if (cfg.schedule.name == "plateau" && !data.val)
    throw ConfigError("schedule.name: plateau reads val_loss and needs a validation set (data.validation)");
  // The trainer has not drawn from rng yet: init takes the first numbers, as it always has.
  if (!cfg.model.init_from.empty()) load_weights_into(net, cfg.model.init_from);
  else net.init(cfg.model.init, rng);
}

namespace {

// What may differ between the run's config and the one resuming it: training.epochs,
// training.grad_shards (the same optimisation, added in other shards: a resume under a
// process count that does not divide the run's), and things that do not change the numbers
// (where the run is written, how often it logs).
Config comparable(Config c) {
  c.loss.long_form = true;  // `loss: bce` and `loss: {name: bce}` are one loss (compared in full)
  if (c.loss.name == "bce" && !c.loss.pos_weight) c.loss.pos_weight = 1.0;  // the long form's value in force
  c.training.epochs = 0;
  c.training.log_every = 0;
  c.training.device.clear();  // a checkpoint resumes on any device (same maths, other rounding)
  c.training.grad_shards = 0;
  c.output.dir.clear();
  c.source_path.clear();
  c.stem.clear();
  return c;
}

// Where two resolved configs first differ, walking their YAML (config_to_yaml) side by side:
// "optimizer.lr is 0.01 in the run and 0.003 in <what>". A list of maps is compared item by
// item and the item shown whole ("model.layers.1 is {units: 3, ...}"); a map whose keys
// differ (another class in class_weights) or a list of another length is named as a block.
std::string node_difference(const YAML::Node& a, const YAML::Node& b, const std::string& name,
                            const std::string& what) {
  const auto text = [](const YAML::Node& n) {
    YAML::Emitter e;
    e.SetNullFormat(YAML::LowerNull);
    YAML::Node flow = YAML::Clone(n);
    flow.SetStyle(YAML::EmitterStyle::Flow);  // one line, whatever style the block had
    e << flow;
    return std::string(e.c_str());
  };
  const std::string block = (name.empty() ? std::string("the config") : name) + " differs between the run and " + what;
  if (a.IsMap() && b.IsMap()) {
    if (a.size() != b.size()) return block;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      const std::string key = ia->first.Scalar();
      if (key != ib->first.Scalar()) return block;
      const std::string d = node_difference(ia->second, ib->second, name.empty() ? key : name + "." + key, what);
      if (!d.empty()) return d;
    }
    return "";
  }
  if (a.IsSequence() && b.IsSequence()) {
    if (a.size() != b.size()) return block;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].IsMap() && text(a[i]) != text(b[i]))
        return name + "." + std::to_string(i) + " is " + text(a[i]) + " in the run and " + text(b[i]) + " in " + what;
  }
  const std::string ta = text(a), tb = text(b);
  return ta == tb ? "" : name + " is " + ta + " in the run and " + tb + " in " + what;
}

std::string first_difference(const Config& run, const Config& given, const std::string& what) {
  return node_difference(YAML::Load(config_to_yaml(comparable(run))), YAML::Load(config_to_yaml(comparable(given))),
                         "", what);
}

void check_same_run(const Config& run, const Config& given, const std::string& what) {
  if (comparable(run) == comparable(given)) return;
  const std::string diff = first_difference(run, given, what);
  throw ConfigError((diff.empty() ? what + " differs from the run's config" : diff) +
                    "; only training.epochs and training.grad_shards may change when resuming (for other changes "
                    "start a new run)");
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string with_commas(size_t n) {
  const std::string digits = std::to_string(n);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else if (seconds >= 10) std::snprintf(buf, sizeof buf, "%lds", s);
  else std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  return buf;
}

std::string architecture_text(size_t in, const std::vector<LayerSpec>& layers) {
  std::string s = std::to_string(in);
  for (const auto& l : layers) {
    s += " -> " + std::to_string(l.units);
    if (l.activation != "identity") s += " " + l.activation;
    if (l.dropout > 0) s += " (dropout " + fmt("%g", l.dropout) + ")";
  }
  return s;
}

// log.csv, kept in memory as its rows and rewritten whole after every epoch.
struct RunLog {
  std::string header;
  std::vector<std::string> rows;
  std::vector<CurvePoint> points;
};

std::string log_header(Task task) {
  std::string h = "epoch,train_loss,val_loss";
  for (const auto& m : metric_names(task)) h += ",val_" + m;
  return h + ",lr,seconds";
}

std::string log_row(const EpochRecord& r, Task task) {
  std::string s = std::to_string(r.epoch) + "," + fmt("%.9g", r.train_loss) + ",";
  if (r.has_val) s += fmt("%.9g", r.val_loss);
  for (const auto& name : metric_names(task)) {
    s += ",";
    for (const auto& m : r.val_metrics)
      if (m.name == name && r.has_val) s += fmt("%.9g", m.value);
  }
  return s + "," + fmt("%.9g", r.lr) + "," + fmt("%.4f", r.seconds);
}

CurvePoint curve_point(const EpochRecord& r, Task task) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CurvePoint p{r.epoch, r.train_loss, r.has_val ? r.val_loss : nan, nan};
  for (const auto& m : r.val_metrics)
    if (m.name == main_metric(task) && r.has_val) p.val_metric = m.value;
  return p;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      f.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  f.push_back(cur);
  return f;
}

double parse_or_nan(const std::string& s) {
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end && *end == '\0' ? v : std::numeric_limits<double>::quiet_NaN();
}

// The first `epochs` rows of an existing log.csv (a resumed run continues it).
void read_log(const std::string& path, int epochs, Task task, RunLog& log) {
  std::istringstream in(read_text(path));
  std::string line;
  if (!std::getline(in, line)) return;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != log.header) return;  // another layout: start the log afresh
  const std::vector<std::string> cols = split_csv_line(log.header);
  size_t metric_col = 0;
  for (size_t i = 0; i < cols.size(); ++i)
    if (cols[i] == "val_" + main_metric(task)) metric_col = i;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> f = split_csv_line(line);
    if (f.size() != cols.size()) break;
    const int epoch = std::atoi(f[0].c_str());
    if (epoch != static_cast<int>(log.rows.size()) + 1 || epoch > epochs) break;
    log.rows.push_back(line);
    log.points.push_back({epoch, parse_or_nan(f[1]), parse_or_nan(f[2]),
                          metric_col ? parse_or_nan(f[metric_col]) : std::numeric_limits<double>::quiet_NaN()});
  }
}

// tmp + rename without fsync (see "log.csv rule" at the top).
void write_log(const std::string& path, const RunLog& log) {
  std::string text = log.header + "\n";
  for (const auto& r : log.rows) text += r + "\n";
  write_file_atomic(path, text, /*sync=*/false);
}

constexpr double kLogRewriteSeconds = 0.1;

// A JSON number, or null when not finite.
nlohmann::ordered_json number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

// The loss and metrics of the network (eval mode) on one split, into `out` as <prefix>_<name>.
void evaluate_split(Network& net, const Loss& loss, const Dataset& d, Task task, const std::string& prefix,
                    nlohmann::ordered_json& out) {
  if (d.rows == 0) return;
  std::vector<float> outputs(d.rows * net.out_features());
  Matrix om{outputs.data(), d.rows, net.out_features()};
  Rng rng(0);
  const double l = evaluate_loss(net, loss, d.xm(), d.ym(), rng, &om);
  out[prefix + "_loss"] = number(l);
  for (const auto& m : compute_metrics(task, om, d.ym())) out[prefix + "_" + m.name] = number(m.value);
}

// Restores the previous signal handlers when fit() leaves, however it leaves.
struct SignalScope {
  bool active;
  explicit SignalScope(bool install) : active(install) {
    clear_stop();
    if (active) install_stop_handlers();
  }
  ~SignalScope() {
    if (active) remove_stop_handlers();
  }
};

// The stderr progress bar, drawn only when stderr is a terminal: the whole run's progress,
// the epoch under way and the ETA, redrawn at most five times a second (short runs never
// show it).
struct ProgressBar {
  bool enabled = false;
  bool drawn = false;
  std::chrono::steady_clock::time_point start, last;
  uint64_t batches_at_start = 0;  // global batch index when this session started
  uint64_t total_batches = 0;     // the whole run's
  int epochs = 0;

  void draw(int epoch, uint64_t batch, uint64_t batches) {
    if (!enabled) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(200)) return;
    last = now;
    const uint64_t global = static_cast<uint64_t>(epoch - 1) * batches + batch;
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const uint64_t done = global > batches_at_start ? global - batches_at_start : 0;
    const uint64_t left = total_batches > global ? total_batches - global : 0;
    const double eta = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(left) : 0;
    const double frac = total_batches > 0 ? static_cast<double>(global) / static_cast<double>(total_batches) : 1;
    const int width = 30;
    std::string bar(static_cast<size_t>(width * std::min(frac, 1.0)), '=');
    bar.resize(static_cast<size_t>(width), ' ');
    std::fprintf(stderr, "\r\033[K[%s] %3d%%  epoch %d/%d  ETA %s", bar.c_str(), static_cast<int>(100 * frac), epoch,
                 epochs, duration_text(eta).c_str());
    std::fflush(stderr);
    drawn = true;
  }
  void clear() {
    if (drawn) std::fprintf(stderr, "\r\033[K");
    drawn = false;
  }
};

std::string epoch_line(const EpochRecord& r, int epochs, Task task) {
  std::string s = "epoch " + std::to_string(r.epoch) + "/" + std::to_string(epochs) + "  train_loss " +
                  fmt("%.4f", r.train_loss);
  if (r.has_val) {
    s += "  val_loss " + fmt("%.4f", r.val_loss);
    for (const auto& m : r.val_metrics)  // the main metric only; log.csv has them all
      if (m.name == main_metric(task)) s += "  val_" + m.name + " " + fmt("%.4f", m.value);
  }
  s += "  lr " + fmt("%.3g", r.lr) + "  (" + fmt("%.2f", r.seconds) + "s)";
  return s;
}

// NNTRAIN_TEST_STOP_AFTER_BATCHES=N[:term]: behave as if SIGINT (SIGTERM) arrived after the
// N-th batch of this process. A test hook for exact interruption points; 0 or unset = off.
// Under mpirun the ranks agree on a stop at the next batch's collective: one batch later.
// NNTRAIN_TEST_KILL_AT=POINT: SIGKILL this process at POINT of the end of a run, the windows
// between two writes that a timed kill rarely hits: checkpoint (after the final
// checkpoint.bin, before model.bin), model (after model.bin, before metrics.json), metrics
// (after metrics.json, before learning_curve.svg). A test hook; unset = off.
void test_kill_point(const char* point) {
  const char* v = std::getenv("NNTRAIN_TEST_KILL_AT");
  if (v && std::strcmp(v, point) == 0) std::raise(SIGKILL);
}

struct StopHook {
  uint64_t after = 0;
  int sig = SIGINT;
  uint64_t seen = 0;
  StopHook() {
    const char* v = std::getenv("NNTRAIN_TEST_STOP_AFTER_BATCHES");
    if (!v || !*v) return;
    after = std::strtoull(v, nullptr, 10);
    if (std::string(v).find(":term") != std::string::npos) sig = SIGTERM;
  }
  void on_batch() {
    if (after > 0 && ++seen == after && stop_signal() == 0) request_stop(sig);
  }
};


// What the steps of one fit() share: the config and options, the run directory, the data,
// network and trainer, and log.csv as it grows. Built in fit's first step (threads, data,
// network, trainer); the steps below fill in the rest.
struct FitRun {
  FitRun(const Config& c, const FitOptions& o)
      : cfg(c),
        opt(o),
        out_dir(o.out_dir.empty() ? expand_output_dir(c.output.dir, c.stem) : o.out_dir),
        threads(use_blas_threads(o.threads)),
        setup(c, load_training_data(c, o.fold)),
        config_yaml(config_to_yaml(c)) {
    log.header = log_header(task());
    use_device();
  }

  const Config& cfg;
  const FitOptions& opt;
  const std::string out_dir;
  const int threads;  // set before the data is read (the OpenBLAS threads)
  TrainingSetup setup;
  const std::string config_yaml;  // the resolved config: config.yaml and the checkpoint's copy
  // training.device gpu: the GPU and the trainer's batch runner on it (none for cpu)
  std::unique_ptr<gpu::Device> device;
  std::unique_ptr<GpuBatchRunner> runner;
  RunLog log;
  // log.csv's rewrites (see "log.csv rule" at the top)
  std::chrono::steady_clock::time_point last_log_write{};  // long ago: the first epoch writes
  bool log_dirty = true;  // a resumed log may have been trimmed; the end always writes
  // the console
  int last_printed = 0;  // the last epoch whose line was printed
  std::optional<EpochRecord> last_record;

  // Where this session starts (see "resume rule" at the top).
  enum class Start { fresh, first_epoch, checkpoint, trained } start = Start::fresh;

  Task task() const { return setup.data.prep.task; }
  std::string path(const char* name) const { return (fs::path(out_dir) / name).string(); }

  void use_device() {
    const std::string& spec = cfg.training.device;
    if (spec.empty() || spec == "cpu") return;
    device = std::make_unique<gpu::Device>(spec);
    const TrainingData& d = setup.data;
    runner = std::make_unique<GpuBatchRunner>(*device, setup.net, cfg.loss,
                                              loss_class_weights(cfg.loss, d.prep, d.class_counts), cfg.optimizer,
                                              cfg.training, d.train.xm(), d.train.ym(), setup.net.max_batch());
    setup.trainer.use_batch_runner(*runner);
  }
  // metrics.json's "device": cpu, or the GPU's name.
  std::string device_name() const { return device ? device->info().name : "cpu"; }

  static int use_blas_threads(int requested) {
    const int n = requested > 0 ? requested : blas_default_threads();
    blas_set_threads(n);
    return n;
  }

  void flush_log() {
    if (!log_dirty) return;
    write_log(path("log.csv"), log);
    last_log_write = std::chrono::steady_clock::now();
    log_dirty = false;
  }

  // checkpoint.bin from the trainer's state; log.csv first: a kill between the two leaves
  // the log ahead of the checkpoint, which --resume trims (read_log), never behind it.
  void save_state() {
    flush_log();
    TrainState st = setup.trainer.state();
    st.config_yaml = config_yaml;
    if (opt.fold) st.fold = std::to_string(opt.fold->index + 1) + "/" + std::to_string(opt.fold->k);
    save_checkpoint(path("checkpoint.bin"), st);
  }
};

// --resume: the trainer continues from checkpoint.bin, which must be a run of this config
// (not a cv fold) that has not trained more epochs than asked; run.start says whether any
// training is left. Without checkpoint.bin the run starts from epoch 1.
void restore_checkpoint(FitRun& run) {
  std::error_code ec;
  if (!fs::exists(run.path("checkpoint.bin"), ec)) {
    run.start = FitRun::Start::first_epoch;
    return;
  }
  const TrainState st = load_checkpoint(run.path("checkpoint.bin"));
  if (!st.fold.empty())  // its validation rows are the fold, which config.yaml does not describe
    throw ConfigError(run.out_dir + " is fold " + st.fold + " of an nntrain cv run; folds do not resume: run nntrain cv again");
  if (!st.config_yaml.empty()) {
    const Config saved = parse_config(st.config_yaml, run.path("checkpoint.bin"), "/");
    check_same_run(saved, run.cfg, "the config");
  }
  Trainer& trainer = run.setup.trainer;
  trainer.set_state(st);
  run.setup.schedule.set_total_epochs(run.cfg.training.epochs);
  if (trainer.early_stopped()) {
    run.start = FitRun::Start::trained;
    return;
  }
  if (st.epochs_done > run.cfg.training.epochs)
    throw ConfigError("the run in " + run.out_dir + " has trained " + std::to_string(st.epochs_done) +
                      " epochs, more than training.epochs=" + std::to_string(run.cfg.training.epochs) +
                      "; a run cannot be shortened: resume it with training.epochs=" + std::to_string(st.epochs_done) +
                      " or more");
  run.start = st.epochs_done == run.cfg.training.epochs ? FitRun::Start::trained : FitRun::Start::checkpoint;
}

// A new run directory appears whole, its config.yaml already in it: made under a temporary
// name beside it, then renamed (so a kill never leaves a run folder without its config).
void create_run_directory(const FitRun& run) {
  const fs::path dir(run.out_dir);
  std::error_code ec;
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) throw ConfigError("cannot create the output folder " + parent.string() + ": " + ec.message());
  const fs::path tmp = parent / (dir.filename().string() + ".tmp." + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec) throw ConfigError("cannot create the output folder " + run.out_dir + ": " + ec.message());
  write_file_atomic((tmp / "config.yaml").string(), run.config_yaml);
  fs::rename(tmp, dir, ec);
  if (ec) {  // made meanwhile by another process: use it as it is
    fs::remove_all(tmp, ec);
    write_file_atomic(run.path("config.yaml"), run.config_yaml);
  }
  sync_folder(parent.string());
}

// Creates the folder (never a cv run's), removes a fresh run's stale weights, writes config.yaml.
void prepare_run_directory(const FitRun& run) {
  std::error_code ec;
  if (!run.opt.fold && fs::exists(fs::path(run.out_dir) / "fold1", ec))  // fit would replace the cv summary's metrics.json
    throw ConfigError(run.out_dir + " holds an nntrain cv run (fold1/); give this fit its own folder with --out DIR");
  if (!fs::exists(run.out_dir, ec)) return create_run_directory(run);
  if (!fs::is_directory(run.out_dir, ec)) throw ConfigError("cannot create the output folder " + run.out_dir + ": a file has that name");
  if (!run.opt.resume) {  // a fresh run: no stale weights from an earlier run in this folder
    fs::remove(run.path("model.bin"), ec);
    fs::remove(run.path("checkpoint.bin"), ec);
  }
  write_file_atomic(run.path("config.yaml"), run.config_yaml);
}

// --resume: log.csv's rows up to the checkpoint's epoch (a warning when some are missing).
void read_earlier_log(FitRun& run) {
  const int epochs = run.setup.trainer.epochs_done();
  read_log(run.path("log.csv"), epochs, run.task(), run.log);
  if (static_cast<int>(run.log.rows.size()) < epochs && !run.opt.quiet)  // e.g. a power loss
    std::fprintf(stderr, "nntrain: warning: %s has %zu of the checkpoint's %d epochs; the missing rows stay missing\n",
                 run.path("log.csv").c_str(), run.log.rows.size(), epochs);
}

// "nntrain: training on 456 samples, 10 features (validation 113); network ...".
void print_opening_line(const FitRun& run) {
  const TrainingData& data = run.setup.data;
  const Trainer& trainer = run.setup.trainer;
  if (run.start == FitRun::Start::trained) {
    std::fprintf(stderr, "nntrain: the run in %s has trained its %d epochs; writing its final files\n", run.out_dir.c_str(),
                 trainer.epochs_done());
    return;
  }
  std::string line = "nntrain: " + std::string(run.start == FitRun::Start::checkpoint ? "resuming" : "training") + " on " +
                     with_commas(data.train.rows) + " samples, " + std::to_string(data.prep.input_width()) + " features";
  if (data.val) line += " (validation " + with_commas(data.val->rows) + ")";
  if (data.dropped_rows > 0) line += "; dropped " + with_commas(data.dropped_rows) + " rows with a missing value";
  line += "; network " + architecture_text(data.prep.input_width(), run.cfg.model.layers) + ", " +
          with_commas(run.setup.net.num_params()) + " parameters; " + std::to_string(run.threads) + " thread" +
          (run.threads == 1 ? "" : "s") + "; seed " + std::to_string(run.cfg.training.seed) + "; output " + run.out_dir;
  if (run.start == FitRun::Start::first_epoch) line += "; no checkpoint.bin yet: from epoch 1";
  if (run.start == FitRun::Start::checkpoint)
    line += "; from epoch " + std::to_string(trainer.epochs_done() + 1) +
            (trainer.batches_done() > 0 ? ", batch " + std::to_string(trainer.batches_done() + 1) : std::string());
  std::fprintf(stderr, "%s\n", line.c_str());
}

// After each epoch: log.csv's row (rewritten at most every kLogRewriteSeconds), the periodic
// checkpoint, the console line every training.log_every epochs.
void on_epoch_end(FitRun& run, const EpochRecord& r, ProgressBar& bar) {
  const Config& cfg = run.cfg;
  run.last_record = r;
  run.log.rows.push_back(log_row(r, run.task()));
  run.log.points.push_back(curve_point(r, run.task()));
  run.log_dirty = true;
  const double since_write = std::chrono::duration<double>(std::chrono::steady_clock::now() - run.last_log_write).count();
  if (since_write >= kLogRewriteSeconds) run.flush_log();
  if (cfg.output.checkpoint_every > 0 && r.epoch % cfg.output.checkpoint_every == 0 && r.epoch < cfg.training.epochs)
    run.save_state();
  if (!run.opt.quiet && cfg.training.log_every > 0 &&
      (r.epoch % cfg.training.log_every == 0 || r.epoch == cfg.training.epochs)) {
    bar.clear();
    std::fprintf(stderr, "%s\n", epoch_line(r, cfg.training.epochs, run.task()).c_str());
    run.last_printed = r.epoch;
  }
}

// The trainer's loop with the run's callbacks: the stop hook and progress bar after every
// batch, on_epoch_end after every epoch, SIGINT/SIGTERM polled.
TrainOutcome train(FitRun& run) {
  Trainer& trainer = run.setup.trainer;
  StopHook hook;
  ProgressBar bar;
  bar.enabled = !run.opt.quiet && ::isatty(STDERR_FILENO);
  bar.start = std::chrono::steady_clock::now();
  bar.last = bar.start;
  bar.epochs = run.cfg.training.epochs;
  bar.total_batches = static_cast<uint64_t>(run.cfg.training.epochs) * trainer.batches_per_epoch();
  bar.batches_at_start = static_cast<uint64_t>(trainer.epochs_done()) * trainer.batches_per_epoch() + trainer.batches_done();

  TrainerCallbacks cb;
  cb.on_batch = [&](int epoch, uint64_t batch, uint64_t batches) {
    hook.on_batch();
    bar.draw(epoch, batch, batches);
  };
  // Under mpirun every rank must stop after the same batch: the decision they took together.
  cb.should_stop = [&]() { return run.opt.peers ? run.opt.peers->stop_agreed() : stop_signal() != 0; };
  cb.on_epoch = [&](const EpochRecord& r) { on_epoch_end(run, r, bar); };

  TrainOutcome outcome;
  try {
    outcome = trainer.run(cb);
  } catch (...) {  // e.g. a checkpoint write that failed: keep the epochs already trained in the log
    try {
      run.flush_log();
    } catch (...) {
    }
    throw;
  }
  bar.clear();
  return outcome;
}

// The outcome of a run whose training was already done (Start::trained).
TrainOutcome trained_outcome(const FitRun& run) {
  const Trainer& trainer = run.setup.trainer;
  TrainOutcome out;
  out.stopped = trainer.early_stopped() ? StopReason::early_stopping : StopReason::completed;
  out.epochs_run = trainer.epochs_done();
  out.best_epoch = trainer.best_epoch();
  return out;
}

// Early stopping's best epoch; without early stopping the epoch of the lowest val_loss, else
// the last one.
int best_epoch_of(const FitRun& run, const TrainOutcome& outcome) {
  if (outcome.best_epoch != 0) return outcome.best_epoch;
  int best_epoch = 0;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& p : run.log.points)
    if (std::isfinite(p.val_loss) && p.val_loss < best) best = p.val_loss, best_epoch = p.epoch;
  return best_epoch == 0 ? outcome.epochs_run : best_epoch;
}

// metrics.json: the final model in eval mode on every split, and how the run went.
nlohmann::ordered_json final_metrics(FitRun& run, const TrainOutcome& outcome) {
  const TrainingData& data = run.setup.data;
  Network& net = run.setup.net;
  const Loss& loss = *run.setup.loss;
  nlohmann::ordered_json m;
  evaluate_split(net, loss, data.train, run.task(), "train", m);
  if (data.val) evaluate_split(net, loss, *data.val, run.task(), "val", m);
  if (data.test) evaluate_split(net, loss, *data.test, run.task(), "test", m);
  m["epochs_run"] = outcome.epochs_run;
  m["best_epoch"] = best_epoch_of(run, outcome);
  m["seconds"] = std::round(run.setup.trainer.total_seconds() * 1000.0) / 1000.0;
  m["stopped"] = stop_reason_name(outcome.stopped);
  m["nntrain_version"] = NNTRAIN_VERSION;
  m["threads"] = run.threads;
  if (run.opt.peers) m["world_size"] = run.opt.peers->world_size();  // mpirun -np K
  m["device"] = run.device_name();
  const BlasInfo bi = blas_info();
  m["blas"] = {{"library", bi.library}, {"version", bi.version}, {"core", bi.core}, {"threading", bi.threading}};
  return m;
}

// model.bin (removed when the run diverged), log.csv, metrics.json, learning_curve.svg.
void write_final_files(FitRun& run, const TrainOutcome& outcome, const std::string& metrics_json) {
  if (outcome.stopped != StopReason::diverged) {
    ModelMeta meta;
    meta.architecture = run.cfg.model.layers;
    meta.loss = run.cfg.loss;
    meta.prep = run.setup.data.prep;
    meta.nntrain_version = NNTRAIN_VERSION;
    // The GPU that trained it (info shows it); a CPU run's file stays as it always was.
    if (run.device) meta.extra["device"] = run.device_name();
    save_model(run.path("model.bin"), run.setup.net, meta);
  } else {
    std::error_code ec;
    fs::remove(run.path("model.bin"), ec);
  }
  test_kill_point("model");
  run.flush_log();
  write_file_atomic(run.path("metrics.json"), metrics_json + "\n", /*sync=*/false);
  test_kill_point("metrics");
  write_file_atomic(run.path("learning_curve.svg"), learning_curve_svg(run.log.points, main_metric(run.task())),
                    /*sync=*/false);
}

// The last epoch's line when the run ended off the log_every grid, the test metrics, and how
// the run ended (a diverged run's message is the caller's error line).
void print_closing_lines(const FitRun& run, const TrainOutcome& outcome, const nlohmann::ordered_json& m) {
  if (run.last_record && run.last_printed != run.last_record->epoch)
    std::fprintf(stderr, "%s\n", epoch_line(*run.last_record, run.cfg.training.epochs, run.task()).c_str());
  const TrainingData& data = run.setup.data;
  if (data.test && outcome.stopped != StopReason::diverged) {
    // The held-out test set is read once, at the end: say how the final model does on it.
    std::string line = "nntrain: test (" + with_commas(data.test->rows) + " rows)";
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it.key().rfind("test_", 0) == 0 && it.value().is_number())
        line += "  " + it.key() + " " + fmt("%.4f", it.value().get<double>());
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  const int sig = stop_signal() != 0 ? stop_signal() : SIGINT;
  const char* sig_name = sig == SIGTERM ? "SIGTERM" : sig == SIGUSR1 ? "SIGUSR1" : "SIGINT";
  switch (outcome.stopped) {
    case StopReason::completed:
      std::fprintf(stderr, "nntrain: done in %s; wrote %s\n", duration_text(run.setup.trainer.total_seconds()).c_str(),
                   run.out_dir.c_str());
      break;
    case StopReason::early_stopping:
      std::fprintf(stderr, "nntrain: early stopping after epoch %d; restored the weights of epoch %d; wrote %s\n",
                   outcome.epochs_run, best_epoch_of(run, outcome), run.out_dir.c_str());
      break;
    case StopReason::diverged:
      break;
    case StopReason::interrupted:
      if (run.opt.fold)  // a fold's split is not in its config.yaml: fit --resume cannot rebuild it
        std::fprintf(stderr, "nntrain: interrupted (%s) after %d epoch(s) of fold %d/%d; folds do not resume: run nntrain cv again\n",
                     sig_name, outcome.epochs_run, run.opt.fold->index + 1, run.opt.fold->k);
      else
        std::fprintf(stderr, "nntrain: interrupted (%s) after %d epoch(s); continue with: nntrain fit --resume %s\n",
                     sig_name, outcome.epochs_run, run.out_dir.c_str());
      break;
  }
}

int exit_code_of(const TrainOutcome& outcome) {
  switch (outcome.stopped) {
    case StopReason::completed:
    case StopReason::early_stopping:
      return kExitOk;
    case StopReason::diverged:
      return kExitDiverged;
    case StopReason::interrupted:
      return stop_exit_code(stop_signal() != 0 ? stop_signal() : SIGINT);
  }
  return kExitOk;
}

// --resume of a run whose training is done and whose final files are all there, as that
// training left them: the FitResult of doing nothing (exit 0, the run's metrics.json), or
// nullopt when there is something to do. Reads checkpoint.bin and metrics.json only (no data).
std::optional<FitResult> complete_run(const Config& cfg, const std::string& out_dir, bool quiet) {
  const fs::path dir(out_dir);
  std::error_code ec;
  std::optional<TrainState> st;
  if (fs::exists(dir / "checkpoint.bin", ec)) {
    st = load_checkpoint((dir / "checkpoint.bin").string());
    if (!st->fold.empty()) return std::nullopt;  // restore_checkpoint says why it cannot resume
    if (!st->config_yaml.empty())
      check_same_run(parse_config(st->config_yaml, (dir / "checkpoint.bin").string(), "/"), cfg, "the config");
    if (!early_stopping_exhausted(st->early, cfg.training) && st->epochs_done != cfg.training.epochs) return std::nullopt;
  }
  std::string text = read_text((dir / "metrics.json").string());
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // missing or torn: written again
  }
  const std::string stopped = m.is_object() && m.contains("stopped") && m["stopped"].is_string() ? m["stopped"].get<std::string>() : "";
  const int epochs_run = m.is_object() && m.contains("epochs_run") && m["epochs_run"].is_number_integer() ? m["epochs_run"].get<int>() : -1;
  if (stopped != "completed" && stopped != "early_stopping") return std::nullopt;
  if (epochs_run != (st ? st->epochs_done : cfg.training.epochs) && !(stopped == "early_stopping" && !st)) return std::nullopt;
  const auto at_least_as_new = [&](const char* name) {  // as new as checkpoint.bin (when there is one)
    const auto t = fs::last_write_time(dir / name, ec);
    if (ec) return false;
    if (!st) return true;
    const auto c = fs::last_write_time(dir / "checkpoint.bin", ec);
    return !ec && t >= c;
  };
  for (const char* name : {"model.bin", "metrics.json", "learning_curve.svg", "log.csv"})
    if (std::string(name) != "log.csv" ? !at_least_as_new(name) : !fs::exists(dir / name, ec)) return std::nullopt;

  if (!quiet && stopped == "early_stopping")
    std::fprintf(stderr, "nntrain: the run in %s is complete (stopped early after epoch %d); nothing to do. An early-stopped run does not extend: start a new run (e.g. with a larger training.early_stopping.patience)\n",
                 out_dir.c_str(), epochs_run);
  else if (!quiet)
    std::fprintf(stderr, "nntrain: the run in %s is complete (%d epochs); nothing to do (to train longer: nntrain fit --resume %s training.epochs=N, N > %d)\n",
                 out_dir.c_str(), epochs_run, out_dir.c_str(), epochs_run);
  FitResult r;
  r.exit_code = kExitOk;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  r.metrics_json = text;  // as written (one line)
  r.stopped = stopped;
  r.out_dir = out_dir;
  return r;
}

}  // namespace

Config resume_config(const std::string& run_dir, const std::string& config_path,
                     const std::vector<std::string>& overrides) {
  const std::string run_yaml = (fs::path(run_dir) / "config.yaml").string();
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) throw ConfigError("--resume " + run_dir + ": no such folder");
  if (!fs::exists(run_yaml, ec))
    throw ConfigError("--resume " + run_dir + ": no config.yaml there (not a run directory of nntrain fit)");
  const Config run = load_config(run_yaml);
  Config given = config_path.empty() ? load_config(run_yaml, overrides) : load_config(config_path, overrides);
  // Blame what made the difference: the overrides when CONFIG alone matches the run.
  std::string what = config_path.empty() ? "the overrides" : config_path;
  if (!config_path.empty() && !overrides.empty() && comparable(load_config(config_path)) == comparable(run))
    what = "the overrides";
  check_same_run(run, given, what);
  Config out = run;
  out.training.epochs = given.training.epochs;
  out.training.log_every = given.training.log_every;
  // The run's shards unless given explicitly; a run from before grad_shards had one.
  if (given.training.grad_shards != 0) out.training.grad_shards = given.training.grad_shards;
  if (out.training.grad_shards == 0) out.training.grad_shards = 1;
  return out;
}

FitResult fit(const Config& cfg, const FitOptions& opt) {
  if (opt.resume) {
    const std::string dir = opt.out_dir.empty() ? expand_output_dir(cfg.output.dir, cfg.stem) : opt.out_dir;
    if (std::optional<FitResult> done = complete_run(cfg, dir, opt.quiet)) return *done;  // nothing to do
  }
  FitRun run(cfg, opt);  // the BLAS threads, the data, network, loss, optimizer and trainer
  if (opt.resume) restore_checkpoint(run);
  prepare_run_directory(run);
  if (opt.resume) read_earlier_log(run);
  if (!opt.quiet) print_opening_line(run);

  const SignalScope signals(opt.install_signal_handlers);  // until fit() returns
  TrainOutcome outcome;
  if (run.start == FitRun::Start::trained) {  // only the final files are missing
    outcome = trained_outcome(run);
  } else {
    if (opt.peers)  // the other ranks build the same trainer from rank 0's data and state
      run.setup.trainer.use_gradient_reducer(opt.peers->start(run.cfg, run.setup.data, run.setup.trainer.state()));
    outcome = train(run);
    if (opt.peers) opt.peers->training_ended();
    // The state to resume from is the training state, before early stopping swaps weights in.
    if (outcome.stopped != StopReason::diverged) run.save_state();
    test_kill_point("checkpoint");
  }
  if (outcome.stopped == StopReason::completed || outcome.stopped == StopReason::early_stopping)
    run.setup.trainer.restore_best_params();

  FitResult result;
  result.out_dir = run.out_dir;
  const nlohmann::ordered_json metrics = final_metrics(run, outcome);
  result.metrics_json = metrics.dump();
  write_final_files(run, outcome, result.metrics_json);
  if (!opt.quiet) print_closing_lines(run, outcome, metrics);
  result.stopped = stop_reason_name(outcome.stopped);
  result.exit_code = exit_code_of(outcome);
  if (outcome.stopped == StopReason::diverged) result.message = outcome.message;
  return result;
}

}  // namespace nntrain
