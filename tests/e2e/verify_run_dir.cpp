// Test helper for the robustness e2e tests: checks that every file of a run directory that
// exists is whole (model.bin and checkpoint.bin verify, metrics.json is one JSON object, log.csv
// has only whole rows, learning_curve.svg is closed) and that nothing else is there but
// temporaries (NAME.tmp.PID). Also reads one key of a JSON file for the shell scripts.
//   verify_run_dir dir DIR          exit 0 when the directory is sound, 1 with a reason otherwise
//   verify_run_dir get FILE KEY     print the value of KEY in the JSON object in FILE
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "nntrain/run/checkpoint.h"
#include "nntrain/core/error.h"
#include "nntrain/run/model_file.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int bad(const fs::path& p, const std::string& why) {
  std::fprintf(stderr, "verify_run_dir: %s: %s\n", p.string().c_str(), why.c_str());
  return 1;
}

size_t count_fields(const std::string& line) {
  size_t n = 1;
  for (char c : line) n += c == ',';
  return n;
}

int check_log(const fs::path& p) {
  const std::string s = slurp(p);
  if (s.empty() || s.back() != '\n') return bad(p, "does not end with a whole row");
  std::istringstream in(s);
  std::string header, line;
  std::getline(in, header);
  if (header.rfind("epoch,train_loss,val_loss", 0) != 0) return bad(p, "header is '" + header + "'");
  const size_t fields = count_fields(header);
  long expect_epoch = 1;
  while (std::getline(in, line)) {
    if (count_fields(line) != fields) return bad(p, "row '" + line + "' has a different number of fields");
    char* end = nullptr;
    const long epoch = std::strtol(line.c_str(), &end, 10);
    if (end == line.c_str() || *end != ',' || epoch != expect_epoch)
      return bad(p, "row '" + line + "' is not epoch " + std::to_string(expect_epoch));
    ++expect_epoch;
  }
  return 0;
}

int check_dir(const fs::path& dir) {
  static const std::set<std::string> kKnown = {"model.bin", "checkpoint.bin", "metrics.json", "log.csv",
                                               "config.yaml", "learning_curve.svg"};
  if (!fs::is_directory(dir)) return bad(dir, "is not a directory");
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const fs::path& p = e.path();
    if (!kKnown.count(name)) {
      // A temporary of an interrupted write: NAME.tmp.PID, never at a real name.
      const size_t t = name.find(".tmp.");
      if (t == std::string::npos || !kKnown.count(name.substr(0, t))) return bad(p, "unexpected file");
      continue;
    }
    try {
      if (name == "model.bin") nntrain::load_model(p.string());
      if (name == "checkpoint.bin") nntrain::load_checkpoint(p.string());
    } catch (const nntrain::Error& err) {
      return bad(p, err.message());
    }
    if (name == "metrics.json") {
      try {
        if (!nlohmann::json::parse(slurp(p)).is_object()) return bad(p, "is not a JSON object");
      } catch (const std::exception& err) {
        return bad(p, err.what());
      }
    }
    if (name == "log.csv" && check_log(p) != 0) return 1;
    if (name == "learning_curve.svg" && slurp(p).find("</svg>") == std::string::npos) return bad(p, "is not closed");
    if (name == "config.yaml" && slurp(p).find("training:") == std::string::npos) return bad(p, "is incomplete");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "dir" && argc == 3) return check_dir(argv[2]);
  if (mode == "get" && argc == 4) {
    try {
      const auto j = nlohmann::json::parse(slurp(argv[2]));
      if (!j.contains(argv[3])) return bad(argv[2], std::string("has no key ") + argv[3]);
      const auto& v = j[argv[3]];
      std::printf("%s\n", v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
      return 0;
    } catch (const std::exception& e) {
      return bad(argv[2], e.what());
    }
  }
  std::fprintf(stderr, "usage: verify_run_dir dir DIR | get FILE KEY\n");
  return 2;
}
