// The safetensors container (see safetensors.h): encoding with checksums, and a decoder that
// checks every length, offset and shape before handing out a byte. No model semantics here.
#include "nntrain/run/safetensors.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nntrain/core/error.h"

static_assert(std::endian::native == std::endian::little, "nntrain writes and reads little-endian data");

namespace nntrain {

namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // as the reference implementation
constexpr int kMaxJsonDepth = 16;

struct DepthExceeded {};

json parse_limited(std::string_view text) {
  json::parser_callback_t cb = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) throw DepthExceeded{};
    return true;
  };
  return json::parse(text.begin(), text.end(), cb);
}

bool parse_dtype(const std::string& s, DType* t) {
  static const std::pair<const char*, DType> kNames[] = {
      {"F32", DType::F32}, {"F64", DType::F64}, {"I32", DType::I32},
      {"U32", DType::U32}, {"I64", DType::I64}, {"U64", DType::U64}};
  for (const auto& [n, d] : kNames)
    if (s == n) {
      *t = d;
      return true;
    }
  return false;
}

std::string header_checksum_of(json header) {
  auto it = header.find("__metadata__");
  if (it != header.end() && it->is_object()) it->erase(kHeaderChecksumKey);
  return crc32_text(header.dump());
}

std::string shape_text(const std::vector<size_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I32: return "I32";
    case DType::U32: return "U32";
    case DType::I64: return "I64";
    case DType::U64: return "U64";
  }
  return "?";
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32:
    case DType::I32:
    case DType::U32: return 4;
    case DType::F64:
    case DType::I64:
    case DType::U64: return 8;
  }
  return 0;
}

std::string crc32_text(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large inputs in pieces.
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const uInt n = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(p), n);
    p += n;
    left -= n;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx", static_cast<unsigned long>(crc & 0xffffffffUL));
  return std::string("crc32:") + buf;
}

std::string safetensors_encode(const std::vector<RawTensorOut>& tensors, std::map<std::string, std::string> metadata) {
  json header = json::object();
  std::string data;
  size_t total = 0;
  for (const auto& t : tensors) total += t.bytes.size();
  data.reserve(total);
  for (const auto& t : tensors) {
    size_t count = 1;
    for (size_t d : t.shape) count *= d;
    if (t.name.empty() || t.name == "__metadata__" || header.contains(t.name) ||
        count * dtype_size(t.dtype) != t.bytes.size())
      throw Error(kExitModel, "internal error: cannot encode tensor '" + t.name + "'");
    const size_t begin = data.size();
    data.append(t.bytes.data(), t.bytes.size());
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {begin, data.size()}}};
  }
  metadata.erase(kHeaderChecksumKey);
  metadata[kChecksumKey] = crc32_text(data);
  header["__metadata__"] = metadata;
  header["__metadata__"][kHeaderChecksumKey] = header_checksum_of(header);

  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + text.size() + data.size());
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += text;
  out += data;
  return out;
}

