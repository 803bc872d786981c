// Tests for model_file.h and safetensors.h: the byte layout, round trips, a PyTorch-made file
// (tests/fixtures/make_model_fixture.py), and hostile files: truncated at every length, every
// bit flipped, forged headers. Every bad file must be a ModelFileError saying what is wrong.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nntrain/core/error.h"
#include "nntrain/run/model_file.h"
#include "nntrain/core/network.h"
#include "nntrain/core/rng.h"
#include "nntrain/run/safetensors.h"
#include "safetensors_util.h"

using namespace nntrain;
using nlohmann::json;
using test_util::for_each_bit_flip;
using test_util::header_len;
using test_util::model_file_error;
using test_util::with_metadata;

namespace {

// A binary classifier 2 -> 3 (relu) -> 1 (sigmoid); weights chosen by hand.
ModelMeta tiny_meta() {
  ModelMeta m;
  m.architecture = {{3, "relu", 0.01, 0.0}, {1, "sigmoid", 0.01, 0.0}};
  m.loss.name = "bce";
  m.prep.task = Task::binary;
  m.prep.target = {"label"};
  m.prep.features = {"a", "b"};
  m.prep.mean = {0.5f, -1.0f};
  m.prep.scale = {2.0f, 0.25f};
  m.prep.classes = {"no", "yes"};
  m.nntrain_version = "0.1.0";
  return m;
}

std::vector<Tensor> tiny_tensors() {
  return {{"layers.0.weight", {3, 2}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f}},
          {"layers.0.bias", {3}, {0.01f, 0.02f, 0.03f}},
          {"layers.2.weight", {1, 3}, {1.5f, -2.5f, 3.5f}},
          {"layers.2.bias", {1}, {-0.125f}}};
}

std::string tiny_file() { return encode_model(tiny_tensors(), tiny_meta()); }

// A file with a hand-written header (no checksums) and `data` bytes.
std::string raw_file(const std::string& header, const std::string& data, uint64_t len_override = 0) {
  std::string out(8, '\0');
  const uint64_t n = len_override ? len_override : header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string floats_bytes(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.begin(), s.size());
  return s;
}

// The message of the ModelFileError that decoding `bytes` throws ("" when none is thrown).
std::string model_error(const std::string& bytes) {
  return model_file_error([&] { decode_model(bytes, "m.bin"); });
}

std::string container_error(const std::string& bytes) {
  try {
    safetensors_decode(bytes, "m.bin", false);
  } catch (const ModelFileError& e) {
    return e.message();
  }
  return "";
}

// Rewrites the header of a valid file through `edit`, then (unless told not to) recomputes the
// header checksum as safetensors.h defines it: crc32 of the sorted, whitespace-free JSON
// without the header_checksum entry.
template <class F>
std::string rebuilt(const std::string& good, F edit, bool fix_header_checksum = true) {
  const uint64_t n = header_len(good);
  json h = json::parse(good.substr(8, n));
  edit(h);
  if (fix_header_checksum && h["__metadata__"].contains("header_checksum")) {
    json c = h;
    c["__metadata__"].erase("header_checksum");
    h["__metadata__"]["header_checksum"] = crc32_text(c.dump());
  }
  std::string text = h.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return raw_file(text, good.substr(8 + n));
}

