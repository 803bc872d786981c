// CSV records from plain or gzip text: zlib decompresses 1 MiB blocks on a second thread while
// this one cuts lines in place, splits fields (quotes, quoted newlines) and reports positions.
// Not here: column roles, numbers into matrices (dataset.cpp).
#include "nntrain/data/csv.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "nntrain/data/did_you_mean.h"
#include "nntrain/data/utf8.h"
#include "nntrain/core/error.h"

namespace nntrain {

// ---- numbers ---------------------------------------------------------------------------------

namespace {

bool iequals(std::string_view a, const char* b) {
  const size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// The token after an optional sign names a missing value: NA, N/A, null (unsigned only),
// nan, inf, infinity (signed or not).
bool missing_word(std::string_view s) {
  const bool signed_ = !s.empty() && (s[0] == '+' || s[0] == '-');
  const std::string_view w = signed_ ? s.substr(1) : s;
  if (iequals(w, "nan") || iequals(w, "inf") || iequals(w, "infinity")) return true;
  if (signed_) return false;
  return iequals(w, "na") || iequals(w, "n/a") || iequals(w, "null");
}

template <class T>
NumberKind parse_number_t(std::string_view field, T& out) {
  const std::string_view s = trim_spaces(field);
  if (s.empty()) return NumberKind::missing;
  const char* b = s.data();
  const char* e = b + s.size();
  // Fast path: a short unsigned integer (exact in float).
  if (s.size() <= 7) {
    uint32_t v = 0;
    const char* p = b;
    while (p != e && *p >= '0' && *p <= '9') v = v * 10 + static_cast<uint32_t>(*p++ - '0');
    if (p == e) {
      out = static_cast<T>(v);
      return NumberKind::number;
    }
  }
  const char* p = b;
  if (*p == '+') {  // from_chars takes '-' only
    ++p;
    if (p == e || *p == '-') return NumberKind::not_number;
  }
  const char c = *p == '-' ? (p + 1 != e ? p[1] : '\0') : *p;
  if (!((c >= '0' && c <= '9') || c == '.')) return missing_word(s) ? NumberKind::missing : NumberKind::not_number;
  T v = 0;
  auto r = std::from_chars(p, e, v, std::chars_format::general);
  if (r.ptr != e) return NumberKind::not_number;
  if (r.ec == std::errc::invalid_argument) return NumberKind::not_number;
  if (r.ec == std::errc::result_out_of_range) {
    // Too large, or too small: decide in long double.
    long double d = 0;
    auto r2 = std::from_chars(p, e, d, std::chars_format::general);
    if (r2.ec == std::errc() && std::fabs(d) < 1) {
      out = static_cast<T>(d);  // underflow: the nearest value (0 or a subnormal)
      return NumberKind::number;
    }
    if (r2.ec == std::errc::result_out_of_range) {
      // Even long double could not hold it: look at the exponent's sign.
      const char* x = std::find_if(p, e, [](char ch) { return ch == 'e' || ch == 'E'; });
      if (x != e && x + 1 != e && x[1] == '-') {
        out = 0;
        return NumberKind::number;
      }
    }
    return NumberKind::overflow;
  }
  if (std::isnan(v) || std::isinf(v)) return NumberKind::missing;
  out = v;
  return NumberKind::number;
}

}  // namespace

NumberKind parse_number_slow(std::string_view field, float& out) { return parse_number_t<float>(field, out); }
NumberKind parse_number_double(std::string_view field, double& out) { return parse_number_t<double>(field, out); }

bool is_missing_token(std::string_view field) {
  const std::string_view s = trim_spaces(field);
  return s.empty() || missing_word(s);
}

// ---- byte sources ----------------------------------------------------------------------------

namespace {

// Decompresses on its own thread, one block ahead of the parser: 1 MiB blocks in a queue of at
// most four. Never throws; a read error ends the stream with `error` set.
class BlockReader {
 public:
  static constexpr size_t kBlock = 1 << 20;
  static constexpr size_t kQueue = 4;

