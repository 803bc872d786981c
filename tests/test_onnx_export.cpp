// Tests for onnx_export.h: the graph built for each kind of model (operators in order, the
// stored weights and standardization bit for bit, inputs, outputs, opsets, metadata) and the
// file-level promises (same bytes twice, exit 4 for a bad model file).
// That the graphs compute what predict computes is tests/e2e/onnx_runtime_check.sh's job.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nntrain/core/error.h"
#include "nntrain/core/network.h"
#include "nntrain/core/rng.h"
#include "nntrain/export/onnx_export.h"
#include "nntrain/run/model_file.h"
#include "test_util.h"

using namespace nntrain;
using test_util::error_of;
using test_util::layer;

namespace {

// A model file's content for `layers` over `prep`, weights drawn from a fixed seed, read back
// through decode_model as export reads it.
LoadedModel make_model(const std::vector<LayerSpec>& layers, const Preprocessing& prep, const std::string& loss) {
  ModelMeta meta;
  meta.architecture = layers;
  meta.loss.name = loss;
  meta.prep = prep;
  meta.nntrain_version = "0.1.0";
  Network net(layers, prep.input_width(), 1);
  Rng rng(7);
  net.init("xavier", rng);
  return decode_model(encode_model(net, meta), "test.bin");
}

Preprocessing numeric_prep(Task task, std::vector<std::string> classes, bool standardize = true) {
  Preprocessing p;
  p.task = task;
  p.target = {"y"};
  p.features = {"a", "b", "c"};
  p.standardize = standardize;
  p.mean = standardize ? std::vector<float>{0.5f, -1.25f, 3.0f} : std::vector<float>{0, 0, 0};
  p.scale = standardize ? std::vector<float>{2.0f, 0.1f, 1.0f} : std::vector<float>{1, 1, 1};
  p.classes = std::move(classes);
  return p;
}

// Features a, color (categorical: blue, red), b, size (categorical: L, M, S): widths 1+2+1+3.
Preprocessing categorical_prep(const std::string& unknown) {
  Preprocessing p;
  p.task = Task::regression;
  p.target = {"y"};
  p.features = {"a", "color", "b", "size"};
  p.categorical = {{"color", {"blue", "red"}}, {"size", {"L", "M", "S"}}};
  p.unknown_category = unknown;
  p.mean = {1, 0, 0, 2, 0, 0, 0};
  p.scale = {3, 1, 1, 4, 1, 1, 1};
  return p;
}

OnnxModel graph_of(const LoadedModel& m, int opset = 17, std::vector<std::string>* warnings = nullptr) {
  return onnx_from_model(m, "crc32:01234567", {opset}, warnings);
}

std::vector<std::string> op_types(const OnnxModel& m) {
  std::vector<std::string> ops;
  for (const auto& n : m.graph.nodes) ops.push_back(n.op_type);
  return ops;
}

const OnnxTensor& initializer(const OnnxModel& m, const std::string& name) {
  for (const auto& t : m.graph.initializers)
    if (t.name == name) return t;
  FAIL("no initializer " << name);
  throw 0;
}

const OnnxNode& node(const OnnxModel& m, const std::string& output) {
  for (const auto& n : m.graph.nodes)
    if (n.outputs[0] == output) return n;
  FAIL("no node giving " << output);
  throw 0;
}

std::string metadata(const OnnxModel& m, const std::string& key) {
  for (const auto& [k, v] : m.metadata)
    if (k == key) return v;
  return "(absent)";
}

std::string raw_floats(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());  // little-endian host (x86-64, aarch64)
  return s;
}

std::string shape(const OnnxValueInfo& v) {
  std::string s;
  for (const auto& d : v.shape) s += (s.empty() ? "" : ",") + (d.param.empty() ? std::to_string(d.value) : d.param);
  return v.name + "[" + s + "]";
}

}  // namespace

