// Tests for mlp.h: whole small networks in double pass the gradient check — the input and
// every parameter tensor — through Linear, every activation, dropout (frozen masks) and each
// loss, fused heads included; and the construction errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "gradcheck.h"
#include "nntrain/core/error.h"
#include "nntrain/core/loss.h"
#include "nntrain/core/mlp.h"
#include "test_util.h"

using namespace nntrain;

using test_util::layer;

namespace {
enum class Head { bce, cross_entropy, mse, huber, projection };

void check_network(const std::vector<LayerSpec>& specs, Head head) {
  const size_t B = 4, in = 3;
  Mlp<double> net(specs, in, 8);
  std::vector<double> params = gradcheck::random_vector(net.num_params(), 31, 0.7);
  std::vector<double> grads(net.num_params(), 0.0);
  net.bind(params.data(), grads.data());
  net.set_keep_input_grad(true);
  auto x = gradcheck::random_vector(B * in, 32);
  const size_t out = net.out_features();
  std::vector<double> target(B * out), labels(B), d(B * out);
  const auto r = gradcheck::random_vector(B * out, 33);
  for (size_t i = 0; i < B; ++i) labels[i] = double(i % out);
  for (size_t i = 0; i < target.size(); ++i) target[i] = head == Head::bce ? double(i % 2) : r[i] * 0.5;
  const float cw[4] = {0.5f, 1.5f, 1.0f, 2.0f};
  const uint64_t key = 34;  // one dropout key for every forward: the masks are frozen
  // The scalar: the loss of a training-mode forward with frozen dropout masks; d receives
  // the gradient the loss hands to backward.
  auto scalar = [&](bool with_grad) {
    const double* y = net.forward(x.data(), B, true, key);
    double* g = with_grad ? d.data() : nullptr;
    switch (head) {
      case Head::bce: return bce_with_logits_loss<double>(net.logits(), target.data(), B * out, 1.7, g);
      case Head::cross_entropy: return cross_entropy_loss<double>(net.logits(), labels.data(), B, out, cw, g);
      case Head::mse: return mse_loss<double>(y, target.data(), B * out, g);
      case Head::huber: return huber_loss<double>(y, target.data(), B * out, 0.3, g);
      case Head::projection:
        if (g) std::copy(r.begin(), r.end(), g);
        return gradcheck::dot(y, r.data(), B * out);
    }
    return 0.0;
  };
  scalar(true);
  for (const auto& L : net.layers()) {  // a dropout layer drops something here, and keeps something
    if (L.dropout == 0) continue;
    const size_t zeros = size_t(std::count(L.mask.begin(), L.mask.begin() + long(B * L.out), 0.0));
    CHECK(zeros > 0);
    CHECK(zeros < B * L.out);
  }
  net.backward(d.data(), head == Head::bce || head == Head::cross_entropy);
  const std::vector<double> dx(net.input_grad(), net.input_grad() + B * in);
  std::vector<gradcheck::Block> blocks{{"input", x.data(), x.size(), dx.data()}};
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const auto& L = net.layers()[i];
    blocks.push_back({"layer " + std::to_string(i) + " weight", params.data() + L.weight_offset, L.out * L.in,
                      grads.data() + L.weight_offset});
    blocks.push_back({"layer " + std::to_string(i) + " bias", params.data() + L.bias_offset, L.out,
                      grads.data() + L.bias_offset});
  }
  for (const auto& res : gradcheck::check([&] { return scalar(false); }, blocks)) {
    CAPTURE(res.name);
    CHECK(res.rel_error < gradcheck::kTolerance);
  }
}
}  // namespace

TEST_CASE("whole network gradient check: relu, dropout, tanh -> sigmoid + bce (fused)") {
  check_network({layer(6, "relu", 0.3), layer(5, "tanh"), layer(1, "sigmoid")}, Head::bce);
}
TEST_CASE("whole network gradient check: gelu, leaky_relu with dropout -> softmax + weighted cross_entropy (fused)") {
  check_network({layer(6, "gelu"), layer(5, "leaky_relu", 0.25, 0.2), layer(4, "softmax")}, Head::cross_entropy);
}
TEST_CASE("whole network gradient check: sigmoid, identity -> mse") {
  check_network({layer(5, "sigmoid"), layer(4, "identity"), layer(2, "identity")}, Head::mse);
}
TEST_CASE("whole network gradient check: tanh -> huber, and softmax unfused under a projection") {
  check_network({layer(5, "tanh"), layer(3, "relu")}, Head::huber);
  check_network({layer(5, "tanh", 0.5), layer(3, "softmax")}, Head::projection);
  check_network({layer(4, "sigmoid")}, Head::projection);
}

TEST_CASE("a forward of a shard of the batch's rows uses the masks those rows get in the whole batch") {
  Mlp<double> net({layer(7, "relu", 0.4), layer(6, "tanh", 0.3), layer(2, "identity")}, 3, 10);
  std::vector<double> params = gradcheck::random_vector(net.num_params(), 41, 0.7);
  std::vector<double> grads(net.num_params(), 0.0);
  net.bind(params.data(), grads.data());
  CHECK(net.has_dropout());
  const auto x = gradcheck::random_vector(10 * 3, 42);
  const uint64_t key = 0xfeedbeef12345678ULL;
  const double* y = net.forward(x.data(), 10, true, key);
  const std::vector<double> whole(y, y + 10 * 2);
  std::vector<std::vector<double>> masks;
  for (const auto& L : net.layers()) masks.push_back(L.mask);
  y = net.forward(x.data() + 4 * 3, 5, true, key, 4);  // rows 4..8
  for (size_t i = 0; i < 2; ++i) {
    const auto& L = net.layers()[i];
    CHECK(std::equal(L.mask.begin(), L.mask.begin() + long(5 * L.out), masks[i].begin() + long(4 * L.out)));
  }
  for (size_t i = 0; i < 5 * 2; ++i) CHECK(y[i] == doctest::Approx(whole[4 * 2 + i]).epsilon(1e-12));
  Mlp<double> plain({layer(7, "relu"), layer(2, "identity")}, 3, 10);
  CHECK_FALSE(plain.has_dropout());
}

TEST_CASE("impossible layer specs are config errors") {
  CHECK_THROWS_AS(Mlp<float>({}, 3, 4), ConfigError);
  CHECK_THROWS_AS(Mlp<float>({layer(0, "relu")}, 3, 4), ConfigError);
  CHECK_THROWS_AS(Mlp<float>({layer(3, "softmax"), layer(1, "sigmoid")}, 3, 4), ConfigError);
  CHECK_THROWS_AS(Mlp<float>({layer(3, "relu", 1.0), layer(1, "sigmoid")}, 3, 4), ConfigError);
  CHECK_THROWS_AS(Mlp<float>({layer(3, "relu"), layer(1, "sigmoid", 0.5)}, 3, 4), ConfigError);
  CHECK_THROWS_AS(Mlp<float>({layer(3, "swish")}, 3, 4), ConfigError);
}

TEST_CASE("parameter layout: W then b per layer, contiguous") {
  Mlp<float> m({layer(4, "relu"), layer(2, "identity")}, 3, 5);
  CHECK(m.num_params() == 3 * 4 + 4 + 4 * 2 + 2);
  CHECK(m.layers()[0].bias_offset == 12);
  CHECK(m.layers()[1].weight_offset == 16);
  CHECK(m.layers()[1].bias_offset == 24);
}
