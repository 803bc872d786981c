// grad_shards.cpp: the shards cover a batch's rows once, in order; the reducer adds shard
// gradients left to right starting from shard 0's (S = 1: untouched); a batch's gradient from
// S shards is the unsharded gradient up to float rounding, for every loss and with dropout
// (each shard divides by the whole batch's denominator and uses its rows' masks).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nntrain/core/loss.h"
#include "nntrain/core/network.h"
#include "nntrain/run/grad_shards.h"
#include "test_util.h"

using namespace nntrain;
using test_util::layer;

TEST_CASE("shard_row_begin cuts a batch into S contiguous shards, some empty when S > rows") {
  const size_t ten[] = {0, 2, 5, 7, 10};
  for (size_t s = 0; s <= 4; ++s) CHECK(shard_row_begin(10, s, 4) == ten[s]);
  const size_t two[] = {0, 0, 1, 1, 2};
  for (size_t s = 0; s <= 4; ++s) CHECK(shard_row_begin(2, s, 4) == two[s]);
  CHECK(shard_row_begin(7, 0, 1) == 0);
  CHECK(shard_row_begin(7, 1, 1) == 7);
}

TEST_CASE("the local reducer adds shard gradients left to right from shard 0's own values") {
  // Element 0: -0 + -0 + -0 stays -0 only when the sum starts from shard 0 (not from +0).
  // Element 1: (1 + 1e8) + -1e8 = 0 in float; a tree, 1 + (1e8 + -1e8), would give 1.
  const float g[3][2] = {{-0.0f, 1.0f}, {-0.0f, 1e8f}, {-0.0f, -1e8f}};
  LocalGradientReducer r(3, 2);
  CHECK(r.first_shard() == 0);
  CHECK(r.local_shards() == 3);
  float work[2];
  const double parts[3] = {0.1, 0.2, 0.3};
  for (size_t i = 0; i < 3; ++i) {
    std::memcpy(work, g[i], sizeof work);  // the trainer computes each shard into one buffer
    r.add_shard(i, work, parts[i]);
  }
  const double loss = r.finish(work);
  CHECK(std::signbit(work[0]));
  CHECK(work[0] == 0.0f);
  CHECK(work[1] == 0.0f);
  CHECK(loss == (0.1 + 0.2) + 0.3);

  LocalGradientReducer one(1, 2);  // S = 1: the gradient stays as computed, the loss as given
  float w1[2] = {-0.0f, 3.5f};
  one.add_shard(0, w1, 0.25);
  CHECK(one.finish(w1) == 0.25);
  CHECK(std::signbit(w1[0]));
  CHECK(w1[1] == 3.5f);
}

namespace {

struct Case {
  std::string name;
  std::vector<LayerSpec> layers;
  LossConfig loss;
  std::vector<float> class_weights;
};

// The batch gradient (and loss) of net on x, y through `shards` shards and a local reducer.
std::vector<float> sharded_gradient(Network& net, const Loss& loss, ConstMatrix x, ConstMatrix y, uint64_t key,
                                    size_t shards, double* loss_out) {
  LocalGradientReducer r(shards, net.num_params());
  std::vector<float> dgrad(x.rows * net.out_features());
  const double denom = loss.mean_denominator(y);
  for (size_t s = 0; s < shards; ++s) {
    const size_t r0 = shard_row_begin(x.rows, s, shards), n = shard_row_begin(x.rows, s + 1, shards) - r0;
    net.zero_grad();
    const double part = forward_backward_rows(net, loss, ConstMatrix(x.row(r0), n, x.cols),
                                              ConstMatrix(y.row(r0), n, y.cols), key, r0, denom,
                                              Matrix{dgrad.data(), n, net.out_features()});
    r.add_shard(s, net.grads(), part);
  }
  *loss_out = r.finish(net.grads());
  return {net.grads(), net.grads() + net.num_params()};
}

}  // namespace

TEST_CASE("a batch's gradient from S shards is the unsharded one up to rounding, every loss, with dropout") {
  LossConfig bce, ce, mse, mae, huber;
  bce.name = "bce";
  ce.name = "cross_entropy";
  mse.name = "mse";
  mae.name = "mae";
  huber.name = "huber";
  huber.delta = 0.5;
  const std::vector<Case> cases = {
      {"bce", {layer(9, "relu", 0.3), layer(1, "sigmoid")}, bce, {}},
      {"weighted cross_entropy", {layer(9, "tanh", 0.5), layer(3, "softmax")}, ce, {0.5f, 2.0f, 1.25f}},
      {"mse", {layer(9, "gelu", 0.2), layer(2, "identity")}, mse, {}},
      {"mae", {layer(9, "relu"), layer(2, "identity")}, mae, {}},
      {"huber", {layer(9, "leaky_relu", 0.4), layer(2, "identity")}, huber, {}},
  };
  const size_t rows = 10, in = 4;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Network net(c.layers, in, rows);
    Rng rng(5);
    net.init("auto", rng);
    const auto loss = make_loss(c.loss, c.layers.back(), c.class_weights);
    const size_t out = net.out_features();
    const size_t tcols = c.loss.name == "cross_entropy" ? 1 : out;
    std::vector<float> x(rows * in), y(rows * tcols);
    for (float& v : x) v = float(rng.normal());
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = c.loss.name == "cross_entropy" ? float(i % out) : c.loss.name == "bce" ? float(i % 2) : float(rng.normal());
    const ConstMatrix X(x.data(), rows, in), Y(y.data(), rows, tcols);
    const uint64_t key = 0xabcdef;
    double whole_loss = 0;
    const std::vector<float> whole = sharded_gradient(net, *loss, X, Y, key, 1, &whole_loss);
    std::vector<float> dgrad(rows * out);
    net.zero_grad();  // S = 1 is forward_backward_rows on the whole batch, untouched
    CHECK(forward_backward_rows(net, *loss, X, Y, key, 0, loss->mean_denominator(Y), {dgrad.data(), rows, out}) ==
          whole_loss);
    CHECK(std::memcmp(net.grads(), whole.data(), whole.size() * sizeof(float)) == 0);
    for (size_t shards : {2, 3, 7, 13}) {  // 13 > rows: empty shards take part too
      CAPTURE(shards);
      double sharded_loss = 0;
      const std::vector<float> g = sharded_gradient(net, *loss, X, Y, key, shards, &sharded_loss);
      CHECK(sharded_loss == doctest::Approx(whole_loss).epsilon(1e-6));  // float outputs of other GEMM shapes
      double diff = 0, norm = 0;
      for (size_t i = 0; i < g.size(); ++i) {
        diff += (double(g[i]) - whole[i]) * (double(g[i]) - whole[i]);
        norm += double(whole[i]) * whole[i];
      }
      CHECK(norm > 0);
      CHECK(std::sqrt(diff / norm) < 1e-6);
    }
  }
}