  explicit BlockReader(gzFile f) : f_(f) { worker_ = std::thread([this] { run(); }); }
  ~BlockReader() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
    gzclose(f_);
  }
  // The next block; empty at the end of the stream (then error() tells whether it failed).
  std::vector<char> next() {
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait(lk, [&] { return !q_.empty(); });
    std::vector<char> b = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return b;
  }
  std::string error() {
    std::lock_guard<std::mutex> lk(m_);
    return error_;
  }

 private:
  void run() {
    for (;;) {
      std::vector<char> b(kBlock);
      size_t n = 0;
      std::string err;
      while (n < b.size()) {
        const int got = gzread(f_, b.data() + n, static_cast<unsigned>(b.size() - n));
        if (got > 0) {
          n += static_cast<size_t>(got);
          continue;
        }
        int code = Z_OK;
        const char* msg = gzerror(f_, &code);
        if (got < 0 || code != Z_OK) {
          if (code == Z_ERRNO)
            err = std::string("cannot read the file: ") + std::strerror(errno);
          else
            err = std::string(code == Z_BUF_ERROR ? "the gzip data is truncated" : "the gzip data is corrupt") +
                  " (zlib: " + (msg ? msg : "?") + ")";
        }
        break;
      }
      b.resize(n);
      const bool last = n < kBlock || !err.empty();
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return q_.size() < kQueue || stop_; });
        if (stop_) return;
        if (n > 0) q_.push_back(std::move(b));
        if (last) {
          error_ = err;
          q_.emplace_back();  // the end
        }
      }
      cv_.notify_all();
      if (last) return;
    }
  }

  gzFile f_;
  std::thread worker_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::vector<char>> q_;
  std::string error_;
  bool stop_ = false;
};

// Expected decompressed size of a file: its size, or a single-member gzip's ISIZE trailer.
uint64_t size_hint_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return size;
  unsigned char magic[2] = {0, 0};
  uint64_t hint = size;
  if (std::fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b && size >= 18) {
    unsigned char t[4];
    if (std::fseek(f, -4, SEEK_END) == 0 && std::fread(t, 1, 4, f) == 4) {
      const uint64_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (static_cast<uint64_t>(t[3]) << 24);
      hint = isize >= size ? isize : 0;  // smaller means > 4 GiB (wrapped) or several members
    }
  }
  std::fclose(f);
  return hint;
}

}  // namespace

// ---- the reader ------------------------------------------------------------------------------

// Lines are cut in place in `buf` (the unread text): LF or CRLF, a UTF-8 BOM skipped, a missing
// final newline accepted, NUL bytes refused. Not fast-cpp-csv-parser's LineReader: its fixed
// 3 x 16 MiB buffer adds a quarter of the Fashion-MNIST matrix to the peak RSS (1.30x the
// matrix instead of 1.05x; the target is 1.3x), costs ~30 ms per reader under AddressSanitizer
// (fuzzing), and our quoted newlines need lines joined here anyway.
struct CsvReader::Impl {
  static constexpr size_t kMaxLine = size_t{64} << 20;
  std::unique_ptr<BlockReader> blocks;  // null for in-memory text and at the end
  std::string buf;
  size_t pos = 0;
  bool eof = false;
  bool started = false;
  unsigned line = 0;       // physical lines returned so far
  std::string error;       // why the stream ended early (reported after the last whole line)
  long error_column = 0;

