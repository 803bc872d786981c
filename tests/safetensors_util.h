// Safetensors helpers shared by the model-file and checkpoint tests: the header length, a valid
// file re-encoded with one metadata entry changed, the ModelFileError a decode throws, bit flips.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nntrain/core/error.h"
#include "nntrain/run/safetensors.h"

namespace test_util {

// The u64 little-endian header length at the start of a safetensors file.
inline uint64_t header_len(const std::string& b) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
  return n;
}

// Re-encodes a valid file with one metadata entry changed, or removed when `value` is empty
// (checksums recomputed).
inline std::string with_metadata(const std::string& good, const std::string& key, const std::string& value) {
  nntrain::SafetensorsFile f = nntrain::safetensors_decode(good, "good", true);
  std::vector<nntrain::RawTensorOut> out;
  for (const auto& t : f.tensors) out.push_back({t.name, t.dtype, t.shape, t.bytes});
  auto md = f.metadata;
  if (value.empty()) md.erase(key);
  else md[key] = value;
  return nntrain::safetensors_encode(out, md);
}

// Runs `f` (a decode); the message of the ModelFileError it throws, after checking its exit
// code is 4, or "" when none is thrown.
template <class F>
std::string model_file_error(F f) {
  try {
    f();
  } catch (const nntrain::ModelFileError& e) {
    CHECK(e.exit_code() == 4);
    return e.message();
  }
  return "";
}

// Calls check(c) for every copy `c` of `b` with one bit flipped (the byte and bit CAPTUREd).
template <class F>
void for_each_bit_flip(const std::string& b, F check) {
  for (size_t i = 0; i < b.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string c = b;
      c[i] = static_cast<char>(c[i] ^ (1 << bit));
      CAPTURE(i);
      CAPTURE(bit);
      check(c);
    }
}

}  // namespace test_util
