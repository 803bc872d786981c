// Tests for init.h: each scheme's distribution (bounds, moments), auto's choice, zero biases,
// reproducibility from the seed.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "nntrain/core/error.h"
#include "nntrain/core/init.h"

using namespace nntrain;

static void moments(const std::vector<float>& v, double& mean, double& std_dev, double& max_abs) {
  double s = 0, s2 = 0;
  max_abs = 0;
  for (float x : v) {
    s += x;
    s2 += double(x) * x;
    max_abs = std::max(max_abs, double(std::abs(x)));
  }
  mean = s / v.size();
  std_dev = std::sqrt(s2 / v.size() - mean * mean);
}

TEST_CASE("torch: W and b ~ U(±1/sqrt(in))") {
  const size_t in = 100, out = 200;
  std::vector<float> W(in * out), b(out, 9.0f);
  Rng rng(1);
  init_linear(W.data(), b.data(), in, out, InitScheme::torch, Act::relu, 0.01, rng);
  double m, s, mx;
  moments(W, m, s, mx);
  CHECK(mx <= 0.1);
  CHECK(s == doctest::Approx(0.1 / std::sqrt(3.0)).epsilon(0.02));
  CHECK(std::abs(m) < 0.002);
  moments(b, m, s, mx);
  CHECK(mx <= 0.1);
  CHECK(s > 0.03);
}

TEST_CASE("he: N(0, 2/in) (leaky_relu: 2/((1+a²)·in)), zero bias; xavier: U(±sqrt(6/(in+out))), zero bias") {
  const size_t in = 100, out = 200;
  std::vector<float> W(in * out), b(out, 9.0f);
  Rng rng(2);
  double m, s, mx;
  init_linear(W.data(), b.data(), in, out, InitScheme::he, Act::relu, 0.01, rng);
  moments(W, m, s, mx);
  CHECK(s == doctest::Approx(std::sqrt(2.0 / in)).epsilon(0.02));
  for (float x : b) CHECK(x == 0.0f);
  init_linear(W.data(), b.data(), in, out, InitScheme::he, Act::leaky_relu, 0.5, rng);
  moments(W, m, s, mx);
  CHECK(s == doctest::Approx(std::sqrt(2.0 / (1.25 * in))).epsilon(0.02));
  init_linear(W.data(), b.data(), in, out, InitScheme::xavier, Act::tanh, 0.01, rng);
  moments(W, m, s, mx);
  const double bound = std::sqrt(6.0 / (in + out));
  CHECK(mx <= bound);
  CHECK(s == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));
}

TEST_CASE("auto is he after relu/leaky_relu/gelu, xavier otherwise; names parse") {
  CHECK(resolve_init(InitScheme::auto_, Act::relu) == InitScheme::he);
  CHECK(resolve_init(InitScheme::auto_, Act::gelu) == InitScheme::he);
  CHECK(resolve_init(InitScheme::auto_, Act::leaky_relu) == InitScheme::he);
  CHECK(resolve_init(InitScheme::auto_, Act::sigmoid) == InitScheme::xavier);
  CHECK(resolve_init(InitScheme::auto_, Act::identity) == InitScheme::xavier);
  CHECK(resolve_init(InitScheme::torch, Act::relu) == InitScheme::torch);
  CHECK(parse_init("xavier") == InitScheme::xavier);
  CHECK_THROWS_AS(parse_init("orthogonal"), ConfigError);
}

TEST_CASE("same seed, same weights") {
  std::vector<float> a(50), b(50), ba(5), bb(5);
  Rng r1(3), r2(3);
  init_linear(a.data(), ba.data(), 10, 5, InitScheme::auto_, Act::relu, 0.01, r1);
  init_linear(b.data(), bb.data(), 10, 5, InitScheme::auto_, Act::relu, 0.01, r2);
  CHECK(a == b);
}
