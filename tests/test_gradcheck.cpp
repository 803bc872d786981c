// Tests for tests/gradcheck.h itself: it must reject a wrong backward, including a subtly
// wrong one, and accept a right one.
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck.h"
#include "nntrain/core/activation.h"
#include "nntrain/core/linear.h"

using namespace nntrain;

TEST_CASE("the checker rejects a wrong backward and accepts the right one") {
  const size_t n = 10;
  auto z = gradcheck::random_vector(n, 41);
  const auto r = gradcheck::random_vector(n, 42);
  std::vector<double> zz(n), a(n), right(n), wrong(n);
  auto scalar = [&] {
    zz = z;
    bias_act_forward<double>(zz.data(), a.data(), nullptr, 1, n, Act::sigmoid, 0.0);
    return gradcheck::dot(a.data(), r.data(), n);
  };
  scalar();
  act_backward<double>(right.data(), r.data(), zz.data(), a.data(), 1, n, Act::sigmoid, 0.0);
  // A plausible bug: the tanh derivative 1 - a² used for a sigmoid.
  act_backward<double>(wrong.data(), r.data(), zz.data(), a.data(), 1, n, Act::tanh, 0.0);
  CHECK(gradcheck::max_error(gradcheck::check(scalar, {{"z", z.data(), n, right.data()}})) < gradcheck::kTolerance);
  CHECK(gradcheck::max_error(gradcheck::check(scalar, {{"z", z.data(), n, wrong.data()}})) > 0.1);
}

TEST_CASE("the checker catches a 1% error in one weight-gradient entry and a missing bias gradient") {
  const size_t B = 3, in = 4, out = 2;
  auto x = gradcheck::random_vector(B * in, 43), W = gradcheck::random_vector(out * in, 44),
       b = gradcheck::random_vector(out, 45);
  const auto r = gradcheck::random_vector(B * out, 46);
  std::vector<double> z(B * out), dx(B * in), dW(out * in, 0.0), db(out, 0.0);
  auto scalar = [&] {
    linear_forward<double>(z.data(), x.data(), W.data(), B, in, out);
    bias_act_forward<double>(z.data(), z.data(), b.data(), B, out, Act::identity, 0.0);
    return gradcheck::dot(z.data(), r.data(), z.size());
  };
  linear_backward<double>(dx.data(), dW.data(), db.data(), r.data(), x.data(), W.data(), B, in, out);
  dW[3] *= 1.01;
  const std::vector<double> no_db(out, 0.0);
  const auto res = gradcheck::check(scalar, {{"W", W.data(), W.size(), dW.data()}, {"b", b.data(), out, no_db.data()}});
  CHECK(res[0].rel_error > 10 * gradcheck::kTolerance);
  CHECK(res[1].rel_error == doctest::Approx(1.0));
}