std::string write_temp(const std::string& name, const std::string& bytes) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream o(path, std::ios::binary);
  o << bytes;
  return path;
}

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(NNTRAIN_FIXTURES_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("crc32_text is zlib's CRC-32 (check value of \"123456789\")") {
  CHECK(crc32_text("123456789") == "crc32:cbf43926");
  CHECK(crc32_text("") == "crc32:00000000");
}

TEST_CASE("the byte layout is safetensors: u64 LE length, JSON padded to 8, LE float32 data") {
  const std::string b = tiny_file();
  const uint64_t n = header_len(b);
  CHECK(n % 8 == 0);
  REQUIRE(8 + n <= b.size());
  const std::string header = b.substr(8, n);
  const json h = json::parse(header);  // trailing spaces are whitespace
  CHECK(h["layers.0.weight"]["dtype"] == "F32");
  CHECK(h["layers.0.weight"]["shape"] == json::array({3, 2}));
  CHECK(h["layers.0.weight"]["data_offsets"] == json::array({0, 24}));
  CHECK(h["layers.0.bias"]["data_offsets"] == json::array({24, 36}));
  CHECK(h["layers.2.weight"]["data_offsets"] == json::array({36, 48}));
  CHECK(h["layers.2.bias"]["data_offsets"] == json::array({48, 52}));
  CHECK(b.size() == 8 + n + 52);
  // Data in state_dict order, little-endian IEEE float32: 0.1f is 0x3dcccccd.
  CHECK(static_cast<unsigned char>(b[8 + n + 0]) == 0xcd);
  CHECK(static_cast<unsigned char>(b[8 + n + 3]) == 0x3d);
  const json& md = h["__metadata__"];
  CHECK(md["format"] == "nntrain");
  CHECK(md["format_version"] == "1");
  CHECK(md["task"] == "binary");
  CHECK(json::parse(md["features"].get<std::string>()) == json::array({"a", "b"}));
  CHECK(json::parse(md["classes"].get<std::string>()) == json::array({"no", "yes"}));
  CHECK(json::parse(md["target"].get<std::string>()) == json::array({"label"}));
  const json st = json::parse(md["standardize"].get<std::string>());
  CHECK(st["mean"] == json::array({0.5, -1.0}));
  CHECK(st["scale"] == json::array({2.0, 0.25}));
  CHECK(json::parse(md["architecture"].get<std::string>())[0]["units"] == 3);
  CHECK(md["checksum"] == crc32_text(b.substr(8 + n)));
  // Every value of __metadata__ is a string (the format's rule).
  for (const auto& v : md) CHECK(v.is_string());
}

TEST_CASE("encode/decode round trip keeps tensors and metadata exactly; bytes are deterministic") {
  ModelMeta meta = tiny_meta();
  meta.loss.pos_weight = 3.0;
  meta.extra["note"] = "kept";
  const std::string b = encode_model(tiny_tensors(), meta);
  CHECK(b == encode_model(tiny_tensors(), meta));
  const LoadedModel m = decode_model(b, "m.bin");
  REQUIRE(m.tensors.size() == 4);
  const auto want = tiny_tensors();
  for (size_t i = 0; i < 4; ++i) {
    CHECK(m.tensors[i].name == want[i].name);
    CHECK(m.tensors[i].shape == want[i].shape);
    CHECK(m.tensors[i].data == want[i].data);
  }
  CHECK(m.meta.architecture.size() == 2);
  CHECK(m.meta.architecture[0].units == 3);
  CHECK(m.meta.architecture[0].activation == "relu");
  CHECK(m.meta.architecture[1].activation == "sigmoid");
  CHECK(m.meta.loss.name == "bce");
  CHECK(m.meta.loss.pos_weight.value() == 3.0);
  CHECK(m.meta.prep.task == Task::binary);
  CHECK(m.meta.prep.features == std::vector<std::string>{"a", "b"});
  CHECK(m.meta.prep.mean == std::vector<float>{0.5f, -1.0f});
  CHECK(m.meta.prep.scale == std::vector<float>{2.0f, 0.25f});
  CHECK(m.meta.prep.classes == std::vector<std::string>{"no", "yes"});
  CHECK(m.meta.nntrain_version == "0.1.0");
  CHECK(m.meta.extra.at("note") == "kept");
  CHECK(m.meta.extra.count("checksum") == 0);
}

TEST_CASE("awkward floats, categorical columns and multiclass metadata survive exactly") {
  ModelMeta meta;
  meta.architecture = {{3, "softmax", 0.01, 0.0}};
  meta.loss.name = "cross_entropy";
  meta.loss.class_weights = {{"b\"q", 2.5}};
  meta.prep.task = Task::multiclass;
  meta.prep.target = {"y"};
  meta.prep.features = {"x", "colour"};
  meta.prep.categorical = {{"colour", {"blue", "gr\xc3\xbcn", "red"}}};
  meta.prep.unknown_category = "ignore";
  meta.prep.mean = {5.843333530426025f, 1.17549435e-38f, 0.f, 3.4028234e38f};
  meta.prep.scale = {0.825301f, 1.f, 1.f, 1e-30f};
  meta.prep.classes = {"1", "2", "10"};
  meta.prep.classes_numeric = true;
  const std::vector<Tensor> t = {{"layers.0.weight", {3, 4}, std::vector<float>(12, -0.0f)},
                                 {"layers.0.bias", {3}, {1e-45f, -3.4028235e38f, 0.3f}}};
  const LoadedModel m = decode_model(encode_model(t, meta), "m");
  CHECK(m.meta.prep.mean == meta.prep.mean);
  CHECK(m.meta.prep.scale == meta.prep.scale);
  REQUIRE(m.meta.prep.categorical.size() == 1);
  CHECK(m.meta.prep.categorical[0].categories == meta.prep.categorical[0].categories);
  CHECK(m.meta.prep.unknown_category == "ignore");
  CHECK(m.meta.prep.classes == meta.prep.classes);
  CHECK(m.meta.prep.classes_numeric);
  CHECK(m.meta.loss.class_weights == meta.loss.class_weights);
  CHECK(std::memcmp(m.tensors[1].data.data(), t[1].data.data(), 12) == 0);
  CHECK(std::signbit(m.tensors[0].data[0]));
}

TEST_CASE("a file truncated at any length is a ModelFileError saying truncated") {
  const std::string b = tiny_file();
  for (size_t n = 0; n < b.size(); ++n) {
    const std::string msg = model_error(b.substr(0, n));
    CAPTURE(n);
    CHECK(msg.find("truncated") != std::string::npos);
  }
  CHECK(model_error(b) == "");
}

TEST_CASE("any single flipped bit is detected") {
  const std::string b = tiny_file();
  for_each_bit_flip(b, [](const std::string& c) { CHECK(model_error(c) != ""); });
}

TEST_CASE("trailing bytes after the last tensor are rejected") {
  CHECK(model_error(tiny_file() + "x").find("belong to no tensor") != std::string::npos);
}

TEST_CASE("hostile headers are refused with a message saying what is wrong") {
  const std::string d8 = floats_bytes({1.f, 2.f});
  auto tensor = [](const std::string& dtype, const std::string& shape, const std::string& offs) {
    return "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offs + "}}";
  };
  CHECK(container_error(raw_file(tensor("F32", "[2]", "[0,8]"), d8)) == "");
  SUBCASE("huge header length") {
    CHECK(container_error(raw_file("{}", "", uint64_t{1} << 62)).find("100 MiB") != std::string::npos);
    CHECK(container_error(raw_file("{}", "", 4000)).find("truncated") != std::string::npos);
  }
  SUBCASE("not JSON, not an object, too deep") {
    CHECK(container_error(raw_file("{\"t\":", "")).find("not valid JSON") != std::string::npos);
    CHECK(container_error(raw_file("[1,2]   ", "")).find("not an object") != std::string::npos);
    CHECK(container_error(raw_file(std::string(5000, '[') + std::string(5000, ']'), "")).find("nested") !=
          std::string::npos);
    CHECK(container_error(raw_file("{\"__metadata__\":{\"a\":1}}", "")).find("not a string") != std::string::npos);
  }
  SUBCASE("offsets past the end, overlapping, with a gap, backwards, not matching the shape") {
    CHECK(container_error(raw_file(tensor("F32", "[2]", "[0,8]"), d8.substr(0, 4))).find("truncated") !=
          std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[4]", "[0,16]"), d8)).find("truncated") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[1]", "[4,8]"), d8)).find("gap") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[1]", "[8,4]"), d8)).find("end before") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[1]", "[0,8]"), d8)).find("needs 4") != std::string::npos);
    const std::string two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                            "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    CHECK(container_error(raw_file(two, d8)).find("overlaps") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[1]", "[0,4]"), d8)).find("belong to no tensor") !=
          std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[2]", "[0,-8]"), d8)).find("non-negative") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[2]", "[0,8,9]"), d8)).find("pair") != std::string::npos);
  }
  SUBCASE("wrong dtype, negative, fractional and overflowing shapes") {
    CHECK(container_error(raw_file(tensor("F16", "[4]", "[0,8]"), d8)).find("dtype F16") != std::string::npos);
    CHECK(container_error(raw_file(tensor("BF16", "[4]", "[0,8]"), d8)).find("dtype BF16") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[-2]", "[0,8]"), d8)).find("negative") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[2.0]", "[0,8]"), d8)).find("non-integer") != std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[4294967296,4294967296,16]", "[0,8]"), d8)).find("overflows") !=
          std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[4611686018427387904]", "[0,8]"), d8)).find("overflows") !=
          std::string::npos);
    CHECK(container_error(raw_file(tensor("F32", "[99999999999999999999999]", "[0,8]"), d8)).find("non-integer") !=
          std::string::npos);
    CHECK(container_error(raw_file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", d8))
              .find("unknown field") != std::string::npos);
  }
  SUBCASE("checksums") {
    const std::string good = tiny_file();
    std::string bad = good;
    bad.back() = static_cast<char>(bad.back() ^ 0x40);
    CHECK(model_error(bad).find("data checksum mismatch") != std::string::npos);
    CHECK(model_error(rebuilt(good, [](json& h) { h["__metadata__"].erase("checksum"); })).find("lacks 'checksum'") !=
          std::string::npos);
    CHECK(model_error(rebuilt(good, [](json& h) { h["__metadata__"].erase("header_checksum"); }))
              .find("lacks 'header_checksum'") != std::string::npos);
    CHECK(model_error(rebuilt(good, [](json& h) { h["__metadata__"]["task"] = "regression"; }, false))
              .find("header checksum mismatch") != std::string::npos);
    // The same edit with the header checksum recomputed by this test's own reading of the rule
    // passes the checksum and is caught by the metadata check instead.
    CHECK(model_error(rebuilt(good, [](json& h) { h["__metadata__"]["task"] = "regression"; }))
              .find("does not go with loss bce") != std::string::npos);
    CHECK(model_error(with_metadata(good, "format", "")).find("not an nntrain model") != std::string::npos);
  }
}

