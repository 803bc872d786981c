// Loads tests/fixtures/core_fixtures.json (written by make_core_fixtures.py with PyTorch)
// once for the core's tests, and small helpers to read its arrays.
#pragma once
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fixtures {

inline const nlohmann::json& core() {
  static const nlohmann::json j = [] {
    std::ifstream in(std::string(NNTRAIN_FIXTURES_DIR) + "/core_fixtures.json");
    if (!in) throw std::runtime_error("cannot open core_fixtures.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

inline std::vector<float> floats(const nlohmann::json& a) { return a.get<std::vector<float>>(); }
inline std::vector<double> doubles(const nlohmann::json& a) { return a.get<std::vector<double>>(); }

// max_i |a_i - b_i| / (atol + rtol·|b_i|) <= 1 ?
template <class A, class B>
inline double worst(const A& a, const B& b, double atol, double rtol) {
  if (a.size() != b.size()) return 1e30;
  double w = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(double(a[i]) - double(b[i])) / (atol + rtol * std::abs(double(b[i])));
    if (std::isnan(d)) return 1e30;
    if (d > w) w = d;
  }
  return w;
}

}  // namespace fixtures
