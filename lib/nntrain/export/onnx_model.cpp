// ONNX messages to protobuf bytes; see onnx_model.h. Field numbers are onnx.proto's (onnx 1.12,
// the same in every release since IR 7): a comment names each.
#include "nntrain/export/onnx_model.h"

#include "nntrain/export/protobuf_writer.h"

namespace nntrain {

OnnxAttribute attr_float(std::string name, float v) {
  OnnxAttribute a;
  a.name = std::move(name);
  a.kind = OnnxAttribute::Kind::float_;
  a.f = v;
  return a;
}
OnnxAttribute attr_int(std::string name, int64_t v) {
  OnnxAttribute a;
  a.name = std::move(name);
  a.kind = OnnxAttribute::Kind::int_;
  a.i = v;
  return a;
}
OnnxAttribute attr_ints(std::string name, std::vector<int64_t> v) {
  OnnxAttribute a;
  a.name = std::move(name);
  a.kind = OnnxAttribute::Kind::ints;
  a.ints = std::move(v);
  return a;
}
OnnxAttribute attr_strings(std::string name, std::vector<std::string> v) {
  OnnxAttribute a;
  a.name = std::move(name);
  a.kind = OnnxAttribute::Kind::strings;
  a.strings = std::move(v);
  return a;
}

OnnxTensor tensor_float(std::string name, std::vector<int64_t> dims, const float* data) {
  OnnxTensor t;
  t.name = std::move(name);
  t.type = OnnxType::float32;
  t.dims = std::move(dims);
  int64_t n = 1;
  for (int64_t d : t.dims) n *= d;
  for (int64_t k = 0; k < n; ++k) append_float_le(t.raw, data[k]);
  return t;
}

OnnxTensor tensor_int64(std::string name, std::vector<int64_t> dims, const std::vector<int64_t>& data) {
  OnnxTensor t;
  t.name = std::move(name);
  t.type = OnnxType::int64;
  t.dims = std::move(dims);
  for (int64_t v : data) append_int64_le(t.raw, v);
  return t;
}

OnnxTensor tensor_strings(std::string name, std::vector<int64_t> dims, std::vector<std::string> data) {
  OnnxTensor t;
  t.name = std::move(name);
  t.type = OnnxType::string;
  t.dims = std::move(dims);
  t.strings = std::move(data);
  return t;
}

namespace {

ProtoWriter attribute_proto(const OnnxAttribute& a) {
  ProtoWriter w;
  w.add_bytes(1, a.name);  // name
  using K = OnnxAttribute::Kind;
  if (a.kind == K::float_) w.add_float(2, a.f);  // f
  if (a.kind == K::int_) w.add_varint(3, a.i);   // i
  if (a.kind == K::string_) w.add_bytes(4, a.s);  // s
  for (int64_t v : a.ints) w.add_varint(8, v);          // ints (not packed in onnx.proto)
  for (const auto& s : a.strings) w.add_bytes(9, s);    // strings
  w.add_varint(20, static_cast<int32_t>(a.kind));       // type
  return w;
}

ProtoWriter tensor_proto(const OnnxTensor& t) {
  ProtoWriter w;
  for (int64_t d : t.dims) w.add_varint(1, d);          // dims
  w.add_varint(2, static_cast<int32_t>(t.type));        // data_type
  for (const auto& s : t.strings) w.add_bytes(6, s);    // string_data
  w.add_bytes(8, t.name);                               // name
  if (t.type != OnnxType::string) w.add_bytes(9, t.raw);  // raw_data
  return w;
}

ProtoWriter value_info_proto(const OnnxValueInfo& v) {
  ProtoWriter shape;  // TensorShapeProto
  for (const OnnxDim& d : v.shape) {
    ProtoWriter dim;
    if (d.param.empty()) dim.add_varint(1, d.value);  // dim_value
    else dim.add_bytes(2, d.param);                  // dim_param
    shape.add_message(1, dim);                       // dim
  }
  ProtoWriter tensor;                                // TypeProto.Tensor
  tensor.add_varint(1, static_cast<int32_t>(v.type));  // elem_type
  tensor.add_message(2, shape);                        // shape
  ProtoWriter type;                                  // TypeProto
  type.add_message(1, tensor);                       // tensor_type
  ProtoWriter w;
  w.add_bytes(1, v.name);                            // name
  w.add_message(2, type);                            // type
  if (!v.doc_string.empty()) w.add_bytes(3, v.doc_string);  // doc_string
  return w;
}

ProtoWriter node_proto(const OnnxNode& n) {
  ProtoWriter w;
  for (const auto& s : n.inputs) w.add_bytes(1, s);   // input
  for (const auto& s : n.outputs) w.add_bytes(2, s);  // output
  if (!n.name.empty()) w.add_bytes(3, n.name);        // name
  w.add_bytes(4, n.op_type);                          // op_type
  for (const auto& a : n.attributes) w.add_message(5, attribute_proto(a));  // attribute
  if (!n.domain.empty()) w.add_bytes(7, n.domain);    // domain
  return w;
}

ProtoWriter graph_proto(const OnnxGraph& g) {
  ProtoWriter w;
  for (const auto& n : g.nodes) w.add_message(1, node_proto(n));          // node
  w.add_bytes(2, g.name);                                                 // name
  for (const auto& t : g.initializers) w.add_message(5, tensor_proto(t));  // initializer
  for (const auto& v : g.inputs) w.add_message(11, value_info_proto(v));   // input
  for (const auto& v : g.outputs) w.add_message(12, value_info_proto(v));  // output
  for (const auto& v : g.value_info) w.add_message(13, value_info_proto(v));  // value_info
  return w;
}

}  // namespace

std::string encode_attribute(const OnnxAttribute& a) { return attribute_proto(a).bytes(); }
std::string encode_tensor(const OnnxTensor& t) { return tensor_proto(t).bytes(); }
std::string encode_value_info(const OnnxValueInfo& v) { return value_info_proto(v).bytes(); }
std::string encode_node(const OnnxNode& n) { return node_proto(n).bytes(); }

std::string encode_onnx(const OnnxModel& m) {
  ProtoWriter w;
  w.add_varint(1, m.ir_version);                                   // ir_version
  w.add_bytes(2, m.producer_name);                                 // producer_name
  w.add_bytes(3, m.producer_version);                              // producer_version
  if (!m.doc_string.empty()) w.add_bytes(6, m.doc_string);         // doc_string
  w.add_message(7, graph_proto(m.graph));                          // graph
  for (const auto& [domain, version] : m.opsets) {                 // opset_import
    ProtoWriter op;
    if (!domain.empty()) op.add_bytes(1, domain);                  // domain
    op.add_varint(2, version);                                     // version
    w.add_message(8, op);
  }
  for (const auto& [key, value] : m.metadata) {                    // metadata_props
    ProtoWriter e;
    e.add_bytes(1, key);
    e.add_bytes(2, value);
    w.add_message(14, e);
  }
  return w.take();
}

}  // namespace nntrain
