// CSV in: records of string fields from a plain or gzip file (or stdin), with the header row,
// delimiter detection, quotes and positions; and the number rules of SPEC.md ("Data").
// Not here: which column means what (dataset.cpp), or writing CSV.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nntrain {

// How a field reads as a float32 number (SPEC.md "Data"): a decimal number filling the field
// after trimming spaces; empty, NA, N/A, null, NaN (any case) and inf, -inf, infinity (any
// case) are missing; a finite value beyond float32's range is an overflow; anything else
// (hex, units, text) is not a number. Values below float32's smallest subnormal become 0.
enum class NumberKind { number, missing, not_number, overflow };
NumberKind parse_number_slow(std::string_view field, float& out);
// Inline fast path for short unsigned integers (most pixel-like data), else the full rules.
inline NumberKind parse_number(std::string_view field, float& out) {
  const size_t n = field.size();
  if (n - 1 < 7) {  // 1..7 characters
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      const unsigned d = static_cast<unsigned char>(field[i]) - '0';
      if (d > 9) return parse_number_slow(field, out);
      v = v * 10 + d;
    }
    out = static_cast<float>(v);
    return NumberKind::number;
  }
  return parse_number_slow(field, out);
}
// The same in double precision (labels compared as numbers).
NumberKind parse_number_double(std::string_view field, double& out);
// True for the missing-value tokens (after trimming): "", NA, N/A, null, NaN, inf, ... any case.
bool is_missing_token(std::string_view field);
// `field` without leading and trailing spaces and tabs.
inline std::string_view trim_spaces(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

// Reads records one at a time; never holds the whole text. Gzip is recognised by its magic
// bytes, not by the name; truncated or corrupt gzip is a DataError at the line reached.
class CsvReader {
 public:
  // path "-" is stdin. delimiter 0 = detect from the header (the most frequent of , ; \t |
  // outside quotes; ',' when none). Throws DataError (missing file, empty file, bad header).
  explicit CsvReader(const std::string& path, char delimiter = 0);
  // In-memory text (tests, fuzzing); `name` is used in positions.
  CsvReader(const std::string& name, const char* data, size_t size, char delimiter = 0);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::vector<std::string>& header() const { return header_; }
  // Index of column `name` in the header, or -1.
  long column_index(const std::string& name) const;
  char delimiter() const { return delim_; }
  const std::string& name() const { return name_; }

  // Moves to the next record, skipping blank lines; false at the end of the file. The
  // fields are views valid until the next call (quotes removed, "" unescaped).
  bool next();
  size_t size() const { return fields_.size(); }
  std::string_view field(size_t i) const { return fields_[i]; }
  long line() const { return record_line_; }
  // 1-based byte column of field i's first character in its line (of the record's first line).
  long column(size_t i) const;
  // Bytes of text read so far (after decompression), and the expected total (file size or
  // the gzip trailer's size; 0 when unknown, e.g. stdin).
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t size_hint() const { return size_hint_; }

  // Frees the read buffers and stops the decompression thread once the records are read; header,
  // name and the last record's position stay valid, next() returns false.
  void close();

  // Throws DataError at field i of the current record ("FILE:LINE:COLUMN: msg").
  [[noreturn]] void fail(size_t i, const std::string& msg) const;
  // Throws DataError at the current record's line.
  [[noreturn]] void fail_line(const std::string& msg) const;

 private:
  struct Impl;
  void init(char delimiter);
  char* read_line();  // next physical line, or nullptr; errors of the byte source become DataError
  void split(char* line, size_t len);
  // Throws DataError at the first invalid UTF-8 byte of the physical line just read (its line
  // and character column; with `whole_record`, the CSV column too).
  void check_utf8(const char* line, size_t len, bool whole_record) const;
  // Throws DataError when the header line holds a CR outside quotes: CR-only line ends.
  void check_cr_only(const char* line, size_t len) const;
  void set_header();

  std::unique_ptr<Impl> impl_;
  std::string name_;
  std::vector<std::string> header_;
  char delim_ = ',';
  std::vector<std::string_view> fields_;
  std::vector<long> columns_;     // field starts, for records with quotes
  const char* line_start_ = nullptr;  // unquoted records: columns from the field pointers
  std::string record_buf_;  // a record that spans lines (quoted newlines)
  long record_line_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t size_hint_ = 0;
};

}  // namespace nntrain
