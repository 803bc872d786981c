// Tests for dropout.h: inverted scaling, keep rate, determinism from the seed, and the
// gradient check with a frozen mask.
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck.h"
#include "nntrain/core/dropout.h"

using namespace nntrain;

TEST_CASE("mask is 0 or 1/(1-p) with keep rate 1-p, reproducible from the seed") {
  const size_t n = 100000;
  std::vector<float> m(n), m2(n);
  Rng a(5), b(5);
  dropout_make_mask<float>(m.data(), n, 0.25, a);
  dropout_make_mask<float>(m2.data(), n, 0.25, b);
  CHECK(m == m2);
  size_t kept = 0, other = 0;
  for (float v : m) {
    other += !(v == 0.0f || v == float(1.0 / 0.75));
    kept += v != 0.0f;
  }
  CHECK(other == 0);
  CHECK(double(kept) / n == doctest::Approx(0.75).epsilon(0.01));
  dropout_make_mask<float>(m.data(), 10, 0.0, a);
  for (size_t i = 0; i < 10; ++i) CHECK(m[i] == 1.0f);
}

TEST_CASE("dropout forward/backward multiply by the mask; gradient check with a frozen mask") {
  const size_t n = 12;
  std::vector<double> mask(n);
  Rng rng(3);
  dropout_make_mask<double>(mask.data(), n, 0.5, rng);
  auto x = gradcheck::random_vector(n, 4);
  const auto r = gradcheck::random_vector(n, 5);
  std::vector<double> y(n), dx(n);
  auto scalar = [&] {
    dropout_forward<double>(y.data(), x.data(), mask.data(), n);
    return gradcheck::dot(y.data(), r.data(), n);
  };
  scalar();
  for (size_t i = 0; i < n; ++i) CHECK(y[i] == (mask[i] == 0 ? 0.0 : 2.0 * x[i]));
  dropout_backward<double>(dx.data(), r.data(), mask.data(), n);
  CHECK(gradcheck::max_error(gradcheck::check(scalar, {{"x", x.data(), n, dx.data()}})) < gradcheck::kTolerance);
}
