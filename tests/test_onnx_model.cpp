// Tests for onnx_model.h: each ONNX message nntrain writes, byte for byte against Python's onnx
// (protobuf's own serialiser) building the same content: tests/fixtures/onnx_messages.json,
// made by tests/fixtures/make_onnx_fixtures.py.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "nntrain/export/onnx_model.h"

using namespace nntrain;

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) s += {digits[c >> 4], digits[c & 15]};
  return s;
}

const nlohmann::json& reference() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(NNTRAIN_FIXTURES_DIR) + "/onnx_messages.json");
    REQUIRE(f.good());
    return nlohmann::json::parse(f);
  }();
  return j;
}

std::string want(const char* key) {
  REQUIRE(reference().contains(key));
  return reference()[key].get<std::string>();
}

}  // namespace

TEST_CASE("attributes: float, negative int, ints, strings as onnx writes them") {
  CHECK(hex(encode_attribute(attr_float("alpha", 0.1f))) == want("attr_float"));
  CHECK(hex(encode_attribute(attr_int("axis", -1))) == want("attr_int_negative"));
  CHECK(hex(encode_attribute(attr_ints("perm", {0, 300, -2}))) == want("attr_ints"));
  CHECK(hex(encode_attribute(attr_strings("cats_strings", {"blue", "red"}))) == want("attr_strings"));
}

TEST_CASE("tensors: float32 and int64 as raw little-endian bytes, strings as string_data") {
  float denormal;
  const uint32_t bits = 0x0020aac8;  // 3e-39f, as struct.pack('<f', 3e-39) gives it
  std::memcpy(&denormal, &bits, 4);
  const float w[4] = {1.0f, -2.5f, 0.1f, denormal};
  CHECK(hex(encode_tensor(tensor_float("w", {2, 2}, w))) == want("tensor_float"));
  CHECK(hex(encode_tensor(tensor_int64("shape", {2}, {0, -1}))) == want("tensor_int64"));
  CHECK(hex(encode_tensor(tensor_strings("classes", {2}, {"no", "ja\xcc\x88"}))) == want("tensor_strings"));
}

TEST_CASE("value_info with a symbolic batch dimension, and nodes with attributes and a domain") {
  CHECK(hex(encode_value_info({"input", OnnxType::float32, {{0, "N"}, {4, ""}}, "raw features"})) == want("value_info"));
  CHECK(hex(encode_node({"Gemm", "", "y", {"x", "w", "b"}, {"y"}, {attr_int("transB", 1)}})) == want("node_gemm"));
  CHECK(hex(encode_node({"OneHotEncoder", "ai.onnx.ml", "o", {"c"}, {"o"},
                         {attr_strings("cats_strings", {"a", "b"}), attr_int("zeros", 1)}})) == want("node_ml"));
}

TEST_CASE("a whole model: header fields, graph, opsets, metadata in field order") {
  OnnxModel m;
  m.ir_version = 8;
  m.producer_name = "nntrain";
  m.producer_version = "0.1.0";
  m.doc_string = "d";
  m.opsets = {{"", 17}, {"ai.onnx.ml", 1}};
  m.graph.name = "nntrain";
  m.graph.nodes.push_back({"Relu", "", "y", {"x"}, {"y"}, {}});
  const float half = 0.5f;
  m.graph.initializers.push_back(tensor_float("c", {}, &half));
  m.graph.inputs.push_back({"x", OnnxType::float32, {{0, "N"}, {2, ""}}, ""});
  m.graph.outputs.push_back({"y", OnnxType::float32, {{0, "N"}, {2, ""}}, ""});
  m.metadata = {{"task", "binary"}, {"classes", "[\"no\",\"yes\"]"}};
  CHECK(hex(encode_onnx(m)) == want("model"));
  CHECK(encode_onnx(m) == encode_onnx(m));
}
