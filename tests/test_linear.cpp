// Tests for linear.h: a hand-computed example and the gradient check of x, W, b in double.
#include <doctest/doctest.h>

#include <vector>

#include "gradcheck.h"
#include "nntrain/core/activation.h"
#include "nntrain/core/linear.h"

using namespace nntrain;

TEST_CASE("linear forward and backward by hand") {
  // x: [2, 3], W: [2, 3], y = x·Wᵀ
  const std::vector<float> x{1, 2, 3, 4, 5, 6}, W{1, 0, -1, 0.5f, 0.5f, 0.5f};
  std::vector<float> z(4);
  linear_forward<float>(z.data(), x.data(), W.data(), 2, 3, 2);
  CHECK(z == std::vector<float>{-2, 3, -2, 7.5f});
  const std::vector<float> dz{1, 0, 0, 2};
  std::vector<float> dx(6), dW(6, 1.0f), db(2, 1.0f);  // parameter gradients accumulate onto 1
  linear_backward<float>(dx.data(), dW.data(), db.data(), dz.data(), x.data(), W.data(), 2, 3, 2);
  // dW = dzᵀ·x = [[1,2,3],[8,10,12]], db = [1, 2], dx = dz·W = [[1,0,-1],[1,1,1]]
  CHECK(dW == std::vector<float>{2, 3, 4, 9, 11, 13});
  CHECK(db == std::vector<float>{2, 3});
  CHECK(dx == std::vector<float>{1, 0, -1, 1, 1, 1});
  // dx is optional (first layer)
  linear_backward<float>(nullptr, dW.data(), db.data(), dz.data(), x.data(), W.data(), 2, 3, 2);
  CHECK(db == std::vector<float>{3, 5});
}

TEST_CASE("linear backward passes the gradient check in double") {
  const size_t B = 4, in = 5, out = 3;
  auto x = gradcheck::random_vector(B * in, 10), W = gradcheck::random_vector(out * in, 11),
       b = gradcheck::random_vector(out, 12);
  const auto r = gradcheck::random_vector(B * out, 13);
  std::vector<double> z(B * out);
  auto scalar = [&] {
    linear_forward<double>(z.data(), x.data(), W.data(), B, in, out);
    bias_act_forward<double>(z.data(), z.data(), b.data(), B, out, Act::identity, 0.0);
    return gradcheck::dot(z.data(), r.data(), z.size());
  };
  std::vector<double> dx(B * in), dW(out * in, 0.0), db(out, 0.0);
  linear_backward<double>(dx.data(), dW.data(), db.data(), r.data(), x.data(), W.data(), B, in, out);
  const auto res = gradcheck::check(scalar, {{"x", x.data(), x.size(), dx.data()},
                                             {"W", W.data(), W.size(), dW.data()},
                                             {"b", b.data(), b.size(), db.data()}});
  for (const auto& e : res) {
    CAPTURE(e.name);
    CHECK(e.rel_error < gradcheck::kTolerance);
  }
}