TEST_CASE("multiclass on numeric features: Sub, Div, Gemm per layer, activations, ArgMax, Gather") {
  const LoadedModel lm = make_model({layer(4, "relu"), layer(3, "softmax")},
                                    numeric_prep(Task::multiclass, {"setosa", "versicolor", "virginica"}), "cross_entropy");
  const OnnxModel m = graph_of(lm);
  CHECK(m.ir_version == 8);
  REQUIRE(m.opsets.size() == 1);  // no ai.onnx.ml without categorical columns
  CHECK(m.opsets[0] == std::pair<std::string, int64_t>{"", 17});
  CHECK(m.producer_name == "nntrain");
  CHECK(op_types(m) == std::vector<std::string>{"Sub", "Div", "Gemm", "Relu", "Gemm", "Softmax", "ArgMax", "Gather"});
  REQUIRE(m.graph.inputs.size() == 1);
  CHECK(shape(m.graph.inputs[0]) == "input[N,3]");
  CHECK(m.graph.inputs[0].type == OnnxType::float32);
  REQUIRE(m.graph.outputs.size() == 2);
  CHECK(shape(m.graph.outputs[0]) == "label[N]");
  CHECK(m.graph.outputs[0].type == OnnxType::string);
  CHECK(shape(m.graph.outputs[1]) == "probabilities[N,3]");
  // The stored values exactly: standardization and weights as model.bin holds them.
  CHECK(initializer(m, "standardize.mean").raw == raw_floats(lm.meta.prep.mean));
  CHECK(initializer(m, "standardize.scale").raw == raw_floats(lm.meta.prep.scale));
  for (const auto& t : lm.tensors) {
    const OnnxTensor& o = initializer(m, t.name);
    CHECK(o.raw == raw_floats(t.data));
    CHECK(o.dims == std::vector<int64_t>(t.shape.begin(), t.shape.end()));  // [out, in] as stored
  }
  CHECK(node(m, "layers.0.out").attributes.at(0).name == "transB");
  CHECK(initializer(m, "label.classes").strings == lm.meta.prep.classes);
  CHECK(metadata(m, "classes") == "[\"setosa\",\"versicolor\",\"virginica\"]");
  CHECK(metadata(m, "label_type") == "string");
  CHECK(metadata(m, "source_checksum") == "crc32:01234567");
  CHECK(metadata(m, "numeric_features") == "[\"a\",\"b\",\"c\"]");
  CHECK(m.doc_string.find("'probabilities' float32 [N, 3]") != std::string::npos);
}

TEST_CASE("opset 13 is IR 7; other opsets are a usage error") {
  const LoadedModel lm = make_model({layer(2, "tanh"), layer(1, "identity")}, numeric_prep(Task::regression, {}), "mse");
  const OnnxModel m = graph_of(lm, 13);
  CHECK(m.ir_version == 7);
  CHECK(m.opsets[0].second == 13);
  CHECK(error_of([&] { graph_of(lm, 15); }) == "2 --opset 15 is not supported (expected 13 or 17)");
}

TEST_CASE("regression without standardization: no Sub/Div, the last Gemm is the prediction") {
  Preprocessing p = numeric_prep(Task::regression, {}, false);
  p.target = {"y1", "y2"};
  const LoadedModel lm = make_model({layer(5, "sigmoid"), layer(2, "identity")}, p, "mse");
  const OnnxModel m = graph_of(lm);
  CHECK(op_types(m) == std::vector<std::string>{"Gemm", "Sigmoid", "Gemm"});
  CHECK(node(m, "prediction").inputs.at(0) == "layers.1.out");
  REQUIRE(m.graph.outputs.size() == 1);
  CHECK(shape(m.graph.outputs[0]) == "prediction[N,2]");
  CHECK(metadata(m, "classes") == "(absent)");
}

