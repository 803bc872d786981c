// Small helpers shared by several unit-test files: a thrown nntrain error as text, and a
// LayerSpec in one call. Tests only; nothing here is part of the library.
#pragma once
#include <string>

#include "nntrain/core/config.h"
#include "nntrain/core/error.h"

namespace test_util {

// Runs `f`; the E it throws as "EXIT FILE:LINE:COLUMN: message" ("FILE:LINE:COLUMN: message"
// without with_exit_code), or "(no error)". Any other exception passes through.
template <class E = nntrain::Error, class F>
std::string error_of(F f, bool with_exit_code = true) {
  try {
    f();
  } catch (const E& e) {
    return (with_exit_code ? std::to_string(e.exit_code()) + " " : std::string()) + e.formatted();
  }
  return "(no error)";
}

// A layer of `units` with activation `act`; the other fields as LayerSpec's defaults.
inline nntrain::LayerSpec layer(int units, const char* act, double dropout = 0, double slope = 0.01) {
  nntrain::LayerSpec s;
  s.units = units;
  s.activation = act;
  s.dropout = dropout;
  s.negative_slope = slope;
  return s;
}

}  // namespace test_util
