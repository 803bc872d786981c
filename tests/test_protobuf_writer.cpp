// Tests for protobuf_writer.h: the wire format against bytes worked out by hand from the
// protobuf encoding rules (protobuf.dev "Encoding": 150 -> 96 01, "testing" -> 12 07 ...,
// an embedded message 1a 03 08 96 01) and the edge cases: negative varints (ten bytes),
// field numbers above 15 (two-byte keys), lengths above 127, floats bit for bit.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "nntrain/export/protobuf_writer.h"

using namespace nntrain;

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) s += {digits[c >> 4], digits[c & 15]};
  return s;
}

std::string varint(uint64_t v) {
  std::string s;
  append_varint(s, v);
  return hex(s);
}

}  // namespace

TEST_CASE("varints: seven bits a byte, low bits first, high bit = more") {
  CHECK(varint(0) == "00");
  CHECK(varint(1) == "01");
  CHECK(varint(127) == "7f");
  CHECK(varint(128) == "8001");
  CHECK(varint(150) == "9601");
  CHECK(varint(300) == "ac02");
  CHECK(varint(16384) == "808001");
  CHECK(varint(uint64_t{std::numeric_limits<int64_t>::max()}) == "ffffffffffffffff7f");
  CHECK(varint(std::numeric_limits<uint64_t>::max()) == "ffffffffffffffffff01");
}

TEST_CASE("varint fields: key = field << 3 | 0; negative int64 as ten bytes of two's complement") {
  ProtoWriter w;
  w.add_varint(1, 150);
  CHECK(hex(w.bytes()) == "089601");
  ProtoWriter neg;
  neg.add_varint(3, -1);
  CHECK(hex(neg.bytes()) == "18ffffffffffffffffff01");
  ProtoWriter neg2;
  neg2.add_varint(1, -2);
  CHECK(hex(neg2.bytes()) == "08feffffffffffffffff01");
  ProtoWriter big_field;  // field 20 (AttributeProto.type): key 160 needs two bytes
  big_field.add_varint(20, 2);
  CHECK(hex(big_field.bytes()) == "a00102");
  ProtoWriter zero;  // a zero is written, not skipped: presence matters in proto2
  zero.add_varint(2, 0);
  CHECK(hex(zero.bytes()) == "1000");
}

TEST_CASE("floats: wire type 5, IEEE 754 little-endian, bit for bit") {
  ProtoWriter w;
  w.add_float(2, 1.0f);
  CHECK(hex(w.bytes()) == "150000803f");
  ProtoWriter n;
  n.add_float(2, -2.5f);
  CHECK(hex(n.bytes()) == "15000020c0");
  ProtoWriter d;  // 0.1f is 0x3dcccccd; a denormal keeps its bits
  d.add_float(2, 0.1f);
  d.add_float(2, std::numeric_limits<float>::denorm_min());
  CHECK(hex(d.bytes()) == "15cdcccc3d" "1501000000");
  std::string le;
  append_int64_le(le, -2);
  CHECK(hex(le) == "feffffffffffffff");
}

TEST_CASE("length-delimited: strings and nested messages carry their length") {
  ProtoWriter w;
  w.add_bytes(2, "testing");
  CHECK(hex(w.bytes()) == "120774657374696e67");
  ProtoWriter inner;
  inner.add_varint(1, 150);
  ProtoWriter outer;
  outer.add_message(3, inner);
  CHECK(hex(outer.bytes()) == "1a03089601");
  ProtoWriter twice;  // a message inside a message inside a message: each length counts its own bytes
  twice.add_message(1, outer);
  CHECK(hex(twice.bytes()) == "0a051a03089601");
  ProtoWriter empty;
  empty.add_bytes(4, "");
  CHECK(hex(empty.bytes()) == "2200");
  ProtoWriter long_one;  // 200 bytes: the length takes two bytes (c8 01)
  long_one.add_bytes(1, std::string(200, 'x'));
  CHECK(long_one.bytes().size() == 203);
  CHECK(hex(long_one.bytes().substr(0, 3)) == "0ac801");
}
