// `nntrain evaluate`: the model in eval mode over a labelled CSV, with the loss it was trained
// with (make_loss/evaluate_loss) and the metrics of lib/nntrain/run/metrics.h. Writes nothing.
#include "cmd_evaluate.h"

#include "cmd_devices.h"

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "csv_out.h"
#include "nntrain/core/blas.h"
#include "nntrain/data/dataset.h"
#include "nntrain/run/fit.h"
#include "nntrain/core/loss.h"
#include "nntrain/run/metrics.h"
#include "nntrain/run/model_file.h"
#include "nntrain/core/network.h"
#include "nntrain/core/rng.h"
#include "nntrain/gpu/device.h"
#include "nntrain/run/gpu_runner.h"

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
  add_device_option(sub, o.device);
  return sub;
}

namespace {

// evaluate_loss's mean for outputs computed elsewhere (the GPU): the same chunks of `chunk`
// rows, each chunk's mean weighted by its batch_weight.
double loss_of_outputs(const nntrain::Loss& loss, nntrain::ConstMatrix out, nntrain::ConstMatrix logits,
                       nntrain::ConstMatrix y, size_t chunk) {
  using nntrain::ConstMatrix;
  double sum = 0, weight = 0;
  for (size_t r = 0; r < out.rows; r += chunk) {
    const size_t n = std::min(chunk, out.rows - r);
    const ConstMatrix yb(y.row(r), n, y.cols);
    const double w = loss.batch_weight(yb);
    const double value = loss.forward(ConstMatrix(out.row(r), n, out.cols), ConstMatrix(logits.row(r), n, logits.cols),
                                      yb, nullptr);
    if (w > 0) sum += value * w, weight += w;
  }
  return weight > 0 ? sum / weight : 0.0;
}

}  // namespace

int run_evaluate(const EvaluateOptions& o) {
  using namespace nntrain;
  if (o.threads > 0) blas_set_threads(o.threads);
  require_device(o.device);
  const LoadedModel model = load_model(o.model);
  const Preprocessing& prep = model.meta.prep;
  const Dataset d = load_inference_data(o.data, prep, /*with_target=*/true);
  const size_t max_batch = std::max<size_t>(1, std::min<size_t>(d.rows, 1024));
  std::unique_ptr<Network> net = build_network(model, max_batch);
  const std::unique_ptr<Loss> loss = make_loss(model.meta.loss, model.meta.architecture.back(),
                                                   loss_class_weights(model.meta.loss, prep, {}));
  const bool unweighted_balanced = model.meta.loss.name == "cross_entropy" && model.meta.loss.class_weights_balanced;

  std::vector<float> out(d.rows * net->out_features());
  Matrix outputs{out.data(), d.rows, net->out_features()};
  Rng rng(0);  // eval mode: never drawn from
  double l = 0;
  if (o.device.empty() || o.device == "cpu") {
    l = evaluate_loss(*net, *loss, d.xm(), d.ym(), rng, &outputs);
  } else {  // the forward on the GPU, the loss and metrics from its outputs here
    gpu::Device dev(o.device);
    std::vector<float> z(out.size());
    Matrix logits{z.data(), d.rows, net->out_features()};
    gpu_forward(dev, *net, d.xm(), outputs, &logits);
    l = loss_of_outputs(*loss, outputs, logits, d.ym(), max_batch);
  }
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
