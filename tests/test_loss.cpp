// Tests for loss.h: each loss's value and gradient against PyTorch (fixtures), each kernel
// against finite differences in double (the fused heads w.r.t. the logits), make_loss's
// checks, balanced weights, and evaluate_loss's exact weighted mean over chunks.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core_fixtures.h"
#include "gradcheck.h"
#include "nntrain/core/error.h"
#include "nntrain/core/loss.h"
#include "test_util.h"

using namespace nntrain;

using test_util::layer;

TEST_CASE("losses match PyTorch: value and gradient") {
  for (const auto& c : fixtures::core()["losses"]) {
    const std::string name = c["name"];
    CAPTURE(name);
    const size_t rows = c["rows"], cols = c["cols"];
    const auto input = fixtures::floats(c["input"]);
    const auto target = fixtures::floats(c["target"]);
    LossConfig cfg;
    std::vector<float> weights;
    LayerSpec last = layer(int(cols), "identity");
    if (name.rfind("bce", 0) == 0) {
      cfg.name = "bce";
      if (c.contains("pos_weight")) cfg.pos_weight = double(c["pos_weight"]);
      last = layer(1, "sigmoid");
    } else if (name.rfind("cross_entropy", 0) == 0) {
      cfg.name = "cross_entropy";
      last = layer(int(cols), "softmax");
      if (c.contains("weights")) weights = fixtures::floats(c["weights"]);
      if (c.contains("class_counts")) {
        // balanced weights must come out as sklearn's, which the fixture used
        const auto w = balanced_class_weights(c["class_counts"].get<std::vector<size_t>>());
        CHECK(fixtures::worst(w, weights, 0, 1e-6) <= 1);
      }
    } else if (name.rfind("huber", 0) == 0) {
      cfg.name = "huber";
      cfg.delta = c["delta"];
    } else {
      cfg.name = name;
    }
    const auto loss = make_loss(cfg, last, weights);
    std::vector<float> grad(input.size());
    const ConstMatrix in(input.data(), rows, cols);
    const ConstMatrix tg(target.data(), rows, target.size() / rows);
    Matrix d{grad.data(), rows, cols};
    const double v = loss->forward(in, in, tg, &d);  // fused heads read the logits, the others the output
    CHECK(v == doctest::Approx(double(c["value"])).epsilon(1e-6));
    CHECK(fixtures::worst(grad, fixtures::floats(c["grad"]), 1e-7, 1e-5) <= 1);
    CHECK(loss->forward(in, in, tg, nullptr) == v);
  }
}

TEST_CASE("every loss kernel passes the gradient check in double (fused heads w.r.t. logits)") {
  const size_t rows = 5, cols = 3;
  auto x = gradcheck::random_vector(rows * cols, 21, 2.0);
  auto y = gradcheck::random_vector(rows * cols, 22);
  // keep x - y away from the kinks of mae (0) and huber (±delta)
  for (size_t i = 0; i < x.size(); ++i) {
    double d = x[i] - y[i];
    for (double k : {0.0, 0.8, -0.8})
      if (std::abs(d - k) < 0.05) d += 0.1;
    x[i] = y[i] + d;
  }
  std::vector<double> y01(rows), labels(rows), grad(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    y01[r] = r % 2;
    labels[r] = double(r % cols);
  }
  const float w[3] = {0.5f, 2.0f, 1.5f};
  struct Case {
    const char* name;
    size_t n;
    std::function<double(double*)> f;  // value, gradient into the argument when non-null
  };
  const std::vector<Case> cases{
      {"bce", rows, [&](double* d) { return bce_with_logits_loss<double>(x.data(), y01.data(), rows, 1.0, d); }},
      {"bce pos_weight", rows, [&](double* d) { return bce_with_logits_loss<double>(x.data(), y01.data(), rows, 2.5, d); }},
      {"cross_entropy", rows * cols,
       [&](double* d) { return cross_entropy_loss<double>(x.data(), labels.data(), rows, cols, nullptr, d); }},
      {"cross_entropy weighted", rows * cols,
       [&](double* d) { return cross_entropy_loss<double>(x.data(), labels.data(), rows, cols, w, d); }},
      {"mse", rows * cols, [&](double* d) { return mse_loss<double>(x.data(), y.data(), rows * cols, d); }},
      {"mae", rows * cols, [&](double* d) { return l1_loss<double>(x.data(), y.data(), rows * cols, d); }},
      {"huber", rows * cols, [&](double* d) { return huber_loss<double>(x.data(), y.data(), rows * cols, 0.8, d); }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    c.f(grad.data());
    const auto res = gradcheck::check([&] { return c.f(nullptr); }, {{"input", x.data(), c.n, grad.data()}});
    CHECK(gradcheck::max_error(res) < gradcheck::kTolerance);
  }
}

TEST_CASE("fused heads equal the unfused composition where that is finite") {
  // sigmoid then BCE, softmax then NLL, computed naively in double
  const double x[3] = {0.3, -1.2, 2.0}, t[3] = {1, 0, 1};
  double naive = 0;
  for (int i = 0; i < 3; ++i) {
    const double p = 1 / (1 + std::exp(-x[i]));
    naive += -(t[i] * std::log(p) + (1 - t[i]) * std::log(1 - p));
  }
  CHECK(bce_with_logits_loss<double>(x, t, 3, 1.0, nullptr) == doctest::Approx(naive / 3).epsilon(1e-12));
  const double z[6] = {0.1, 0.5, -0.3, 2.0, 1.0, 0.0}, lab[2] = {2, 0};
  double nll = 0;
  for (int r = 0; r < 2; ++r) {
    double s = 0;
    for (int j = 0; j < 3; ++j) s += std::exp(z[r * 3 + j]);
    nll += -std::log(std::exp(z[r * 3 + int(lab[r])]) / s);
  }
  CHECK(cross_entropy_loss<double>(z, lab, 2, 3, nullptr, nullptr) == doctest::Approx(nll / 2).epsilon(1e-12));
}

TEST_CASE("make_loss rejects a last layer that does not fit, with the fix in the message") {
  LossConfig bce;
  CHECK_THROWS_AS(make_loss(bce, layer(2, "sigmoid")), ConfigError);
  CHECK_THROWS_AS(make_loss(bce, layer(1, "identity")), ConfigError);
  try {
    make_loss(bce, layer(3, "softmax"));
    FAIL("no throw");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("cross_entropy") != std::string::npos);
  }
  LossConfig ce;
  ce.name = "cross_entropy";
  CHECK_THROWS_AS(make_loss(ce, layer(3, "relu")), ConfigError);
  CHECK_NOTHROW(make_loss(ce, layer(3, "softmax")));
  CHECK_THROWS_AS(make_loss(ce, layer(3, "softmax"), {1.0f, 2.0f}), DataError);
  LossConfig bad;
  bad.name = "hinge";
  CHECK_THROWS_AS(make_loss(bad, layer(1, "identity")), ConfigError);
  CHECK(make_loss(bce, layer(1, "sigmoid"))->uses_logits());
  LossConfig mse;
  mse.name = "mse";
  CHECK_FALSE(make_loss(mse, layer(2, "identity"))->uses_logits());
}

