// Tests for network.h: whole networks in float against PyTorch (output, loss, every gradient
// via forward_backward), state_dict names and shapes, train/eval dropout, input checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core_fixtures.h"
#include "nntrain/core/error.h"
#include "nntrain/core/loss.h"
#include "nntrain/core/network.h"
#include "test_util.h"

using namespace nntrain;

using test_util::layer;

TEST_CASE("networks match PyTorch: output, loss and every parameter gradient") {
  for (const auto& c : fixtures::core()["networks"]) {
    const std::string name = c["name"];
    CAPTURE(name);
    std::vector<LayerSpec> specs;
    for (const auto& l : c["layers"]) {
      LayerSpec s = layer(l[0], l[1].get<std::string>().c_str());
      if (l.size() > 2) s.negative_slope = l[2];
      specs.push_back(s);
    }
    const size_t rows = c["rows"], in = c["in"];
    Network net(specs, in, 8);
    REQUIRE(net.parameters().size() == c["params"].size());
    for (size_t i = 0; i < net.parameters().size(); ++i) {
      const ParamInfo& p = net.parameters()[i];
      const auto& fp = c["params"][i];
      CHECK(p.name == fp["name"].get<std::string>());
      CHECK(p.shape == fp["shape"].get<std::vector<size_t>>());
      const auto v = fixtures::floats(fp["value"]);
      REQUIRE(v.size() == p.size);
      std::copy(v.begin(), v.end(), net.params() + p.offset);
    }
    LossConfig cfg;
    cfg.name = c["loss"];
    if (c.contains("pos_weight")) cfg.pos_weight = double(c["pos_weight"]);
    if (c.contains("delta")) cfg.delta = c["delta"];
    std::vector<float> weights;
    if (c.contains("weights")) weights = fixtures::floats(c["weights"]);
    const auto loss = make_loss(cfg, specs.back(), weights);
    const auto x = fixtures::floats(c["x"]);
    const auto y = fixtures::floats(c["target"]);
    const size_t tcols = c["target_cols"];
    std::vector<float> scratch(8 * net.out_features());
    Rng rng(1);
    net.train();
    net.zero_grad();
    const double v = forward_backward(net, *loss, ConstMatrix(x.data(), rows, in), ConstMatrix(y.data(), rows, tcols),
                                      rng, Matrix{scratch.data(), 8, net.out_features()});
    CHECK(v == doctest::Approx(double(c["loss_value"])).epsilon(1e-5));
    // forward_backward's forward left the output in place
    const ConstMatrix out = net.forward(ConstMatrix(x.data(), rows, in), rng);
    CHECK(fixtures::worst(std::vector<float>(out.data, out.data + out.size()), fixtures::floats(c["output"]), 1e-6,
                          1e-5) <= 1);
    for (size_t i = 0; i < net.parameters().size(); ++i) {
      const ParamInfo& p = net.parameters()[i];
      CAPTURE(p.name);
      const std::vector<float> g(net.grads() + p.offset, net.grads() + p.offset + p.size);
      CHECK(fixtures::worst(g, fixtures::floats(c["grads"][i]), 1e-6, 1e-4) <= 1);
    }
  }
}

TEST_CASE("state_dict names follow nn.Sequential indices (Linear, activation, Dropout)") {
  // SPEC.md's example: layers.0, layers.2, layers.5
  Network net({layer(64, "relu"), layer(32, "relu", 0.2), layer(1, "sigmoid")}, 30, 16);
  std::vector<std::string> names;
  for (const auto& p : net.parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                                          "layers.5.weight", "layers.5.bias"});
  CHECK(net.parameters()[0].shape == std::vector<size_t>{64, 30});
  CHECK(net.parameters()[5].offset + net.parameters()[5].size == net.num_params());
  CHECK(net.num_params() == size_t(30 * 64 + 64 + 64 * 32 + 32 + 32 + 1));
  CHECK(net.in_features() == 30);
  CHECK(net.out_features() == 1);
  const std::string s = net.summary();
  CHECK(s.find("layers.3") != std::string::npos);
  CHECK(s.find("Dropout(p=0.2)") != std::string::npos);
  CHECK(s.find(std::to_string(net.num_params())) != std::string::npos);
  // identity takes no index
  Network reg({layer(8, "identity"), layer(2, "identity")}, 3, 4);
  CHECK(reg.parameters()[2].name == "layers.1.weight");
}

TEST_CASE("dropout is active in train mode only; eval output equals the dropout-free network") {
  Network drop({layer(50, "tanh", 0.5), layer(3, "identity")}, 4, 10);
  Network plain({layer(50, "tanh"), layer(3, "identity")}, 4, 10);
  Rng rng(9);
  drop.init("torch", rng);
  std::copy(drop.params(), drop.params() + drop.num_params(), plain.params());
  std::vector<float> x(40);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(std::cos(double(i)));
  const ConstMatrix X(x.data(), 10, 4);
  const ConstMatrix p = plain.forward(X, rng);
  const std::vector<float> expect(p.data, p.data + p.size());
  drop.eval();
  CHECK_FALSE(drop.is_training());
  const ConstMatrix e = drop.forward(X, rng);
  CHECK(std::vector<float>(e.data, e.data + e.size()) == expect);
  drop.train();
  const ConstMatrix t = drop.forward(X, rng);
  CHECK(std::vector<float>(t.data, t.data + t.size()) != expect);
  CHECK(drop.logits().rows == 10);
}

