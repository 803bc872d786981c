// Tests for activation.h: every activation's value and gradient against PyTorch (fixtures),
// and against finite differences in double; names; in-place forward.
#include <doctest/doctest.h>

#include <vector>

#include "core_fixtures.h"
#include "gradcheck.h"
#include "nntrain/core/activation.h"
#include "nntrain/core/error.h"

using namespace nntrain;

static Act act_of(const std::string& key, float& slope) {
  slope = 0.01f;
  if (key == "leaky_relu_0.2") {
    slope = 0.2f;
    return Act::leaky_relu;
  }
  return parse_activation(key);
}

TEST_CASE("activations match PyTorch: values and gradients") {
  const auto& f = fixtures::core()["activations"];
  const size_t rows = f["rows"], cols = f["cols"];
  const auto z0 = fixtures::floats(f["z"]);
  const auto r = fixtures::floats(f["r"]);
  for (const auto& item : f["cases"].items()) {
    const std::string key = item.key();  // (not a structured binding: clang 14's CAPTURE cannot take one)
    const auto& c = item.value();
    CAPTURE(key);
    float slope;
    const Act act = act_of(key, slope);
    std::vector<float> z = z0, a(z.size()), dz(z.size());
    bias_act_forward<float>(z.data(), a.data(), nullptr, rows, cols, act, slope);
    CHECK(fixtures::worst(a, fixtures::floats(c["a"]), 1e-6, 1e-5) <= 1);
    act_backward<float>(dz.data(), r.data(), z.data(), a.data(), rows, cols, act, slope);
    CHECK(fixtures::worst(dz, fixtures::floats(c["dz"]), 1e-6, 1e-5) <= 1);
    // In place (a == z) gives the same values where the backward does not need z.
    if (!act_needs_z(act)) {
      std::vector<float> zi = z0;
      bias_act_forward<float>(zi.data(), zi.data(), nullptr, rows, cols, act, slope);
      CHECK(zi == a);
    }
  }
}

TEST_CASE("bias is added before the activation") {
  std::vector<float> z{-1.0f, 2.0f, 0.5f, -3.0f}, a(4);
  const float b[2] = {2.0f, -1.0f};
  bias_act_forward<float>(z.data(), a.data(), b, 2, 2, Act::relu, 0.01f);
  CHECK(z == std::vector<float>{1.0f, 1.0f, 2.5f, -4.0f});
  CHECK(a == std::vector<float>{1.0f, 1.0f, 2.5f, 0.0f});
}

TEST_CASE("every activation's backward passes the gradient check in double") {
  const size_t rows = 3, cols = 4;
  for (Act act : {Act::identity, Act::sigmoid, Act::tanh, Act::relu, Act::leaky_relu, Act::gelu, Act::softmax}) {
    CAPTURE(activation_name(act));
    auto z = gradcheck::random_vector(rows * cols, 1, 2.0);
    gradcheck::away_from_kinks(z, {0.0});
    const auto r = gradcheck::random_vector(rows * cols, 2);
    const double slope = 0.07;
    std::vector<double> zz(z.size()), a(z.size()), dz(z.size()), b = gradcheck::random_vector(cols, 3);
    auto scalar = [&] {
      zz = z;
      bias_act_forward<double>(zz.data(), a.data(), b.data(), rows, cols, act, slope);
      return gradcheck::dot(a.data(), r.data(), a.size());
    };
    scalar();
    act_backward<double>(dz.data(), r.data(), zz.data(), a.data(), rows, cols, act, slope);
    std::vector<double> db(cols, 0.0);  // d/db = Σ_rows dz
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) db[j] += dz[i * cols + j];
    const auto res = gradcheck::check(scalar, {{"z", z.data(), z.size(), dz.data()}, {"b", b.data(), cols, db.data()}});
    CHECK(gradcheck::max_error(res) < gradcheck::kTolerance);
  }
}

TEST_CASE("softmax is stable for large logits and backward may run in place") {
  std::vector<float> z{1000.0f, 1001.0f, -1000.0f}, a(3);
  bias_act_forward<float>(z.data(), a.data(), nullptr, 1, 3, Act::softmax, 0.0f);
  CHECK(a[0] == doctest::Approx(0.26894142));
  CHECK(a[1] == doctest::Approx(0.73105858));
  CHECK(a[2] == 0.0f);
  std::vector<float> g{1.0f, 0.0f, 0.0f}, dz(3);
  act_backward<float>(dz.data(), g.data(), z.data(), a.data(), 1, 3, Act::softmax, 0.0f);
  act_backward<float>(g.data(), g.data(), z.data(), a.data(), 1, 3, Act::softmax, 0.0f);
  CHECK(g == dz);
}

TEST_CASE("activation names") {
  CHECK(parse_activation("gelu") == Act::gelu);
  CHECK(std::string(activation_name(Act::leaky_relu)) == "leaky_relu");
  CHECK_THROWS_AS(parse_activation("swish"), ConfigError);
}
