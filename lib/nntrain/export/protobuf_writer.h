// The protobuf wire format, write side only: varints, 32-bit floats and length-delimited
// fields, enough to serialise the handful of ONNX messages `nntrain export` writes.
// Not a protobuf library: no schema, no reader, no reflection; onnx_model.cpp knows the fields.
//
// Why our own writer and not Debian's libprotobuf-dev with onnx.proto: the messages we need
// are nine, their encoding is three wire types (about 100 lines here), and libprotobuf would
// add a build-time code generator (protoc), onnx.proto vendored into the tree and a shared
// library every user of the binary must have, for a command most runs never call. The output
// is checked against the real thing: tests/e2e/onnx_check.py loads every exported file with
// Python's onnx (protobuf underneath) and requires that re-serialising it gives our bytes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace nntrain {

// Wire types of the protobuf encoding (the low 3 bits of a field's key).
enum class WireType : uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// Appends fields to a byte string, in the order called. Protobuf's own serialisers write
// fields in field-number order; callers do the same so that our bytes equal theirs.
class ProtoWriter {
 public:
  // field: varint (int32, int64, enums, bool). Negative values are written as their 64-bit
  // two's complement, ten bytes, as protobuf does for int32 and int64 (not zigzag: no sint).
  void add_varint(uint32_t field, int64_t value);
  // field: float, four little-endian bytes (wire type fixed32).
  void add_float(uint32_t field, float value);
  // field: string, bytes or an embedded message already encoded: length, then the bytes.
  void add_bytes(uint32_t field, std::string_view bytes);
  void add_message(uint32_t field, const ProtoWriter& message) { add_bytes(field, message.bytes()); }

  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void key(uint32_t field, WireType type);
  std::string out_;
};

// The raw pieces, for ProtoWriter and its tests.
void append_varint(std::string& out, uint64_t value);     // 7 bits a byte, low bits first
void append_float_le(std::string& out, float value);      // IEEE 754 binary32, little-endian
void append_int64_le(std::string& out, int64_t value);    // two's complement, little-endian

}  // namespace nntrain
