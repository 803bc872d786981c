// `nntrain predict`: reads a model and a CSV, writes one CSV row of predictions per input row
// (SPEC.md "predict output"). Knows nothing of training; drops no row (a gap is an error).
#include "cmd_predict.h"

#include "cmd_devices.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

#include "csv_out.h"
#include "nntrain/run/atomic_file.h"
#include "nntrain/core/blas.h"
#include "nntrain/data/dataset.h"
#include "nntrain/core/error.h"
#include "nntrain/run/model_file.h"
#include "nntrain/core/network.h"
#include "nntrain/core/rng.h"
#include "nntrain/gpu/device.h"
#include "nntrain/run/gpu_runner.h"

CLI::App* setup_predict(CLI::App& app, PredictOptions& o) {
  CLI::App* sub = app.add_subcommand("predict", "Predict with a trained model: CSV in, CSV of predictions out");
  sub->add_option("MODEL", o.model, "model.bin written by 'nntrain fit'")->required()->type_name("FILE");
  sub->add_option("DATA", o.data, "CSV (or .csv.gz) with the model's feature columns; - reads stdin")
      ->required()
      ->type_name("FILE");
  sub->add_option("-o,--output", o.output, "write the predictions to FILE (atomically) instead of stdout; - = stdout")
      ->type_name("FILE");
  sub->add_option("--keep", o.keep, "copy column COL through as the first column(s); repeat or comma-separate")
      ->allow_extra_args(false)
      ->delimiter(',')
      ->type_name("COL");
  sub->add_option("--threads", o.threads, "OpenBLAS threads (default: all cores)")
      ->check(CLI::Range(1, 1024))
      ->type_name("N");
  add_device_option(sub, o.device);
  return sub;
}

namespace {

// Runs the network over `x` in chunks of its max_batch; out: [rows, out_features].
std::vector<float> predict_outputs(nntrain::Network& net, const nntrain::Dataset& d) {
  std::vector<float> out(d.rows * net.out_features());
  nntrain::Rng rng(0);  // eval mode: no dropout, the generator is never drawn from
  net.eval();
  for (size_t r0 = 0; r0 < d.rows; r0 += net.max_batch()) {
    const size_t n = std::min(net.max_batch(), d.rows - r0);
    const nntrain::ConstMatrix y = net.forward({d.x.data() + r0 * d.x_cols, n, d.x_cols}, rng);
    std::copy(y.data, y.data + n * y.cols, out.data() + r0 * y.cols);
  }
  return out;
}

}  // namespace

int run_predict(const PredictOptions& o) {
  using namespace nntrain;
  if (o.threads > 0) blas_set_threads(o.threads);
  require_device(o.device);
  const LoadedModel model = load_model(o.model);
  const Preprocessing& prep = model.meta.prep;
  const Dataset d = load_inference_data(o.data, prep, /*with_target=*/false, o.keep);

  const size_t max_batch = std::max<size_t>(1, std::min<size_t>(d.rows, 1024));
  std::unique_ptr<Network> net = build_network(model, max_batch);
  const size_t w = net->out_features();
  std::vector<float> out;
  if (o.device.empty() || o.device == "cpu") {
    out = predict_outputs(*net, d);
  } else {  // the forward on the GPU
    gpu::Device dev(o.device);
    out.resize(d.rows * w);
    gpu_forward(dev, *net, ConstMatrix(d.x.data(), d.rows, d.x_cols), Matrix{out.data(), d.rows, w});
  }

  std::string text;
  text.reserve(d.rows * (16 + 12 * w) + 64);
  // Header: kept columns, then the prediction columns.
  for (const std::string& k : o.keep) text += csv_field(k) + ",";
  switch (prep.task) {
    case Task::binary: text += "prediction,probability\n"; break;
    case Task::multiclass:
      text += "prediction";
      for (size_t c = 0; c < prep.classes.size(); ++c) text += "," + csv_field("p_" + class_label(prep, c));
      text += "\n";
      break;
    case Task::regression:
      for (size_t t = 0; t < prep.target.size(); ++t) text += (t ? "," : "") + csv_field(prep.target[t]);
      text += "\n";
      break;
  }
  for (size_t r = 0; r < d.rows; ++r) {
    for (size_t k = 0; k < d.kept.size(); ++k) text += csv_field(d.kept[k][r]) + ",";
    const float* y = out.data() + r * w;
    switch (prep.task) {
      case Task::binary:  // one sigmoid unit: the probability of the second class
        text += csv_field(class_label(prep, y[0] > 0.5f ? 1 : 0));
        text += ",";
        append_float(text, y[0]);
        break;
      case Task::multiclass: {  // softmax: argmax, first on ties (as torch.argmax)
        const size_t best = static_cast<size_t>(std::max_element(y, y + w) - y);
        text += csv_field(class_label(prep, best));
        for (size_t c = 0; c < w; ++c) text += ",", append_float(text, y[c]);
        break;
      }
      case Task::regression:
        for (size_t c = 0; c < w; ++c) {
          if (c) text += ",";
          append_float(text, y[c]);
        }
        break;
    }
    text += "\n";
  }
  write_output(o.output, text);
  return 0;
}
