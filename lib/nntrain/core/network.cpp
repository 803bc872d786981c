// The sequential network (see network.h): the float Mlp plus what a user sees of it — the
// state_dict names and offsets, initialisation, train/eval, the summary.
#include "nntrain/core/network.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "nntrain/core/blas.h"
#include "nntrain/core/error.h"
#include "nntrain/core/init.h"
#include "nntrain/core/mlp.h"

namespace nntrain {

struct Network::Impl {
  Impl(const std::vector<LayerSpec>& s, size_t in, size_t max_batch) : specs(s), mlp(s, in, max_batch) {}
  std::vector<LayerSpec> specs;
  Mlp<float> mlp;
  std::vector<float> params, grads;
  std::vector<ParamInfo> infos;
  std::vector<size_t> linear_index;  // nn.Sequential index of each config layer's Linear
  bool training = true;
};

Network::Network(const std::vector<LayerSpec>& layers, size_t in_features, size_t max_batch)
    : impl_(std::make_unique<Impl>(layers, in_features, max_batch)) {
  Impl& m = *impl_;
  m.params.assign(m.mlp.num_params(), 0.0f);
  m.grads.assign(m.mlp.num_params(), 0.0f);
  m.mlp.bind(m.params.data(), m.grads.data());
  size_t index = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& L = m.mlp.layers()[i];
    m.linear_index.push_back(index);
    const std::string prefix = "layers." + std::to_string(index) + ".";
    m.infos.push_back({prefix + "weight", {L.out, L.in}, L.weight_offset, L.out * L.in});
    m.infos.push_back({prefix + "bias", {L.out}, L.bias_offset, L.out});
    index += 1;                            // Linear
    if (L.act != Act::identity) index++;   // its activation
    if (L.dropout > 0) index++;            // Dropout
  }
}

Network::~Network() = default;

size_t Network::in_features() const { return impl_->mlp.in_features(); }
size_t Network::out_features() const { return impl_->mlp.out_features(); }
size_t Network::max_batch() const { return impl_->mlp.max_batch(); }
const std::vector<LayerSpec>& Network::layer_specs() const { return impl_->specs; }
const std::vector<ParamInfo>& Network::parameters() const { return impl_->infos; }
size_t Network::num_params() const { return impl_->params.size(); }
float* Network::params() { return impl_->params.data(); }
const float* Network::params() const { return impl_->params.data(); }
float* Network::grads() { return impl_->grads.data(); }
const float* Network::grads() const { return impl_->grads.data(); }

void Network::init(const std::string& scheme, Rng& rng) {
  const InitScheme s = parse_init(scheme);
  float* p = impl_->params.data();
  for (const auto& L : impl_->mlp.layers())
    init_linear(p + L.weight_offset, p + L.bias_offset, L.in, L.out, s, L.act, double(L.slope), rng);
}

void Network::train() { impl_->training = true; }
void Network::eval() { impl_->training = false; }
bool Network::is_training() const { return impl_->training; }

void Network::zero_grad() {
  float* g = impl_->grads.data();
  parallel_for(impl_->grads.size(), 1 << 16, [g](size_t begin, size_t end) { std::fill(g + begin, g + end, 0.0f); });
}

ConstMatrix Network::forward(ConstMatrix x, Rng& rng) {
  const uint64_t key = impl_->training && impl_->mlp.has_dropout() ? rng.next_u64() : 0;
  return forward_rows(x, key, 0);
}

ConstMatrix Network::forward_rows(ConstMatrix x, uint64_t dropout_key, size_t row0) {
  Mlp<float>& mlp = impl_->mlp;
  if (x.cols != mlp.in_features())
    throw DataError("the input has " + std::to_string(x.cols) + " features; the network expects " +
                    std::to_string(mlp.in_features()));
  if (x.rows > mlp.max_batch())
    throw DataError("a batch of " + std::to_string(x.rows) + " rows exceeds the network's max_batch " +
                    std::to_string(mlp.max_batch()));
  const float* y = mlp.forward(x.data, x.rows, impl_->training, dropout_key, row0);
  return ConstMatrix(y, x.rows, mlp.out_features());
}

bool Network::has_dropout() const { return impl_->mlp.has_dropout(); }

ConstMatrix Network::logits() const {
  const Mlp<float>& mlp = impl_->mlp;
  return ConstMatrix(mlp.logits(), mlp.rows(), mlp.out_features());
}

void Network::backward(ConstMatrix dout) { impl_->mlp.backward(dout.data, false); }
void Network::backward_from_logits(ConstMatrix dlogits) { impl_->mlp.backward(dlogits.data, true); }

void Network::set_keep_input_grad(bool keep) { impl_->mlp.set_keep_input_grad(keep); }
ConstMatrix Network::input_grad() const {
  const Mlp<float>& mlp = impl_->mlp;
  return ConstMatrix(mlp.input_grad(), mlp.input_grad() ? mlp.rows() : 0, mlp.in_features());
}

static std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string Network::summary() const {
  std::ostringstream out;
  const Impl& m = *impl_;
  out << "input: " << m.mlp.in_features() << " features\n";
  for (size_t i = 0; i < m.specs.size(); ++i) {
    const auto& L = m.mlp.layers()[i];
    size_t index = m.linear_index[i];
    const size_t n = L.out * L.in + L.out;
    out << pad("layers." + std::to_string(index), 11)
        << pad("Linear(" + std::to_string(L.in) + " -> " + std::to_string(L.out) + ")", 22) << "weight ["
        << L.out << ", " << L.in << "], bias [" << L.out << "]  " << n << " params\n";
    if (L.act != Act::identity) {
      ++index;
      std::string act = activation_name(L.act);
      if (L.act == Act::leaky_relu) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "leaky_relu(negative_slope=%g)", double(L.slope));
        act = buf;
      }
      out << pad("layers." + std::to_string(index), 11) << act << "\n";
    }
    if (L.dropout > 0) {
      ++index;
      char buf[64];
      std::snprintf(buf, sizeof buf, "Dropout(p=%g)", L.dropout);
      out << pad("layers." + std::to_string(index), 11) << buf << "\n";
    }
  }
  out << "output: " << m.mlp.out_features() << "\n";
  out << "parameters: " << m.params.size() << "\n";
  return out.str();
}

}  // namespace nntrain
