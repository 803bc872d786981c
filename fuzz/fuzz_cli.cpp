// libFuzzer target: the whole program on random bytes (issue 10). An input is a YAML config,
// then `\0` and the training CSV, then `\0` and a CSV to predict on (each part optional). It
// runs `nntrain check` and `nntrain fit` through nntrain_main (app/main.cpp), and on a trained model `predict`, `evaluate` and `info`. Every command must
// end with an exit code of SPEC.md; a failure must print exactly one line, "nntrain: error: "
// then valid UTF-8 with no library's exception text, and leave no output file behind. Anything
// else is a finding (printed, then a trap).
//
// Configs that would train for long are skipped (more than 4 epochs, more than 6 layers or 64
// units, a GPU, a path outside the scratch folder), so one input stays within milliseconds.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nntrain/core/error.h"
#include "nntrain/data/config_io.h"
#include "nntrain/data/utf8.h"
#include "nntrain_main.h"

using namespace nntrain;
namespace fs = std::filesystem;

namespace {

std::string g_dir;  // the scratch folder, made once

void write(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

[[noreturn]] void finding(const std::vector<std::string>& args, int rc, const std::string& err, const char* what) {
  std::fprintf(stdout, "\nFINDING: %s\ncommand:", what);
  for (const auto& a : args) std::fprintf(stdout, " %s", a.c_str());
  std::fprintf(stdout, "\nexit code: %d\nstderr:\n%s\n", rc, err.c_str());
  std::fflush(stdout);
  __builtin_trap();
}

// Runs nntrain_main on `args` with stdout and stderr caught in memory files; returns the exit
// code and stderr's text.
int run(const std::vector<std::string>& args, std::string& err) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const int out_fd = memfd_create("out", 0), err_fd = memfd_create("err", 0);
  const int saved_out = dup(1), saved_err = dup(2);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  const int rc = nntrain_main(static_cast<int>(copy.size()), argv.data());
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  err.clear();
  char buf[4096];
  lseek(err_fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(err_fd, buf, sizeof buf)) > 0;) err.append(buf, static_cast<size_t>(n));
  close(out_fd);
  close(err_fd);
  return rc;
}

// The contract of SPEC.md for one command's outcome.
std::string g_input;  // the current input: a marker it holds itself is echoed user text, not a library's

void check(const std::vector<std::string>& args, int rc, const std::string& err, const std::string& output = "") {
  if (std::getenv("FUZZ_CLI_VERBOSE")) {  // what each input did (replaying a corpus by hand)
    std::fprintf(stdout, "%s %s -> %d %s", args[1].c_str(), args.size() > 3 ? args[3].c_str() : "", rc, err.c_str());
    if (err.empty() || err.back() != '\n') std::fputc('\n', stdout);
  }
  if (rc != 0 && rc != 1 && rc != 2 && rc != 3 && rc != 4) finding(args, rc, err, "an exit code SPEC.md does not have");
  if (invalid_utf8_at(err) != std::string::npos) finding(args, rc, err, "stderr is not UTF-8");
  for (const char* foreign : {"json.exception", "yaml-cpp", "filesystem error", "basic_string", "std::", "terminate",
                              "what()", "bad conversion", "invalid node"})
    if (err.find(foreign) != std::string::npos && g_input.find(foreign) == std::string::npos)
      finding(args, rc, err, "a library's text reached the user");
  if (rc == 0) {
    if (err.find("error") != std::string::npos) finding(args, rc, err, "success with an error on stderr");
    return;
  }
  const std::string head = "nntrain: error: ";
  if (err.compare(0, head.size(), head) != 0 || err.back() != '\n' || err.find('\n') != err.size() - 1 ||
      err.size() == head.size() + 1)
    finding(args, rc, err, "a failure that is not exactly one 'nntrain: error: ...' line");
  if (!output.empty() && rc != 1 && fs::exists(output)) finding(args, rc, err, "a failed command left its output behind");
}

// A config worth running: parses, stays small and on the CPU, reads only the scratch folder.
bool cheap(const std::string& config_path) {
  Config c;
  try {
    c = load_config(config_path);
  } catch (const Error&) {
    return true;  // fails fast in the program too: its error line is what we check
  }
  const std::string inside = g_dir + "/";
  for (const std::string* p : {&c.data.train, &c.data.validation_path, &c.data.test, &c.model.init_from})
    if (!p->empty() && p->compare(0, inside.size(), inside) != 0) return false;
  if (c.training.device != "cpu" || c.training.epochs > 4 || c.model.layers.size() > 6) return false;
  if (c.training.grad_shards > 16) return false;
  for (const auto& l : c.model.layers)
    if (l.units > 64) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/nntrain-fuzz-cli.XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  g_dir = tmpl;
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(g_dir, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (g_dir.empty()) LLVMFuzzerInitialize(nullptr, nullptr);  // the corpus replay has no initializer
  const std::string in(reinterpret_cast<const char*>(data), size);
  g_input = in;
  const size_t a = in.find('\0');
  const size_t b = a == std::string::npos ? std::string::npos : in.find('\0', a + 1);
  const std::string config = in.substr(0, a);
  const std::string train = a == std::string::npos ? std::string() : in.substr(a + 1, b == std::string::npos ? b : b - a - 1);
  const std::string fresh = b == std::string::npos ? train : in.substr(b + 1);
  const std::string cfg = g_dir + "/c.yaml", run_dir = g_dir + "/run", pred = g_dir + "/pred.csv";
  std::error_code ec;
  fs::remove_all(run_dir, ec);
  fs::remove(pred, ec);
  write(cfg, config);
  write(g_dir + "/train.csv", train);
  write(g_dir + "/new.csv", fresh);
  if (!cheap(cfg)) return 0;

  std::string err;
  std::vector<std::string> args = {"nntrain", "check", cfg};
  check(args, run(args, err), err);
  args = {"nntrain", "fit", cfg, "--out", run_dir, "--quiet", "--threads", "1"};
  const int rc = run(args, err);
  check(args, rc, err, rc == 2 || rc == 3 ? run_dir : "");
  const std::string model = run_dir + "/model.bin";
  if (rc != 0 || !fs::exists(model)) return 0;
  for (const std::string& data_file : {g_dir + "/new.csv", g_dir + "/train.csv"}) {
    args = {"nntrain", "predict", model, data_file, "-o", pred, "--threads", "1"};
    check(args, run(args, err), err, pred);
    fs::remove(pred, ec);
    args = {"nntrain", "evaluate", model, data_file};
    check(args, run(args, err), err);
  }
  args = {"nntrain", "info", model, "--json"};
  check(args, run(args, err), err);
  return 0;
}
