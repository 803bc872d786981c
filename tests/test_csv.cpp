// Tests of csv.{h,cpp}: the number rules of SPEC.md ("Data") and the record reader (header,
// delimiter detection, BOM, CRLF, quotes, blank lines, positions), on in-memory text.
// The file corpus with expected outcomes is in test_dataset.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "nntrain/data/csv.h"
#include "nntrain/core/error.h"
#include "test_util.h"

using namespace nntrain;

namespace {

NumberKind kind(const char* s, float* v = nullptr) {
  float x = -12345.0f;
  const NumberKind k = parse_number(s, x);
  if (v) *v = x;
  return k;
}

// Every record of `text` as fields joined by '|', records joined by '\n'.
std::string records(const std::string& text, char delim = 0) {
  CsvReader r("mem.csv", text.data(), text.size(), delim);
  std::string out;
  while (r.next()) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (i) out += '|';
      out += r.field(i);
    }
    out += "\n";
  }
  return out;
}

// Runs `f` and returns the DataError's "FILE:LINE:COLUMN: message".
template <class F>
std::string data_error(F f) {
  return test_util::error_of<DataError>(f, false);
}

}  // namespace

TEST_CASE("parse_number: decimal numbers filling the field") {
  float v = 0;
  CHECK(kind("1e-3", &v) == NumberKind::number);
  CHECK(v == 1e-3f);
  CHECK(kind("+2", &v) == NumberKind::number);
  CHECK(v == 2.0f);
  CHECK(kind("-.5", &v) == NumberKind::number);
  CHECK(v == -0.5f);
  CHECK(kind("2.5E+10", &v) == NumberKind::number);
  CHECK(v == 2.5e10f);
  CHECK(kind("  7  ", &v) == NumberKind::number);
  CHECK(v == 7.0f);
  CHECK(kind("\t3.25 ", &v) == NumberKind::number);
  CHECK(v == 3.25f);
  CHECK(kind("255", &v) == NumberKind::number);
  CHECK(v == 255.0f);
  CHECK(kind("12345678901", &v) == NumberKind::number);
  CHECK(v == 12345678901.0f);
  CHECK(kind("0.1", &v) == NumberKind::number);
  CHECK(v == 0.1f);  // correctly rounded, as strtof
  CHECK(kind("5.", &v) == NumberKind::number);
  CHECK(v == 5.0f);
  CHECK(kind("-0", &v) == NumberKind::number);
  CHECK(v == 0.0f);
  CHECK(std::signbit(v));
}

TEST_CASE("parse_number: missing-value tokens, any case; infinities count as missing") {
  for (const char* s : {"", "   ", "NA", "na", "N/A", "n/a", "null", "NULL", "Null", "NaN", "nan", "NAN", "-nan", "inf",
                        "-inf", "+inf", "INF", "infinity", "-Infinity", "INFINITY", " NA "}) {
    const std::string text = s;
    CAPTURE(text);
    CHECK(kind(s) == NumberKind::missing);
    CHECK(is_missing_token(s));
  }
  CHECK_FALSE(is_missing_token("0"));
  CHECK_FALSE(is_missing_token("none"));
}

TEST_CASE("parse_number: no hex, no units, no text, no double signs") {
  for (const char* s : {"0x10", "0X1p3", "5kg", "1,5", "abc", "1e", "e5", "--1", "+-2", "-+2", "++1", ".", "-", "+", "1 2",
                        "1.2.3", "one", "-NA", "+null", "infinityx", "1e5x", "1_000", "$5"}) {
    const std::string text = s;
    CAPTURE(text);
    CHECK(kind(s) == NumberKind::not_number);
  }
}

TEST_CASE("parse_number: float32 overflow is an error, underflow rounds") {
  float v = 0;
  CHECK(kind("1e39") == NumberKind::overflow);
  CHECK(kind("-1e39") == NumberKind::overflow);
  CHECK(kind("3.5e38") == NumberKind::overflow);
  CHECK(kind("1e400") == NumberKind::overflow);
  CHECK(kind("3.4028234e38", &v) == NumberKind::number);
  CHECK(v == std::numeric_limits<float>::max());
  CHECK(kind("1e-50", &v) == NumberKind::number);
  CHECK(v == 0.0f);
  CHECK(kind("1e-400", &v) == NumberKind::number);
  CHECK(v == 0.0f);
  CHECK(kind("1e-40", &v) == NumberKind::number);  // subnormal in float32
  CHECK(v > 0.0f);
  CHECK(v < 1.2e-38f);
}

TEST_CASE("parse_number_double keeps double precision (labels)") {
  double d = 0;
  CHECK(parse_number_double("0.1", d) == NumberKind::number);
  CHECK(d == 0.1);
  CHECK(parse_number_double("1.0", d) == NumberKind::number);
  CHECK(d == 1.0);
  CHECK(parse_number_double("cat", d) == NumberKind::not_number);
}