  // Appends a block, stopping at a NUL byte (binary data) with the error remembered.
  void append(const char* d, size_t n) {
    const void* z = std::memchr(d, 0, n);
    const size_t keep = z ? static_cast<size_t>(static_cast<const char*>(z) - d) : n;
    buf.append(d, keep);
    if (!started) {
      started = true;
      if (buf.size() >= 3 && buf.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
    }
    if (z) {
      const char* b = buf.data() + pos;
      const char* nl = static_cast<const char*>(memrchr(b, '\n', buf.size() - pos));
      error = "NUL byte in the text: not a CSV file (binary data?)";
      error_column = static_cast<long>(buf.data() + buf.size() - (nl ? nl + 1 : b)) + 1;
      eof = true;
      blocks.reset();
    }
  }

  // The next physical line, NUL-terminated in place; nullptr at the end.
  char* next_line() {
    for (;;) {
      char* b = buf.data() + pos;
      const size_t avail = buf.size() - pos;
      char* nl = static_cast<char*>(std::memchr(b, '\n', avail));
      if (nl || (eof && avail > 0 && error.empty())) {
        char* e = nl ? nl : buf.data() + buf.size();  // buf.data()[size()] is the string's '\0'
        *e = '\0';
        if (e != b && e[-1] == '\r') e[-1] = '\0';
        pos = static_cast<size_t>(e - buf.data()) + (nl ? 1 : 0);
        ++line;
        return b;
      }
      if (eof) return nullptr;  // with an error, a partial last line is dropped
      if (avail > kMaxLine) throw std::length_error("line longer than 64 MiB");
      buf.erase(0, pos);
      pos = 0;
      std::vector<char> blk = blocks->next();
      if (blk.empty()) {
        error = blocks->error();
        error_column = 0;
        eof = true;
        blocks.reset();
      } else {
        append(blk.data(), blk.size());
      }
    }
  }
};

CsvReader::CsvReader(const std::string& path, char delimiter) : impl_(std::make_unique<Impl>()) {
  name_ = path == "-" ? std::string("<stdin>") : path;
  gzFile f = nullptr;
  if (path == "-") {
    const int fd = ::dup(STDIN_FILENO);
    if (fd >= 0) f = gzdopen(fd, "rb");
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      throw DataError("cannot read: this is a folder, not a CSV file", SourcePos{name_, 0, 0});
    f = gzopen(path.c_str(), "rb");
  }
  if (!f) {
    const int e = errno;
    throw DataError(std::string("cannot open the file: ") + (e ? std::strerror(e) : "out of memory"),
                    SourcePos{name_, 0, 0});
  }
  gzbuffer(f, 1 << 18);
  size_hint_ = path == "-" ? 0 : size_hint_of(path);
  impl_->blocks = std::make_unique<BlockReader>(f);
  impl_->buf.reserve(2 * BlockReader::kBlock);
  init(delimiter);
}

CsvReader::CsvReader(const std::string& name, const char* data, size_t size, char delimiter)
    : impl_(std::make_unique<Impl>()), name_(name) {
  impl_->append(data, size);
  impl_->eof = true;
  size_hint_ = size;
  init(delimiter);
}

CsvReader::~CsvReader() = default;

long CsvReader::column(size_t i) const {
  if (line_start_) return i < fields_.size() ? static_cast<long>(fields_[i].data() - line_start_) + 1 : 0;
  return i < columns_.size() ? columns_[i] : 0;
}

void CsvReader::fail(size_t i, const std::string& msg) const {
  throw DataError(msg, SourcePos{name_, record_line_, column(i)});
}

void CsvReader::fail_line(const std::string& msg) const { throw DataError(msg, SourcePos{name_, record_line_, 0}); }

void CsvReader::close() {
  impl_->blocks.reset();
  std::string().swap(impl_->buf);
  impl_->pos = 0;
  impl_->eof = true;
  impl_->error.clear();
  fields_.clear();
  columns_.clear();
  line_start_ = nullptr;
}

char* CsvReader::read_line() {
  char* line = nullptr;
  try {
    line = impl_->next_line();
  } catch (const std::length_error& e) {
    throw DataError(e.what(), SourcePos{name_, static_cast<long>(impl_->line) + 1, 0});
  }
  if (!line && !impl_->error.empty())
    throw DataError(impl_->error, SourcePos{name_, static_cast<long>(impl_->line) + 1,
                                            impl_->error_column > 0 ? impl_->error_column : 1});
  return line;
}

namespace {

bool blank(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (s[i] != ' ' && s[i] != '\t') return false;
  return true;
}

// After scanning s[0..n): is a quoted field still open? (quotes count only at a field's start)
bool quote_open(const char* s, size_t n, char delim) {
  bool at_start = true, in_quote = false;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (in_quote) {
      if (c == '"') {
        if (i + 1 < n && s[i + 1] == '"')
          ++i;
        else
          in_quote = false;
      }
    } else if (c == delim) {
      at_start = true;
      continue;
    } else if (at_start && c == '"') {
      in_quote = true;
    }
    at_start = false;
  }
  return in_quote;
}

// Which field (0-based) byte `at` of a one-line record falls in: delimiters outside quotes before it.
size_t field_of_byte(const char* s, size_t at, char delim) {
  size_t field = 0;
  bool at_start = true, in_quote = false;
  for (size_t i = 0; i < at; ++i) {  // quote_open's scan, counting the delimiters
    const char c = s[i];
    if (in_quote) {
      if (c == '"') {
        if (i + 1 < at && s[i + 1] == '"')
          ++i;
        else
          in_quote = false;
      }
    } else if (c == delim) {
      ++field;
      at_start = true;
      continue;
    } else if (at_start && c == '"') {
      in_quote = true;
    }
    at_start = false;
  }
  return field;
}

}  // namespace