TEST_CASE("gelu as the exact erf form, leaky_relu's slope, dropout left out of the indices' graph") {
  const LoadedModel lm = make_model({layer(4, "gelu", 0.2), layer(4, "leaky_relu", 0, 0.2), layer(1, "identity")},
                                    numeric_prep(Task::regression, {}), "mse");
  const OnnxModel m = graph_of(lm);
  CHECK(op_types(m) == std::vector<std::string>{"Sub", "Div", "Gemm", "Div", "Erf", "Add", "Mul", "Mul", "Gemm",
                                                "LeakyRelu", "Gemm"});
  // nn.Sequential indices: 0 Linear, 1 GELU, 2 Dropout, 3 Linear, 4 LeakyReLU, 5 Linear.
  CHECK(node(m, "layers.3.out").inputs == std::vector<std::string>{"layers.1.out", "layers.3.weight", "layers.3.bias"});
  CHECK(node(m, "prediction").inputs.at(1) == "layers.5.weight");
  CHECK(node(m, "layers.1.div").inputs == std::vector<std::string>{"layers.0.out", "const.sqrt2"});
  CHECK(node(m, "layers.1.mul").inputs == std::vector<std::string>{"layers.0.out", "layers.1.add"});
  CHECK(node(m, "layers.1.out").inputs == std::vector<std::string>{"layers.1.mul", "const.half"});
  float sqrt2;
  std::memcpy(&sqrt2, initializer(m, "const.sqrt2").raw.data(), 4);
  CHECK(sqrt2 == static_cast<float>(std::sqrt(2.0)));
  const OnnxAttribute& alpha = node(m, "layers.4.out").attributes.at(0);
  CHECK(alpha.name == "alpha");
  CHECK(alpha.f == 0.2f);
}

TEST_CASE("binary: [1 - p, p], and labels int64 only when every class is an integer as written") {
  auto labels_of = [](std::vector<std::string> classes, bool numeric) {
    Preprocessing p = numeric_prep(Task::binary, std::move(classes));
    p.classes_numeric = numeric;
    const OnnxModel m = graph_of(make_model({layer(3, "relu"), layer(1, "sigmoid")}, p, "bce"));
    CHECK(op_types(m) ==
          std::vector<std::string>{"Sub", "Div", "Gemm", "Relu", "Gemm", "Sigmoid", "Sub", "Concat", "ArgMax", "Gather"});
    CHECK(node(m, "probabilities.p0").inputs == std::vector<std::string>{"const.one", "probabilities.p1"});
    CHECK(node(m, "probabilities").inputs == std::vector<std::string>{"probabilities.p0", "probabilities.p1"});
    CHECK(shape(m.graph.outputs.at(1)) == "probabilities[N,2]");
    return m;
  };
  const OnnxModel ints = labels_of({"-3", "7"}, true);
  CHECK(ints.graph.outputs[0].type == OnnxType::int64);
  CHECK(initializer(ints, "label.classes").raw.size() == 16);
  CHECK(metadata(ints, "label_type") == "int64");
  for (const auto& classes : {std::vector<std::string>{"0.5", "1"}, {"01", "2"}, {"+1", "2"}, {"1.0", "2.0"}})
    CHECK(labels_of(classes, true).graph.outputs[0].type == OnnxType::string);
  CHECK(labels_of({"no", "yes"}, false).graph.outputs[0].type == OnnxType::string);
}

TEST_CASE("categorical columns: one string input each, OneHotEncoder + Reshape, Concat, Gather into feature order") {
  std::vector<std::string> warnings;
  const OnnxModel m = graph_of(make_model({layer(2, "tanh"), layer(1, "identity")}, categorical_prep("ignore"), "mse"), 17, &warnings);
  CHECK(warnings.empty());
  CHECK(m.opsets == std::vector<std::pair<std::string, int64_t>>{{"", 17}, {"ai.onnx.ml", 1}});
  REQUIRE(m.graph.inputs.size() == 3);
  CHECK(shape(m.graph.inputs[0]) == "input[N,2]");
  CHECK(shape(m.graph.inputs[1]) == "color[N,1]");
  CHECK(m.graph.inputs[1].type == OnnxType::string);
  CHECK(shape(m.graph.inputs[2]) == "size[N,1]");
  CHECK(op_types(m) == std::vector<std::string>{"OneHotEncoder", "Reshape", "OneHotEncoder", "Reshape", "Concat", "Gather",
                                                "Sub", "Div", "Gemm", "Tanh", "Gemm"});
  const OnnxNode& enc = node(m, "onehot.size");
  CHECK(enc.domain == "ai.onnx.ml");
  CHECK(enc.attributes.at(0).strings == std::vector<std::string>{"L", "M", "S"});
  CHECK(enc.attributes.at(1).name == "zeros");
  CHECK(enc.attributes.at(1).i == 1);  // an unseen category: all zeros, as predict under ignore
  REQUIRE(m.graph.value_info.size() == 2);  // onnx 1.12 cannot infer OneHotEncoder's output
  CHECK(shape(m.graph.value_info[1]) == "onehot.size[N,1,3]");
  CHECK(node(m, "features.concat").inputs == std::vector<std::string>{"input", "onehot.color.2d", "onehot.size.2d"});
  // concatenation: a b | blue red | L M S  ->  feature order: a blue red b L M S
  const OnnxTensor& order = initializer(m, "features.order");
  std::vector<int64_t> idx(order.raw.size() / 8);
  std::memcpy(idx.data(), order.raw.data(), order.raw.size());
  CHECK(idx == std::vector<int64_t>{0, 2, 3, 1, 4, 5, 6});
  CHECK(metadata(m, "categorical_inputs") ==
        R"([{"input":"color","column":"color","categories":["blue","red"]},{"input":"size","column":"size","categories":["L","M","S"]}])");
  CHECK(m.doc_string.find("cannot raise") == std::string::npos);
}