TEST_CASE("CsvReader: header, delimiter detection, records") {
  CHECK(records("a,b\n1,2\n3,4\n") == "1|2\n3|4\n");
  CHECK(records("a;b\n1,5;2\n") == "1,5|2\n");
  CHECK(records("a\tb\n1\t2\n") == "1|2\n");
  CHECK(records("a|b\n1|2\n") == "1|2\n");
  CHECK(records("a,b;c\n1,2;3\n", ';') == "1,2|3\n");
  CHECK(records("only\n1\n2\n") == "1\n2\n");
  CsvReader r("m.csv", "x;y;z\n", 6);
  CHECK(r.delimiter() == ';');
  REQUIRE(r.header().size() == 3);
  CHECK(r.header()[2] == "z");
  CHECK(r.column_index("y") == 1);
  CHECK(r.column_index("w") == -1);
  CHECK_FALSE(r.next());
}

TEST_CASE("CsvReader: BOM, CRLF, blank lines, missing final newline, trailing empty field") {
  CHECK(records("\xEF\xBB\xBF"
                "a,b\r\n1,2\r\n") == "1|2\n");
  CsvReader r("m.csv", "\xEF\xBB\xBF"
                       "a,b\n",
              8);
  CHECK(r.header()[0] == "a");
  CHECK(records("a,b\n\n1,2\n  \n\n3,4") == "1|2\n3|4\n");
  CHECK(records("a,b,c\n1,,\n") == "1||\n");
  CHECK(records("\n\na,b\n1,2\n") == "1|2\n");
}

TEST_CASE("CsvReader: quoted fields") {
  CHECK(records("a,b\n\"x,y\",2\n") == "x,y|2\n");
  CHECK(records("a,b\n\"say \"\"hi\"\"\",2\n") == "say \"hi\"|2\n");
  CHECK(records("a,b\n\"line1\nline2\",2\n3,4\n") == "line1\nline2|2\n3|4\n");
  CHECK(records("a,b\n\"\",2\n") == "|2\n");
  CHECK(records("a,b\n5\",2\n") == "5\"|2\n");  // a quote inside an unquoted field is text
  CHECK(records("\"a,1\",b\n1,2\n") == "1|2\n");
  CsvReader r("m.csv", "\"a,1\",b\n", 8);
  CHECK(r.header()[0] == "a,1");
  CHECK(r.delimiter() == ',');
}

TEST_CASE("CsvReader: lines and columns of records") {
  const std::string t = "a,b,c\n\n1,22,333\n\"q\nq\",5,6\n7,8,9\n";
  CsvReader r("m.csv", t.data(), t.size());
  REQUIRE(r.next());
  CHECK(r.line() == 3);
  CHECK(r.column(0) == 1);
  CHECK(r.column(1) == 3);
  CHECK(r.column(2) == 6);
  REQUIRE(r.next());
  CHECK(r.line() == 4);
  CHECK(r.field(0) == "q\nq");
  REQUIRE(r.next());
  CHECK(r.line() == 6);
  CHECK(r.column(2) == 5);
  CHECK_FALSE(r.next());
}

TEST_CASE("CsvReader: errors name file, line and column") {
  CHECK(data_error([] { CsvReader r("e.csv", "", 0); }) == "e.csv:1: the file is empty: a header row is required");
  CHECK(data_error([] { CsvReader r("e.csv", "\n\n  \n", 4); }) == "e.csv:1: the file is empty: a header row is required");
  CHECK(data_error([] { CsvReader r("e.csv", "a,b,a\n", 6); }).rfind("e.csv:1:5: duplicate column name 'a'", 0) == 0);
  const std::string unclosed = "a,b\n1,2\n\"3,4\n5,6\n";
  CHECK(data_error([&] {
          CsvReader r("e.csv", unclosed.data(), unclosed.size());
          while (r.next()) {
          }
        }).rfind("e.csv:3:1: unclosed quote", 0) == 0);
  const std::string after = "a,b\n1,\"2\"x\n";
  CHECK(data_error([&] {
          CsvReader r("e.csv", after.data(), after.size());
          while (r.next()) {
          }
        }).rfind("e.csv:2:6: unexpected text after a closing quote", 0) == 0);
  const std::string nul("a,b\n1,2\n3,\0,4\n", 14);
  CHECK(data_error([&] {
          CsvReader r("e.csv", nul.data(), nul.size());
          while (r.next()) {
          }
        }).rfind("e.csv:3:3: NUL byte", 0) == 0);
}