// Old Mac files end lines with CR alone: the whole file reads as one header line, and the error
// would be about its columns. A CR outside quotes in the header says so (CRLF's CR is already cut).
void CsvReader::check_cr_only(const char* line, size_t len) const {
  bool in_quote = false;
  for (size_t i = 0; i < len; ++i) {
    if (line[i] == '"') in_quote = !in_quote;
    if (line[i] != '\r' || in_quote) continue;
    throw DataError("line ends are CR only (old Mac): the file reads as one line; convert them, e.g. "
                    "'tr \"\\r\" \"\\n\" < OLD > NEW'",
                    SourcePos{name_, static_cast<long>(impl_->line), utf8_column(std::string_view(line, len), i)});
  }
}

void CsvReader::check_utf8(const char* line, size_t len, bool whole_record) const {
  const std::string_view text(line, len);
  const size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos) return;
  std::string msg = invalid_utf8_message(text, at, "a CSV file");
  if (whole_record) {
    const size_t f = field_of_byte(line, at, delim_);
    msg = "column " + std::to_string(f + 1) +
          (f < header_.size() ? " ('" + header_[f] + "')" : std::string()) + ": " + msg;
  }
  throw DataError(msg, SourcePos{name_, static_cast<long>(impl_->line), utf8_column(text, at)});
}

void CsvReader::split(char* s, size_t len) {
  fields_.clear();
  columns_.clear();
  line_start_ = nullptr;
  char* const end = s + len;
  if (!std::memchr(s, '"', len)) {
    // Fields are mostly short: a plain loop beats memchr per field.
    const char dl = delim_;
    char* p = s;
    char* f = s;
    for (; p != end; ++p) {
      if (*p == dl) {
        fields_.emplace_back(f, static_cast<size_t>(p - f));
        f = p + 1;
      }
    }
    fields_.emplace_back(f, static_cast<size_t>(end - f));
    line_start_ = s;  // columns follow from the field pointers
    return;
  }
  char* r = s;
  char* w = s;
  for (;;) {
    columns_.push_back(static_cast<long>(r - s) + 1);
    char* start = w;
    if (r < end && *r == '"') {
      ++r;
      for (;;) {
        if (r >= end) {
          fields_.emplace_back(start, static_cast<size_t>(w - start));
          fail(fields_.size() - 1, "unclosed quote: a quoted field must end with \"");
        }
        if (*r == '"') {
          if (r + 1 < end && r[1] == '"') {
            *w++ = '"';
            r += 2;
          } else {
            ++r;
            break;
          }
        } else {
          *w++ = *r++;
        }
      }
      const char* after = r;
      while (r < end && (*r == ' ' || *r == '\t') && *r != delim_) ++r;
      if (r < end && *r != delim_) {
        fields_.emplace_back(start, static_cast<size_t>(w - start));
        columns_.back() = static_cast<long>(after - s) + 1;
        fail(fields_.size() - 1, "unexpected text after a closing quote (a quote inside a quoted field is written \"\")");
      }
    } else {
      while (r < end && *r != delim_) *w++ = *r++;
    }
    fields_.emplace_back(start, static_cast<size_t>(w - start));
    if (r >= end) break;
    ++r;  // the delimiter
    // Keep the write position from overtaking unread text: w <= r always holds.
  }
}

