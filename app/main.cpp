// nntrain's entry point, nntrain_main(): builds the command line from the cmd_<command> pairs
// and is the one place where an error becomes a stderr line ("nntrain: error: ...") and an exit
// code. It does no work of its own: each command's run_<command>() does it. main() is in
// entry.cpp, so the whole-path fuzzer (fuzz/fuzz_cli.cpp) can link these objects and call it.
#include "nntrain_main.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <new>
#include <string>
#include <system_error>
#include <vector>

#include "cmd_check.h"
#include "cmd_compare.h"
#include "cmd_cv.h"
#include "cmd_devices.h"
#include "cmd_evaluate.h"
#include "cmd_export.h"
#include "cmd_fit.h"
#include "cmd_info.h"
#include "cmd_predict.h"
#include "nntrain/data/did_you_mean.h"
#include "nntrain/data/utf8.h"
#include "nntrain/dist/launch.h"
#include "nntrain/core/error.h"

namespace {

// One line whatever the text holds: a quoted CSV field or a YAML value may carry a newline or
// a control character, a path from the command line bytes that are not UTF-8.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : nntrain::printable_utf8(text)) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

int print_error(const std::string& text, int code) {
  std::fprintf(stderr, "nntrain: error: %s\n", one_line(text).c_str());
  return code;
}

// The last resort for an exception no layer turned into an nntrain::Error: its text is a
// library's, not ours, so the line says what failed and, for the file system, on which path.
int print_foreign_error(const std::string& cmd) {
  const std::string op = "'nntrain " + cmd + "'";
  try {
    throw;
  } catch (const std::filesystem::filesystem_error& e) {
    std::string where = e.path1().empty() ? std::string() : " on " + e.path1().string();
    return print_error(op + ": a file system operation failed" + where + ": " + e.code().message(), nntrain::kExitUsage);
  } catch (const std::system_error& e) {
    return print_error(op + ": the system refused a resource (" + e.code().message() +
                           "); check free memory, threads and open files (ulimit)", nntrain::kExitUsage);
  } catch (...) {
    return print_error(op + " stopped on an unexpected internal error; please report it with the command "
                            "and input that caused it", nntrain::kExitUsage);
  }
}

// The first argument names a command; when it names none, say which one was probably meant.
// Returns -1 when argv is fine (or not a command at all: options, nothing).
int check_command_name(int argc, char** argv, const CLI::App& app) {
  if (argc < 2 || argv[1][0] == '-') return -1;
  const std::string given = argv[1];
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == given) return -1;
    names.push_back(sub->get_name());
  }
  std::string msg = "unknown command '" + given + "'";
  const std::string best = nntrain::closest_name(given, names);
  if (!best.empty()) msg += "; did you mean '" + best + "'?";
  msg += " (run 'nntrain --help' for the list)";
  return print_error(msg, nntrain::kExitUsage);
}

// " (did you mean '--threads'?)" for the first --flag on the command line that the command
// does not have and that is close to one it has; "" otherwise.
std::string option_hint(int argc, char** argv, const CLI::App& cmd) {
  std::vector<std::string> known;
  for (const CLI::Option* opt : cmd.get_options())
    for (const std::string& l : opt->get_lnames()) known.push_back("--" + l);
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a.size() < 3) continue;
    a = a.substr(0, a.find('='));
    if (std::find(known.begin(), known.end(), a) == known.end()) return nntrain::did_you_mean(a, known);
  }
  return "";
}

// Every command's options and its CLI11 subcommand, in `nntrain --help` order.
struct Commands {
  FitCmdOptions fit_o;
  PredictOptions predict_o;
  EvaluateOptions evaluate_o;
  InfoOptions info_o;
  CheckOptions check_o;
  CvOptions cv_o;
  CompareOptions compare_o;
  DevicesOptions devices_o;
  ExportOptions export_o;
  CLI::App *fit, *predict, *evaluate, *info, *check, *cv, *compare, *devices, *export_cmd;

