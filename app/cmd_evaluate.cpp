// `nntrain evaluate`: the model in eval mode over a labelled CSV, with the loss it was trained
// with (make_loss/evaluate_loss) and the metrics of lib/nntrain/metrics.h. Writes nothing.
#include "cmd_evaluate.h"

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "csv_out.h"
#include "nntrain/blas.h"
#include "nntrain/dataset.h"
#include "nntrain/loss.h"
#include "nntrain/metrics.h"
#include "nntrain/model_file.h"
#include "nntrain/network.h"
#include "nntrain/rng.h"

CLI::App* setup_evaluate(CLI::App& app, EvaluateOptions& o) {
  CLI::App* sub = app.add_subcommand("evaluate", "Loss and metrics of a trained model on a labelled CSV");
  sub->add_option("MODEL", o.model, "model.bin written by 'nntrain fit'")->required()->type_name("FILE");
  sub->add_option("DATA", o.data, "CSV (or .csv.gz) with the feature and target columns; - reads stdin")
      ->required()
      ->type_name("FILE");
  sub->add_flag("--json", o.json, "print one JSON object: rows, loss and the metrics");
  sub->add_option("--threads", o.threads, "OpenBLAS threads (default: all cores)")
      ->check(CLI::Range(1, 1024))
      ->type_name("N");
  return sub;
}

namespace {

// The class index of a label as written in loss.class_weights, or -1 (numeric labels compare
// as numbers, as in training).
long class_index(const nntrain::Preprocessing& prep, const std::string& label) {
  for (size_t i = 0; i < prep.classes.size(); ++i) {
    if (prep.classes[i] == label) return static_cast<long>(i);
    if (prep.classes_numeric && !label.empty()) {
      char* e1 = nullptr;
      char* e2 = nullptr;
      const double a = std::strtod(prep.classes[i].c_str(), &e1), b = std::strtod(label.c_str(), &e2);
      if (*e1 == '\0' && *e2 == '\0' && a == b) return static_cast<long>(i);
    }
  }
  return -1;
}

// The per-class weights the model was trained with, when the model file can tell them:
// explicit {label: weight} can; `balanced` needs the training class counts, which the model
// file does not keep, so that loss is reported unweighted (and says so).
std::vector<float> class_weights(const nntrain::LossConfig& loss, const nntrain::Preprocessing& prep) {
  if (loss.name != "cross_entropy" || loss.class_weights.empty()) return {};
  std::vector<float> w(prep.classes.size(), 1.0f);
  for (const auto& [label, weight] : loss.class_weights) {
    const long i = class_index(prep, label);
    if (i >= 0) w[static_cast<size_t>(i)] = static_cast<float>(weight);
  }
  return w;
}

}  // namespace

int run_evaluate(const EvaluateOptions& o) {
  using namespace nntrain;
  if (o.threads > 0) blas_set_threads(o.threads);
  const LoadedModel model = load_model(o.model);
  const Preprocessing& prep = model.meta.prep;
  const Dataset d = load_inference_data(o.data, prep, /*with_target=*/true);
  const size_t max_batch = std::max<size_t>(1, std::min<size_t>(d.rows, 1024));
  std::unique_ptr<Network> net = build_network(model, max_batch);
  const std::unique_ptr<Loss> loss = make_loss(model.meta.loss, model.meta.architecture.back(),
                                                   class_weights(model.meta.loss, prep));
  const bool unweighted_balanced = model.meta.loss.name == "cross_entropy" && model.meta.loss.class_weights_balanced;

  std::vector<float> out(d.rows * net->out_features());
  Matrix outputs{out.data(), d.rows, net->out_features()};
  Rng rng(0);  // eval mode: never drawn from
  const double l = evaluate_loss(*net, *loss, d.xm(), d.ym(), rng, &outputs);
  const std::vector<Metric> metrics = compute_metrics(prep.task, outputs, d.ym());

  std::string text;
  if (o.json) {
    text = "{\"rows\": " + std::to_string(d.rows) + ", \"loss\": ";
    append_double(text, l);
    for (const Metric& m : metrics) {
      text += ", \"" + m.name + "\": ";
      append_double(text, m.value);
    }
    text += "}\n";
  } else {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%-10s %zu\n", "rows", d.rows);
    text += buf;
    std::snprintf(buf, sizeof buf, "%-10s %.6g  (%s%s)\n", "loss", l, model.meta.loss.name.c_str(),
                  unweighted_balanced ? ", unweighted: the model does not store the training class counts" : "");
    text += buf;
    for (const Metric& m : metrics) {
      std::snprintf(buf, sizeof buf, "%-10s %.6g\n", m.name.c_str(), m.value);
      text += buf;
    }
  }
  write_output("-", text);
  return 0;
}
