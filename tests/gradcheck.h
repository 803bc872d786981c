// The one finite-difference gradient checker for every backward in the core (tests only):
// central differences in double, relative error ‖a−n‖/‖a+n‖ per named block (the input and
// each parameter tensor). Callers project outputs to a scalar with a fixed random vector and
// keep inputs away from kinks. Not a unit test itself: test_gradcheck.cpp proves it rejects.
#pragma once
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nntrain/core/rng.h"

namespace gradcheck {

struct Block {
  std::string name;
  double* value;          // perturbed in place, restored afterwards
  size_t n;
  const double* analytic; // the backward's gradient of the scalar w.r.t. value, [n]
};

struct Result {
  std::string name;
  double rel_error;
};

// ‖a−n‖/‖a+n‖; 0 when both are zero.
inline double rel_error(const double* a, const double* n, size_t size) {
  double diff = 0, sum = 0;
  for (size_t i = 0; i < size; ++i) {
    diff += (a[i] - n[i]) * (a[i] - n[i]);
    sum += (a[i] + n[i]) * (a[i] + n[i]);
  }
  if (sum == 0) return diff == 0 ? 0.0 : 1.0;
  return std::sqrt(diff) / std::sqrt(sum);
}

// scalar() recomputes the checked scalar from the blocks' current values.
// Step 1e-6 in double: truncation error O(h²)·f''' ≈ 1e-12, rounding ≈ 1e-16/1e-6 = 1e-10.
inline std::vector<Result> check(const std::function<double()>& scalar, const std::vector<Block>& blocks,
                                 double h = 1e-6) {
  std::vector<Result> out;
  for (const Block& b : blocks) {
    std::vector<double> numeric(b.n);
    for (size_t i = 0; i < b.n; ++i) {
      const double v = b.value[i];
      b.value[i] = v + h;
      const double plus = scalar();
      b.value[i] = v - h;
      const double minus = scalar();
      b.value[i] = v;
      numeric[i] = (plus - minus) / (2 * h);
    }
    out.push_back({b.name, rel_error(b.analytic, numeric.data(), b.n)});
  }
  return out;
}

// The tolerance every core backward must meet in double.
constexpr double kTolerance = 1e-6;

inline double max_error(const std::vector<Result>& r) {
  double m = 0;
  for (const auto& x : r) m = std::max(m, x.rel_error);
  return m;
}

// Fixed random vector (the projection of an output to a scalar, or test inputs).
inline std::vector<double> random_vector(size_t n, uint64_t seed, double scale = 1.0) {
  nntrain::Rng rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = scale * rng.normal();
  return v;
}

// Values moved at least `margin` away from each kink.
inline void away_from_kinks(std::vector<double>& v, std::initializer_list<double> kinks, double margin = 0.05) {
  for (auto& x : v)
    for (double k : kinks)
      if (std::abs(x - k) < margin) x += 2 * margin;
}

inline double dot(const double* a, const double* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace gradcheck