namespace {

// A tensor's header entry, before its bytes are placed.
struct TensorEntry {
  RawTensorIn t;
  uint64_t begin, end;
};

// The errors of one file's decoding, all ModelFileError "<name>: <what>".
struct Decoding {
  const std::string& name;
  ModelFileError fail(const std::string& what) const { return ModelFileError(name + ": " + what); }
};

// The 8-byte length, then the JSON header text it announces (the rest is the data section).
std::string_view header_text_of(const Decoding& d, std::string_view bytes) {
  if (bytes.size() < 8)
    throw d.fail("truncated: " + std::to_string(bytes.size()) +
                 " bytes, too short for a safetensors file (8-byte header length first)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  const uint64_t avail = bytes.size() - 8;
  if (n > kMaxHeaderBytes)
    throw d.fail("not a safetensors file: header length " + std::to_string(n) + " is larger than the 100 MiB limit");
  if (n > avail)
    throw d.fail("truncated: header length " + std::to_string(n) + " but only " + std::to_string(avail) +
                 " bytes follow it");
  if (n < 2) throw d.fail("not a safetensors file: header length " + std::to_string(n));
  return bytes.substr(8, n);
}

// Where a JSON text went wrong, in our words (nlohmann's own text names its exception ids).
std::string json_problem(const json::exception& e) {
  if (const auto* p = dynamic_cast<const json::parse_error*>(&e))
    return "not valid JSON at byte " + std::to_string(p->byte) + " (syntax, or text that is not UTF-8)";
  return "not valid JSON";
}

json parse_header(const Decoding& d, std::string_view header_text) {
  // JSON parsers may stop at a NUL; the header must be text through and through.
  if (header_text.find('\0') != std::string_view::npos) throw d.fail("corrupt header: it contains a NUL byte");
  json header;
  try {
    header = parse_limited(header_text);
  } catch (const DepthExceeded&) {
    throw d.fail("corrupt header: JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  } catch (const json::exception& e) {
    throw d.fail("corrupt header: " + json_problem(e));
  }
  if (!header.is_object()) throw d.fail("corrupt header: the JSON header is not an object");
  return header;
}

// __metadata__: an object of strings.
void read_metadata(const Decoding& d, const json& v, SafetensorsFile& file) {
  if (!v.is_object()) throw d.fail("corrupt header: __metadata__ is not an object");
  for (auto m = v.begin(); m != v.end(); ++m) {
    if (!m.value().is_string()) throw d.fail("corrupt header: __metadata__ value of '" + m.key() + "' is not a string");
    file.metadata[m.key()] = m.value().get<std::string>();
  }
  file.has_metadata = true;
}

// One tensor's entry: {dtype, shape, data_offsets}, the offsets spanning exactly its bytes.
TensorEntry read_tensor_entry(const Decoding& d, const std::string& key, const json& v) {
  const std::string what = "tensor '" + key + "'";
  if (!v.is_object()) throw d.fail("corrupt header: " + what + " is not an object");
  for (auto f = v.begin(); f != v.end(); ++f)
    if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets")
      throw d.fail("corrupt header: " + what + " has an unknown field '" + f.key() + "'");
  auto dt = v.find("dtype");
  auto sh = v.find("shape");
  auto off = v.find("data_offsets");
  if (dt == v.end() || sh == v.end() || off == v.end())
    throw d.fail("corrupt header: " + what + " lacks dtype, shape or data_offsets");
  TensorEntry e;
  e.t.name = key;
  if (!dt->is_string()) throw d.fail("corrupt header: " + what + " has a dtype that is not a string");
  if (!parse_dtype(dt->get<std::string>(), &e.t.dtype))
    throw d.fail(what + " has dtype " + dt->get<std::string>() +
                 ", which nntrain does not read (F32 tensors; save with .float())");
  if (!sh->is_array() || sh->size() > 8)
    throw d.fail("corrupt header: " + what + " has a shape that is not a list of at most 8 sizes");
  uint64_t count = 1;
  for (const auto& dim : *sh) {
    if (!dim.is_number_unsigned())
      throw d.fail("corrupt header: " + what + " has a negative or non-integer size in its shape");
    const uint64_t s = dim.get<uint64_t>();
    if (__builtin_mul_overflow(count, s, &count)) throw d.fail("corrupt header: " + what + " has a shape whose size overflows");
    e.t.shape.push_back(static_cast<size_t>(s));
  }
  uint64_t nbytes = 0;
  if (__builtin_mul_overflow(count, static_cast<uint64_t>(dtype_size(e.t.dtype)), &nbytes))
    throw d.fail("corrupt header: " + what + " has a shape whose size overflows");
  if (!off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
    throw d.fail("corrupt header: " + what + " data_offsets is not a pair of non-negative integers");
  e.begin = (*off)[0].get<uint64_t>();
  e.end = (*off)[1].get<uint64_t>();
  if (e.end < e.begin) throw d.fail("corrupt header: " + what + " data_offsets end before they begin");
  if (e.end - e.begin != nbytes)
    throw d.fail("corrupt header: " + what + " data_offsets [" + std::to_string(e.begin) + ", " +
                 std::to_string(e.end) + "] hold " + std::to_string(e.end - e.begin) + " bytes, but shape " +
                 shape_text(e.t.shape) + " of " + dtype_name(e.t.dtype) + " needs " + std::to_string(nbytes));
  e.t.count = static_cast<size_t>(count);
  return e;
}

// The tensors in data order, tiling the data section exactly: no overlap, gap or tail.
void place_tensors(const Decoding& d, std::vector<TensorEntry>& entries, std::string_view data, SafetensorsFile& file) {
  std::sort(entries.begin(), entries.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t pos = 0;
  for (auto& e : entries) {
    if (e.end > data.size())
      throw d.fail("truncated: tensor '" + e.t.name + "' needs data up to byte " + std::to_string(e.end) +
                   " but the data section has " + std::to_string(data.size()) + " bytes");
    if (e.begin < pos) throw d.fail("corrupt header: tensor '" + e.t.name + "' overlaps the tensor before it");
    if (e.begin > pos)
      throw d.fail("corrupt header: gap in the data before tensor '" + e.t.name + "' (bytes " + std::to_string(pos) +
                   " to " + std::to_string(e.begin) + " belong to no tensor)");
    e.t.bytes = data.substr(e.begin, e.end - e.begin);
    pos = e.end;
    file.tensors.push_back(std::move(e.t));
  }
  if (pos != data.size())
    throw d.fail("corrupt: " + std::to_string(data.size() - pos) + " bytes after the last tensor belong to no tensor");
}

// The checksum in __metadata__[key] against `actual`; a missing one is an error only when required.
void verify_checksum(const Decoding& d, const SafetensorsFile& file, const char* key, const std::string& actual,
                     const char* what, bool required) {
  auto it = file.metadata.find(key);
  if (it == file.metadata.end()) {
    if (required) throw d.fail(std::string("no ") + key + " in __metadata__");
    return;
  }
#ifdef NNTRAIN_FUZZ_SKIP_CHECKSUMS
  // fuzz/fuzz_model only: let mutated inputs reach the header and metadata checks.
  (void)actual;
  (void)what;
  return;
#endif
  if (it->second != actual)
    throw d.fail(std::string("corrupt: ") + what + " checksum mismatch (file says " + it->second + ", content is " +
                 actual + "); the file was damaged or edited after it was written");
}

}  // namespace

SafetensorsFile safetensors_decode(std::string_view bytes, const std::string& name, bool require_checksums) {
  const Decoding d{name};
  const std::string_view header_text = header_text_of(d, bytes);
  const std::string_view data = bytes.substr(8 + header_text.size());
  const json header = parse_header(d, header_text);
  SafetensorsFile file;
  std::vector<TensorEntry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") read_metadata(d, it.value(), file);
    else entries.push_back(read_tensor_entry(d, it.key(), it.value()));
  }
  place_tensors(d, entries, data, file);
  verify_checksum(d, file, kHeaderChecksumKey, header_checksum_of(header), "header", require_checksums);
  verify_checksum(d, file, kChecksumKey, crc32_text(data), "data", require_checksums);
  return file;
}

std::string read_binary_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ModelFileError(path + ": is a directory, not a model file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ModelFileError("cannot read " + path);
  return ss.str();
}

nlohmann::json parse_metadata_json(const std::string& text, const std::string& file, const std::string& what) {
  try {
    return parse_limited(text);
  } catch (const DepthExceeded&) {
    throw ModelFileError(file + ": __metadata__ '" + what + "' is nested too deeply");
  } catch (const json::exception& e) {
    throw ModelFileError(file + ": __metadata__ '" + what + "' is " + json_problem(e));
  }
}

}  // namespace nntrain
