// The protobuf wire format, write side; see protobuf_writer.h (and why it is ours).
#include "nntrain/export/protobuf_writer.h"

#include <bit>

namespace nntrain {

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_float_le(std::string& out, float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void append_int64_le(std::string& out, int64_t value) {
  const uint64_t bits = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void ProtoWriter::key(uint32_t field, WireType type) {
  append_varint(out_, (uint64_t{field} << 3) | static_cast<uint32_t>(type));
}

void ProtoWriter::add_varint(uint32_t field, int64_t value) {
  key(field, WireType::varint);
  append_varint(out_, static_cast<uint64_t>(value));
}

void ProtoWriter::add_float(uint32_t field, float value) {
  key(field, WireType::fixed32);
  append_float_le(out_, value);
}

void ProtoWriter::add_bytes(uint32_t field, std::string_view bytes) {
  key(field, WireType::length_delimited);
  append_varint(out_, bytes.size());
  out_.append(bytes);
}

}  // namespace nntrain