bool CsvReader::next() {
  for (;;) {
    char* line = read_line();
    if (!line) return false;
    const size_t len = std::strlen(line);
    bytes_read_ += len + 1;
    if (blank(line, len)) continue;
    record_line_ = static_cast<long>(static_cast<unsigned>(impl_->line));
    const bool multi_line = std::memchr(line, '"', len) && quote_open(line, len, delim_);
    check_utf8(line, len, !multi_line);
    if (multi_line) {
      // A quoted field runs over the line end: gather the record's lines.
      record_buf_.assign(line, len);
      while (quote_open(record_buf_.data(), record_buf_.size(), delim_)) {
        char* more = read_line();
        if (!more) {
          split(record_buf_.data(), record_buf_.size());  // reports the unclosed quote
          fail_line("unclosed quote at the end of the file");
        }
        const size_t n = std::strlen(more);
        bytes_read_ += n + 1;
        check_utf8(more, n, false);
        record_buf_ += '\n';
        record_buf_.append(more, n);
      }
      split(record_buf_.data(), record_buf_.size());
    } else {
      split(line, len);
    }
    return true;
  }
}

void CsvReader::init(char delimiter) {
  char* line = nullptr;
  size_t len = 0;
  for (;;) {
    line = read_line();
    if (!line) throw DataError("the file is empty: a header row is required", SourcePos{name_, 1, 0});
    len = std::strlen(line);
    bytes_read_ += len + 1;
    if (!blank(line, len)) break;
  }
  if (delimiter != 0) {
    delim_ = delimiter;
  } else {
    // The most frequent candidate outside quotes; ',' when none (one column) or on a tie.
    const char cand[4] = {',', ';', '\t', '|'};
    size_t count[4] = {0, 0, 0, 0};
    bool in_quote = false;
    for (size_t i = 0; i < len; ++i) {
      if (line[i] == '"') in_quote = !in_quote;
      if (in_quote) continue;
      for (int k = 0; k < 4; ++k)
        if (line[i] == cand[k]) ++count[k];
    }
    int best = 0;
    for (int k = 1; k < 4; ++k)
      if (count[k] > count[best]) best = k;
    delim_ = cand[best];
  }
  record_line_ = static_cast<long>(static_cast<unsigned>(impl_->line));
  check_cr_only(line, len);
  const bool multi_line = std::memchr(line, '"', len) && quote_open(line, len, delim_);
  check_utf8(line, len, !multi_line);  // header_ is still empty: the column by number only
  if (multi_line) {
    record_buf_.assign(line, len);
    while (quote_open(record_buf_.data(), record_buf_.size(), delim_)) {
      char* more = read_line();
      if (!more) {
        split(record_buf_.data(), record_buf_.size());
        fail_line("unclosed quote in the header");
      }
      check_utf8(more, std::strlen(more), false);
      record_buf_ += '\n';
      record_buf_.append(more);
    }
    split(record_buf_.data(), record_buf_.size());
  } else {
    split(line, len);
  }
  set_header();
}

// Names from the header record's fields: each one present and different from the others.
void CsvReader::set_header() {
  header_.clear();
  for (size_t i = 0; i < fields_.size(); ++i) {
    const std::string name(trim_spaces(fields_[i]));
    if (name.empty()) {
      const std::string col = "column " + std::to_string(i + 1) + " of the header has no name";
      if (i + 1 == fields_.size() && i > 0)
        fail(i, col + ": does every line end with '" + std::string(1, delim_) +
                    "'? remove the trailing delimiter, or name the column");
      if (i == 0)
        fail(i, col + " (an index written without a name, as pandas' to_csv does?): name it, or write the file "
                      "without the index");
      fail(i, col + ": every column needs a name");
    }
    for (size_t j = 0; j < header_.size(); ++j)
      if (header_[j] == name)
        fail(i, "duplicate column name '" + name + "' in the header (also column " + std::to_string(j + 1) + ")");
    header_.push_back(name);
  }
}

long CsvReader::column_index(const std::string& name) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return static_cast<long>(i);
  return -1;
}

}  // namespace nntrain