TEST_CASE("a training forward with dropout draws one key from rng; without dropout or in eval, none") {
  Network drop({layer(6, "relu", 0.5), layer(2, "identity")}, 3, 4);
  Network plain({layer(6, "relu"), layer(2, "identity")}, 3, 4);
  const std::vector<float> x(12, 0.5f);
  Rng rng(11), ref(11);
  drop.forward(ConstMatrix(x.data(), 4, 3), rng);
  ref.next_u64();
  CHECK(rng.state() == ref.state());
  drop.eval();
  drop.forward(ConstMatrix(x.data(), 4, 3), rng);
  plain.forward(ConstMatrix(x.data(), 4, 3), rng);
  CHECK(rng.state() == ref.state());
  CHECK(drop.has_dropout());
  CHECK_FALSE(plain.has_dropout());
}

TEST_CASE("init auto: he for relu layers, xavier before sigmoid, zero biases; same seed, same network and masks") {
  std::vector<LayerSpec> specs{layer(400, "relu", 0.3), layer(1, "sigmoid")};
  Network a(specs, 300, 4), b(specs, 300, 4);
  Rng ra(8), rb(8);
  a.init("auto", ra);
  b.init("auto", rb);
  CHECK(std::equal(a.params(), a.params() + a.num_params(), b.params()));
  const ParamInfo& w0 = a.parameters()[0];
  double s2 = 0;
  for (size_t i = 0; i < w0.size; ++i) s2 += double(a.params()[w0.offset + i]) * a.params()[w0.offset + i];
  CHECK(std::sqrt(s2 / double(w0.size)) == doctest::Approx(std::sqrt(2.0 / 300)).epsilon(0.02));
  for (size_t i = 0; i < 400; ++i) CHECK(a.params()[a.parameters()[1].offset + i] == 0.0f);
  const ParamInfo& w1 = a.parameters()[2];
  const double bound = std::sqrt(6.0 / 401);
  for (size_t i = 0; i < w1.size; ++i) CHECK(std::abs(a.params()[w1.offset + i]) <= bound);
  std::vector<float> x(4 * 300);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(double(i)));
  const ConstMatrix ya = a.forward(ConstMatrix(x.data(), 4, 300), ra);
  const ConstMatrix yb = b.forward(ConstMatrix(x.data(), 4, 300), rb);
  CHECK(std::equal(ya.data, ya.data + 4, yb.data));  // dropout masks from the same stream
  CHECK_THROWS_AS(a.init("lecun", ra), ConfigError);
}

TEST_CASE("forward rejects a wrong width or an oversized batch") {
  Network net({layer(2, "identity")}, 3, 4);
  std::vector<float> x(20);
  Rng rng(1);
  CHECK_THROWS_AS(net.forward(ConstMatrix(x.data(), 2, 4), rng), DataError);
  CHECK_THROWS_AS(net.forward(ConstMatrix(x.data(), 5, 3), rng), DataError);
  CHECK_NOTHROW(net.forward(ConstMatrix(x.data(), 4, 3), rng));
}

TEST_CASE("gradients accumulate until zero_grad; the input gradient on request") {
  Network net({layer(3, "tanh"), layer(1, "identity")}, 2, 4);
  Rng rng(2);
  net.init("xavier", rng);
  net.set_keep_input_grad(true);
  const float x[4] = {0.5f, -1.0f, 2.0f, 0.25f}, d[2] = {1.0f, -0.5f};
  net.forward(ConstMatrix(x, 2, 2), rng);
  net.zero_grad();
  net.backward(ConstMatrix(d, 2, 1));
  const std::vector<float> g1(net.grads(), net.grads() + net.num_params());
  CHECK(net.input_grad().rows == 2);
  net.backward(ConstMatrix(d, 2, 1));
  for (size_t i = 0; i < g1.size(); ++i) CHECK(net.grads()[i] == doctest::Approx(2 * g1[i]));
  net.zero_grad();
  for (size_t i = 0; i < g1.size(); ++i) CHECK(net.grads()[i] == 0.0f);
}

// ---- no allocation in the batch loop (operator new counted: alloc_counter.h) ----------------
#include "alloc_counter.h"
#include "nntrain/core/optimizer.h"

TEST_CASE("a training step (forward, loss, backward, clip, optimizer) allocates nothing") {
  std::vector<LayerSpec> specs{layer(16, "relu", 0.2), layer(8, "gelu"), layer(3, "softmax")};
  Network net(specs, 5, 32);
  Rng rng(4);
  net.init("auto", rng);
  LossConfig lc;
  lc.name = "cross_entropy";
  const auto loss = make_loss(lc, specs.back(), {1.0f, 2.0f, 0.5f});
  OptimizerConfig oc;
  oc.name = "adamw";
  auto opt = make_optimizer(oc, net.num_params());
  std::vector<float> x(32 * 5), y(32), scratch(32 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(std::sin(0.37 * double(i)));
  for (size_t i = 0; i < y.size(); ++i) y[i] = float(i % 3);
  net.train();
  // the counter itself works
  static std::vector<float>* escape = nullptr;
  {
    const test_util::AllocCount count;
    escape = new std::vector<float>(100);
    CHECK(count.since_start() == 2);
  }
  delete escape;
  const test_util::AllocCount count;
  for (int step = 0; step < 3; ++step) {
    net.zero_grad();
    forward_backward(net, *loss, ConstMatrix(x.data(), 32, 5), ConstMatrix(y.data(), 32, 1), rng,
                     Matrix{scratch.data(), 32, 3});
    clip_grad_norm(net.grads(), net.num_params(), 1.0);
    opt->step(net.params(), net.grads(), net.num_params(), 1e-3);
  }
  evaluate_loss(net, *loss, ConstMatrix(x.data(), 32, 5), ConstMatrix(y.data(), 32, 1), rng, nullptr);
  CHECK(count.since_start() == 0);
}