TEST_CASE("a model trained with unknown_category: error exports with a warning and says so in doc_string") {
  std::vector<std::string> warnings;
  const OnnxModel m = graph_of(make_model({layer(1, "identity")}, categorical_prep("error"), "mse"), 17, &warnings);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("unknown_category: error") != std::string::npos);
  CHECK(m.doc_string.find("cannot raise") != std::string::npos);
}

TEST_CASE("categorical input names: C identifiers, unique, never an output's or input's name") {
  CHECK(onnx_identifier("color") == "color");
  CHECK(onnx_identifier("zip code") == "zip_code");
  CHECK(onnx_identifier("2nd-choice") == "_2nd_choice");
  CHECK(onnx_identifier("") == "_");
  CHECK(onnx_identifier("caf\xc3\xa9") == "caf__");
  Preprocessing p;
  p.task = Task::regression;
  p.target = {"y"};
  p.features = {"input", "a b", "a-b", "label"};
  p.categorical = {{"input", {"x"}}, {"a b", {"x"}}, {"a-b", {"x"}}, {"label", {"x"}}};
  p.mean = {0, 0, 0, 0};
  p.scale = {1, 1, 1, 1};
  const OnnxModel m = graph_of(make_model({layer(1, "identity")}, p, "mse"));
  std::vector<std::string> names;
  for (const auto& in : m.graph.inputs) names.push_back(in.name);
  CHECK(names == std::vector<std::string>{"input_2", "a_b", "a_b_2", "label_2"});  // no numeric features: no `input`
  const std::vector<std::string> ops = op_types(m);
  CHECK(ops.at(8) == "Concat");
  CHECK(std::count(ops.begin(), ops.end(), "Gather") == 0);  // already in feature order
}

TEST_CASE("export_onnx: reads and verifies the file, same bytes every time, exit 4 for a bad file") {
  const auto dir = std::filesystem::temp_directory_path() / "nntrain_test_onnx_export";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "model.bin").string();
  ModelMeta meta;
  meta.architecture = {layer(3, "relu"), layer(1, "sigmoid")};
  meta.loss.name = "bce";
  meta.prep = numeric_prep(Task::binary, {"0", "1"});
  meta.prep.classes_numeric = true;
  meta.nntrain_version = "0.1.0";
  Network net(meta.architecture, 3, 1);
  Rng rng(3);
  net.init("auto", rng);
  save_model(path, net, meta);

  const OnnxExport a = export_onnx(path, {});
  const OnnxExport b = export_onnx(path, {});
  CHECK(a.bytes == b.bytes);
  CHECK(a.warnings.empty());
  CHECK(a.bytes.find("crc32:") != std::string::npos);  // the source checksum, in metadata_props
  CHECK(export_onnx(path, {13}).bytes != a.bytes);

  std::string file;
  {
    std::ifstream f(path, std::ios::binary);
    file.assign(std::istreambuf_iterator<char>(f), {});
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(file.data(), static_cast<std::streamsize>(file.size() - 5));
  CHECK(error_of([&] { export_onnx(path, {}); }).rfind("4 ", 0) == 0);
  CHECK(error_of([&] { export_onnx((dir / "missing.bin").string(), {}); }).rfind("4 ", 0) == 0);
  std::filesystem::remove_all(dir);
}