TEST_CASE("CsvReader: invalid UTF-8 anywhere is a data error at its line and column (in characters)") {
  auto read_all = [](const std::string& text) {
    return data_error([&] {
      CsvReader r("e.csv", text.data(), text.size());
      while (r.next()) {
      }
    });
  };
  const std::string hint = "must be UTF-8; convert it, e.g. 'iconv -f latin1 -t utf-8 OLD > NEW'";
  // A Latin-1 header (a spreadsheet export): found before any name reaches JSON.
  const std::string header = read_all("a,caf\xe9,b\n1,2,3\n");
  CHECK(header.rfind("e.csv:1:6: column 2: invalid UTF-8 (byte 0xE9): a CSV file " + hint, 0) == 0);
  // A label, after a valid two-byte character: the column counts characters, and names the CSV column.
  CHECK(read_all("x,label\n1,\xc3\xa9t\xc3\xa9\n2,\xe9t\xe9\n").rfind("e.csv:3:3: column 2 ('label'): invalid UTF-8 (byte 0xE9)", 0) ==
        0);
  // In a quoted field running over two lines: the physical line of the byte.
  CHECK(read_all("a,b\n1,\"x\ny\xff\"\n").rfind("e.csv:3:2: invalid UTF-8 (byte 0xFF)", 0) == 0);
  // Truncated, overlong and surrogate sequences; past U+10FFFF.
  CHECK(read_all("a,b\n1,\xc3\n").find("invalid UTF-8 (byte 0xC3)") != std::string::npos);
  CHECK(read_all("a,b\n1,\xc0\xaf\n").find("invalid UTF-8 (byte 0xC0)") != std::string::npos);
  CHECK(read_all("a,b\n1,\xed\xa0\x80\n").find("invalid UTF-8 (byte 0xED)") != std::string::npos);
  CHECK(read_all("a,b\n1,\xf4\x90\x80\x80\n").find("invalid UTF-8 (byte 0xF4)") != std::string::npos);
  // Valid UTF-8 of every length passes, BOM included.
  CHECK(records("\xef\xbb\xbf\xc3\xa9,\xe2\x82\xac,\xf0\x9f\x8c\xb2\n1,2,3\n") == "1|2|3\n");
}

TEST_CASE("CsvReader: CR-only line ends and unnamed header columns are named as such") {
  // Old Mac line ends: one long line, once rejected for a duplicate column name.
  const std::string cr = "a,b,label\r0.4,1,0\r0.4,2,1\r";
  CHECK(data_error([&] { CsvReader r("e.csv", cr.data(), cr.size()); }) ==
        "e.csv:1:10: line ends are CR only (old Mac): the file reads as one line; convert them, e.g. "
        "'tr \"\\r\" \"\\n\" < OLD > NEW'");
  // CRLF is fine, and so is a CR inside a quoted header name.
  CHECK(records("a,b\r\n1,2\r\n") == "1|2\n");
  CHECK(records("\"a\rx\",b\n1,2\n") == "1|2\n");
  // Every line ending with a delimiter: the header's last column has no name (line 1, its column).
  const std::string trailing = "a,b,c,d,e,\n1,2,3,4,5,\n";
  CHECK(data_error([&] { CsvReader r("e.csv", trailing.data(), trailing.size()); }) ==
        "e.csv:1:11: column 6 of the header has no name: does every line end with ','? remove the trailing "
        "delimiter, or name the column");
  const std::string index = ";a;b\n0;1;2\n";
  CHECK(data_error([&] { CsvReader r("e.csv", index.data(), index.size()); })
            .rfind("e.csv:1:1: column 1 of the header has no name (an index written without a name", 0) == 0);
  const std::string middle = "a, ,b\n1,2,3\n";
  CHECK(data_error([&] { CsvReader r("e.csv", middle.data(), middle.size()); }) ==
        "e.csv:1:3: column 2 of the header has no name: every column needs a name");
}

TEST_CASE("CsvReader: files, gzip by magic bytes, missing file") {
  const std::string dir = NNTRAIN_TESTDATA_DIR "/csv/";
  {
    CsvReader r(dir + "ok_gzip.csv.gz");
    size_t n = 0;
    while (r.next()) ++n;
    CHECK(n == 1000);
    CHECK(r.header().size() == 3);
  }
  CHECK(data_error([&] { CsvReader r(dir + "no_such_file.csv"); }) ==
        dir + "no_such_file.csv: cannot open the file: No such file or directory");
  CHECK(data_error([&] { CsvReader r(dir); }).find("folder") != std::string::npos);
  // Truncated gzip: the error comes after the last complete line (515), not as a ragged row.
  CHECK(data_error([&] {
          CsvReader r(dir + "bad_truncated.csv.gz");
          while (r.next()) {
          }
        }).rfind(dir + "bad_truncated.csv.gz:516:1: the gzip data is truncated", 0) == 0);
}
