// Typed errors: each carries the exit code of SPEC.md and, where known, FILE:LINE:COLUMN.
// Library code throws these; only app/main.cpp turns one into a stderr line and an exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace nntrain {

// Exit codes of SPEC.md ("Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitDiverged = 1,   // loss became NaN or infinite
  kExitUsage = 2,      // usage or config error
  kExitData = 3,       // data error
  kExitModel = 4,      // model file error
  kExitSigint = 130,
  kExitSigterm = 143,
};

// A position in a file; line and column count from 1, 0 = unknown.
struct SourcePos {
  std::string file;
  long line = 0;
  long column = 0;
};

class Error : public std::runtime_error {
 public:
  Error(int exit_code, const std::string& message, SourcePos pos = {});
  int exit_code() const { return exit_code_; }
  const SourcePos& pos() const { return pos_; }
  const std::string& message() const { return message_; }
  // "FILE:LINE:COLUMN: message" (only the parts that are known), as printed after "nntrain: error: ".
  std::string formatted() const;

 private:
  int exit_code_;
  SourcePos pos_;
  std::string message_;
};

struct ConfigError : Error {  // exit 2
  explicit ConfigError(const std::string& m, SourcePos p = {}) : Error(kExitUsage, m, std::move(p)) {}
};
struct DataError : Error {  // exit 3
  explicit DataError(const std::string& m, SourcePos p = {}) : Error(kExitData, m, std::move(p)) {}
};
struct ModelFileError : Error {  // exit 4
  explicit ModelFileError(const std::string& m, SourcePos p = {}) : Error(kExitModel, m, std::move(p)) {}
};
struct DivergedError : Error {  // exit 1
  explicit DivergedError(const std::string& m) : Error(kExitDiverged, m) {}
};

}  // namespace nntrain