TEST_CASE("nntrain metadata is checked against the tensors") {
  const std::string good = tiny_file();
  CHECK(model_error(with_metadata(good, "format_version", "2")).find("unsupported format_version '2'") !=
        std::string::npos);
  CHECK(model_error(with_metadata(good, "architecture", "[{\"units\":3,\"activation\":\"relu\"},"
                                                        "{\"units\":2,\"activation\":\"sigmoid\"}]"))
            .find("last layer has 2 units") != std::string::npos);
  CHECK(model_error(with_metadata(good, "architecture", "[{\"units\":4,\"activation\":\"relu\"},"
                                                        "{\"units\":1,\"activation\":\"sigmoid\"}]"))
            .find("has shape [3, 2] but the architecture needs [4, 2]") != std::string::npos);
  CHECK(model_error(with_metadata(good, "architecture", "[{\"units\":3,\"activation\":\"relu\",\"dropout\":0.5},"
                                                        "{\"units\":1,\"activation\":\"sigmoid\"}]"))
            .find("missing tensor 'layers.3.weight'") != std::string::npos);
  CHECK(model_error(with_metadata(good, "architecture", "[{\"units\":3,\"activation\":\"swish\"}]"))
            .find("no known activation") != std::string::npos);
  CHECK(model_error(with_metadata(good, "architecture", "not json")).find("'architecture' is not valid JSON") !=
        std::string::npos);
  CHECK(model_error(with_metadata(good, "features", "[\"a\"]")).find("encode to 1") != std::string::npos);
  CHECK(model_error(with_metadata(good, "task", "multiclass")).find("does not go with loss bce") != std::string::npos);
  CHECK(model_error(with_metadata(good, "classes", "[\"a\",\"b\",\"c\"]")).find("2 classes") != std::string::npos);
  CHECK(model_error(with_metadata(good, "standardize", "{\"enabled\":true,\"mean\":[0,0],\"scale\":[1,0]}"))
            .find("not positive") != std::string::npos);
  CHECK(model_error(with_metadata(good, "loss", "")).find("lacks 'loss'") != std::string::npos);
  // An extra tensor the architecture does not have.
  SafetensorsFile f = safetensors_decode(good, "good", true);
  std::vector<RawTensorOut> out;
  for (const auto& t : f.tensors) out.push_back({t.name, t.dtype, t.shape, t.bytes});
  const std::string extra = floats_bytes({1.f});
  out.push_back({"layers.9.bias", DType::F32, {1}, extra});
  CHECK(model_error(safetensors_encode(out, f.metadata)).find("unexpected tensor 'layers.9.bias'") !=
        std::string::npos);
  out.pop_back();
  out[3].dtype = DType::I32;
  CHECK(model_error(safetensors_encode(out, f.metadata)).find("is I32, expected F32") != std::string::npos);
}