  explicit Commands(CLI::App& app)
      : fit(setup_fit(app, fit_o)),
        predict(setup_predict(app, predict_o)),
        evaluate(setup_evaluate(app, evaluate_o)),
        info(setup_info(app, info_o)),
        check(setup_check(app, check_o)),
        cv(setup_cv(app, cv_o)),
        compare(setup_compare(app, compare_o)),
        devices(setup_devices(app, devices_o)),
        export_cmd(setup_export(app, export_o)) {}

  // The parsed command's run_<command>(); its exceptions go to the caller.
  int run() const {
    if (*fit) return run_fit(fit_o);
    if (*predict) return run_predict(predict_o);
    if (*evaluate) return run_evaluate(evaluate_o);
    if (*info) return run_info(info_o);
    if (*check) return run_check(check_o);
    if (*cv) return run_cv(cv_o);
    if (*compare) return run_compare(compare_o);
    if (*devices) return run_devices(devices_o);
    if (*export_cmd) return run_export(export_o);
    return print_error("no command given (run 'nntrain --help')", nntrain::kExitUsage);
  }
};

// CLI11's parse error as our one line, naming the command and the option it probably meant.
int parse_error(const CLI::ParseError& e, int argc, char** argv, const CLI::App& app) {
  std::string what = e.what();
  std::replace(what.begin(), what.end(), '\n', ' ');
  const auto parsed = app.get_subcommands();
  if (parsed.empty()) return print_error(what + " (see 'nntrain --help')", nntrain::kExitUsage);
  const std::string cmd = parsed.front()->get_name();
  what += option_hint(argc, argv, *parsed.front());
  return print_error(cmd + ": " + what + " (see 'nntrain " + cmd + " --help')", nntrain::kExitUsage);
}

// K copies of predict or cv would write the same files K times: only fit is distributed.
// -1 when this process may go on.
int refuse_under_mpirun(const Commands& c, const CLI::App& app) {
  if (nntrain::dist::launcher_world_size() <= 1 || *c.fit) return -1;
  if (nntrain::dist::launcher_rank() != 0) return nntrain::kExitUsage;  // one line for the job
  return print_error("only 'nntrain fit' runs under mpirun; run '" + app.get_subcommands().front()->get_name() +
                         "' as one process (a sweep or cv on a cluster: one task per run, see the README)",
                     nntrain::kExitUsage);
}

}  // namespace

int nntrain_main(int argc, char** argv) {
  CLI::App app{"nntrain: train multi-layer perceptrons from the command line.\n"
               "  nntrain fit config.yaml      trains and writes a run directory (model.bin, log.csv, ...)\n"
               "  nntrain predict model.bin new.csv\n"
               "Run 'nntrain COMMAND --help' for a command's options.",
               "nntrain"};
  app.set_version_flag("--version", std::string("nntrain ") + NNTRAIN_VERSION);
  app.require_subcommand(1);
  app.get_formatter()->column_width(32);
  Commands commands(app);  // not const: parsing writes the options

  if (argc < 2) {  // no command: the overview, as an error
    std::fputs(app.help().c_str(), stderr);
    return nntrain::kExitUsage;
  }
  if (const int rc = check_command_name(argc, argv, app); rc >= 0) return rc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return parse_error(e, argc, argv, app);
  }
  if (const int rc = refuse_under_mpirun(commands, app); rc >= 0) return rc;
  try {
    return commands.run();
  } catch (const nntrain::Error& e) {
    return print_error(e.formatted(), e.exit_code());
  } catch (const std::bad_alloc&) {
    return print_error("out of memory (try a smaller batch_size or a smaller network)", nntrain::kExitUsage);
  } catch (...) {
    const std::vector<CLI::App*> parsed = app.get_subcommands();
    return print_foreign_error(parsed.empty() ? std::string("?") : parsed.front()->get_name());
  }
}
