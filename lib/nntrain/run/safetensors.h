// The safetensors container shared by model.bin and checkpoint.bin: u64 LE header length N,
// N bytes of JSON header (padded with spaces to a multiple of 8), then the raw LE tensor data.
// Knows bytes, dtypes, offsets and checksums; not what the tensors or metadata mean.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nntrain {

// The dtypes this project writes or accepts; others are reported by name and refused.
enum class DType { F32, F64, I32, U32, I64, U64 };
const char* dtype_name(DType t);
size_t dtype_size(DType t);

// One tensor to write: raw little-endian bytes of shape-product * dtype_size.
struct RawTensorOut {
  std::string name;
  DType dtype = DType::F32;
  std::vector<size_t> shape;
  std::string_view bytes;
};

// One tensor read back: a view into the decoded file's bytes (valid while they live).
struct RawTensorIn {
  std::string name;
  DType dtype = DType::F32;
  std::vector<size_t> shape;
  size_t count = 0;        // product of shape
  std::string_view bytes;  // count * dtype_size bytes
};

struct SafetensorsFile {
  std::vector<RawTensorIn> tensors;             // in data order (by offset)
  std::map<std::string, std::string> metadata;  // __metadata__, empty when absent
  bool has_metadata = false;
};

// Keys this layer adds to __metadata__ and verifies:
//  checksum:        "crc32:xxxxxxxx", zlib crc32 of all bytes after the header (SPEC.md);
//  header_checksum: "crc32:xxxxxxxx", crc32 of the header JSON written canonically (sorted keys,
//                   no whitespace) without the header_checksum entry itself, so that a changed
//                   byte anywhere in the file is detected, header included.
constexpr const char* kChecksumKey = "checksum";
constexpr const char* kHeaderChecksumKey = "header_checksum";

// Deterministic bytes: JSON keys sorted, data in the given order, both checksums added to
// `metadata`. Tensor names must be unique and not "__metadata__".
std::string safetensors_encode(const std::vector<RawTensorOut>& tensors,
                               std::map<std::string, std::string> metadata);

// Parses and verifies the container: header length against the file size, JSON (depth-limited),
// known dtypes, shapes (no overflow), offsets contiguous from 0 to the end of the data, each
// matching its shape. Checksums are verified when present; `require_checksums` makes their
// absence an error too. Throws ModelFileError naming `name` and what is wrong.
SafetensorsFile safetensors_decode(std::string_view bytes, const std::string& name, bool require_checksums);

// Reads a whole file; ModelFileError when it is missing or unreadable.
std::string read_binary_file(const std::string& path);

// "crc32:" and 8 lowercase hex digits of zlib's crc32 of `bytes`.
std::string crc32_text(std::string_view bytes);

// Strict JSON parse of a structured metadata value (depth-limited): ModelFileError naming
// `file` and the metadata key `what` on failure.
nlohmann::json parse_metadata_json(const std::string& text, const std::string& file, const std::string& what);

}  // namespace nntrain