TEST_CASE("load_model on a missing file is a ModelFileError") {
  CHECK_THROWS_AS(load_model("/nonexistent/model.bin"), ModelFileError);
  try {
    load_model(std::filesystem::temp_directory_path().string());
    FAIL("a directory loaded");
  } catch (const ModelFileError& e) {
    CHECK(e.message().find("is a directory") != std::string::npos);
  }
}

TEST_CASE("encode_model(net) writes the network's parameters; build_network restores them") {
  ModelMeta meta = tiny_meta();
  Network net(meta.architecture, 2, 4);
  Rng rng(3);
  net.init("auto", rng);
  const std::string b = encode_model(net, meta);
  CHECK(b == encode_model(net, meta));
  const LoadedModel m = decode_model(b, "m");
  auto net2 = build_network(m, 4);
  REQUIRE(net2->num_params() == net.num_params());
  CHECK(std::memcmp(net2->params(), net.params(), net.num_params() * sizeof(float)) == 0);
  CHECK(encode_model(*net2, meta) == b);
}

TEST_CASE("load_weights_into reads a safetensors file written from PyTorch (fixture)") {
  const json want = json::parse(read_fixture("torch_sequential.json"));
  std::vector<LayerSpec> layers = {{5, "tanh", 0.01, 0.1}, {3, "identity", 0.01, 0.0}};
  Network net(layers, 4, 2);
  load_weights_into(net, std::string(NNTRAIN_FIXTURES_DIR) + "/torch_sequential.safetensors");
  for (const auto& p : net.parameters()) {
    const auto& v = want["params"][p.name];
    REQUIRE(v.size() == p.size);
    for (size_t i = 0; i < p.size; ++i) CHECK(net.params()[p.offset + i] == v[i].get<float>());
  }
  std::vector<float> x;
  for (const auto& row : want["x"])
    for (const auto& v : row) x.push_back(v.get<float>());
  net.eval();
  Rng rng(1);
  ConstMatrix y = net.forward({x.data(), 2, 4}, rng);
  for (size_t r = 0; r < 2; ++r)
    for (size_t c = 0; c < 3; ++c) CHECK(y.at(r, c) == doctest::Approx(want["y"][r][c].get<double>()).epsilon(1e-5));
}

