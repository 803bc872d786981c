// libFuzzer target: arbitrary bytes as a CSV file, through the record reader and the number
// rules, then (when the text reads) through the dataset with options picked from the input
// size. Only nntrain::Error may come out; anything else (crash, other exception) is a finding.
// One input in eight is also read as a file (a memfd: zlib, the block thread) and must give
// the same records or the same error as the in-memory reader.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <string>

#include "nntrain/data/csv.h"
#include "nntrain/data/dataset.h"
#include "nntrain/core/error.h"

using namespace nntrain;

namespace {

// An error without its file name (the two readers name the file differently).
std::string where(const Error& e) {
  return "error " + std::to_string(e.pos().line) + ":" + std::to_string(e.pos().column) + ": " + e.message();
}

// Every record of a reader as text, or the error it stopped with.
std::string dump(CsvReader& r) {
  std::string out;
  try {
    while (r.next()) {
      out += std::to_string(r.line()) + ":";
      for (size_t i = 0; i < r.size(); ++i) out += std::string(r.field(i)) + "|" + std::to_string(r.column(i)) + "|";
      out += "\n";
    }
  } catch (const Error& e) {
    out += where(e);
  }
  return out;
}

// The in-memory reader and the file reader agree (positions and messages included).
void compare_with_file(const std::string& text) {
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b)
    return;  // gzip magic: only the file reader decompresses
  const int fd = memfd_create("fuzz", 0);
  if (fd < 0) return;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::string a, b;
  try {
    CsvReader m("fuzz.csv", text.data(), text.size());
    a = dump(m);
  } catch (const Error& e) {
    a = where(e);
  }
  try {
    CsvReader f("/proc/self/fd/" + std::to_string(fd));
    b = dump(f);
  } catch (const Error& e) {
    b = where(e);
  }
  close(fd);
  if (a != b) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The file path costs ~10 ms under AddressSanitizer (1 MiB blocks, a thread): one input in 8.
  if (std::hash<std::string>()(text) % 8 == 0) compare_with_file(text);
  std::vector<std::string> header;
  try {
    CsvReader r("fuzz.csv", text.data(), text.size());
    header = r.header();
    while (r.next()) {
      for (size_t i = 0; i < r.size(); ++i) {
        float v = 0;
        double d = 0;
        const NumberKind k = parse_number(r.field(i), v);
        const NumberKind kd = parse_number_double(r.field(i), d);
        // float and double agree on what is a number, a missing value or text
        if ((k == NumberKind::not_number) != (kd == NumberKind::not_number)) __builtin_trap();
        if ((k == NumberKind::missing) != (kd == NumberKind::missing)) __builtin_trap();
        if (r.column(i) < 1) __builtin_trap();
      }
    }
  } catch (const Error&) {
    return 0;
  }
  Config c;
  c.data.target = {header.back()};
  static const char* losses[] = {"mse", "cross_entropy", "bce"};
  c.loss.name = losses[size % 3];
  c.data.missing = (size / 3) % 2 ? "drop" : "error";
  c.data.validation_fraction = (size / 6) % 2 ? 0.25 : 0.0;
  c.data.standardize = (size / 12) % 2 == 0;
  c.data.unknown_category = "ignore";
  // Columns whose name starts with 'c' are categorical; no layers = no width check.
  for (const auto& h : header)
    if (!h.empty() && h[0] == 'c' && h != header.back()) c.data.categorical.push_back(h);
  try {
    const std::optional<FoldSpec> fold = (size / 24) % 2 ? std::optional<FoldSpec>(FoldSpec{3, static_cast<int>(size % 3)}) : std::nullopt;
    TrainingData td = load_training_data_from_text(c, "fuzz.csv", text, fold);
    if (td.train.x.size() != td.train.rows * td.train.x_cols) __builtin_trap();
    if (td.train.y.size() != td.train.rows * td.train.y_cols) __builtin_trap();
    if (td.train.x_cols != td.prep.input_width()) __builtin_trap();
    if (td.val && td.val->x.size() != td.val->rows * td.val->x_cols) __builtin_trap();
    for (float y : td.train.y)
      if (td.prep.task != Task::regression && !(y >= 0 && y < static_cast<float>(td.prep.classes.size()))) __builtin_trap();
  } catch (const Error&) {
  }
  return 0;
}