TEST_CASE("cross_entropy rejects a target that is not a class index") {
  const float z[4] = {0, 1, 2, 3}, t[2] = {0, 2};
  CHECK_THROWS_AS(cross_entropy_loss<float>(z, t, 2, 2, nullptr, nullptr), DataError);
}

TEST_CASE("balanced_class_weights is n / (classes · count)") {
  const auto w = balanced_class_weights({6, 2, 4});
  CHECK(w[0] == doctest::Approx(12.0 / 18));
  CHECK(w[1] == doctest::Approx(2.0));
  CHECK(w[2] == doctest::Approx(1.0));
}

TEST_CASE("evaluate_loss is the exact (weighted) mean over all rows, chunked by max_batch") {
  // identity network 2 -> 3 with softmax: logits = x·Wᵀ + b
  std::vector<LayerSpec> layers{layer(3, "softmax")};
  Network small(layers, 2, 3), big(layers, 2, 10);
  Rng rng(1);
  small.init("xavier", rng);
  std::copy(small.params(), small.params() + small.num_params(), big.params());
  std::vector<float> x(10 * 2), y(10);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(double(i)));
  for (size_t i = 0; i < y.size(); ++i) y[i] = float(i % 3);
  LossConfig ce;
  ce.name = "cross_entropy";
  const auto loss = make_loss(ce, layers.back(), {0.2f, 1.0f, 3.0f});
  std::vector<float> out_small(30), out_big(30);
  Matrix os{out_small.data(), 10, 3}, ob{out_big.data(), 10, 3};
  small.train();
  const double a = evaluate_loss(small, *loss, ConstMatrix(x.data(), 10, 2), ConstMatrix(y.data(), 10, 1), rng, &os);
  CHECK(small.is_training());  // mode restored
  const double b = evaluate_loss(big, *loss, ConstMatrix(x.data(), 10, 2), ConstMatrix(y.data(), 10, 1), rng, &ob);
  CHECK(a == doctest::Approx(b).epsilon(1e-6));
  CHECK(out_small == out_big);
}

TEST_CASE("forward_part: a shard's gradient rows are the whole batch's, bit for bit; the parts sum to the mean") {
  // 6 rows of 3 classes (cross_entropy, weighted) and of 3 outputs (bce, mse): rows 0-1 and 2-5.
  std::vector<float> z(18), t3(18), cls(6), g_whole(18), g_part(18);
  for (size_t i = 0; i < z.size(); ++i) z[i] = float(std::sin(double(i) * 1.7));
  for (size_t i = 0; i < t3.size(); ++i) t3[i] = float(i % 2);
  for (size_t r = 0; r < 6; ++r) cls[r] = float(r % 3);
  LossConfig ce, bce, mse;
  ce.name = "cross_entropy";
  bce.name = "bce";
  mse.name = "mse";
  struct L {
    std::unique_ptr<Loss> loss;
    const float* target;
    size_t tcols;
  };
  L losses[] = {{make_loss(ce, layer(3, "softmax"), {0.5f, 2.0f, 1.0f}), cls.data(), 1},
                {make_loss(bce, layer(1, "sigmoid")), t3.data(), 3},
                {make_loss(mse, layer(3, "identity")), t3.data(), 3}};
  for (L& l : losses) {
    const ConstMatrix Z(z.data(), 6, 3), T(l.target, 6, l.tcols);
    Matrix G{g_whole.data(), 6, 3};
    const double whole = l.loss->forward(Z, Z, T, &G);
    const double denom = l.loss->mean_denominator(T);
    double sum = 0;
    for (size_t r0 : {0, 2}) {
      const size_t n = r0 == 0 ? 2 : 4;
      Matrix P{g_part.data() + r0 * 3, n, 3};
      const ConstMatrix Zp(z.data() + r0 * 3, n, 3);
      sum += l.loss->forward_part(Zp, Zp, ConstMatrix(l.target + r0 * l.tcols, n, l.tcols), &P, denom);
    }
    CHECK(g_part == g_whole);
    CHECK(sum == doctest::Approx(whole).epsilon(1e-12));
  }
}