TEST_CASE("load_weights_into refuses missing, misshapen, extra and non-F32 tensors") {
  const std::string path = std::string(NNTRAIN_FIXTURES_DIR) + "/torch_sequential.safetensors";
  auto err = [&](const std::vector<LayerSpec>& layers, size_t in) {
    Network net(layers, in, 1);
    try {
      load_weights_into(net, path);
    } catch (const ModelFileError& e) {
      return e.message();
    }
    return std::string();
  };
  CHECK(err({{5, "tanh", 0.01, 0.0}, {3, "identity", 0.01, 0.0}}, 4).find("no tensor 'layers.2.weight'") !=
        std::string::npos);
  CHECK(err({{5, "tanh", 0.01, 0.1}, {3, "identity", 0.01, 0.0}}, 5).find("has shape [5, 4]") != std::string::npos);
  CHECK(err({{5, "tanh", 0.01, 0.1}, {3, "identity", 0.01, 0.1}, {1, "identity", 0.01, 0.0}}, 4).find("no tensor") !=
        std::string::npos);
  Network net({{2, "identity", 0.01, 0.0}}, 1, 1);
  auto err_file = [&](const std::string& bytes) {
    const std::string tmp = write_temp("nntrain-test-init-from.safetensors", bytes);
    std::string msg;
    try {
      load_weights_into(net, tmp);
    } catch (const ModelFileError& e) {
      msg = e.message();
    }
    std::remove(tmp.c_str());
    return msg;
  };
  const std::string d(16, '\0');
  const std::string_view d8 = std::string_view(d).substr(0, 8);
  CHECK(err_file(safetensors_encode({{"layers.0.weight", DType::F64, {2, 1}, d}, {"layers.0.bias", DType::F32, {2}, d8}},
                                    {}))
            .find("is F64, expected F32") != std::string::npos);
  CHECK(err_file(safetensors_encode({{"layers.0.weight", DType::F32, {2, 1}, d8},
                                     {"layers.0.bias", DType::F32, {2}, d8},
                                     {"layers.2.bias", DType::F32, {2}, d8}},
                                    {}))
            .find("tensor 'layers.2.bias' that the network does not have") != std::string::npos);
  CHECK(err_file(safetensors_encode({{"layers.0.weight", DType::F32, {2, 1}, d8}, {"layers.0.bias", DType::F32, {2}, d8}},
                                    {})) == "");
  CHECK(err_file("garbage").find("truncated") != std::string::npos);
}
