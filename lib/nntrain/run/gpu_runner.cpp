// The GPU training step and forward (see gpu_runner.h). Mirrors core's Mlp::forward/backward,
// forward_backward_rows and the optimizers' step() op for op; nothing is allocated or
// waited for per batch: run_batches records a chunk of steps and waits once.
#include "nntrain/run/gpu_runner.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>

#include "nntrain/core/activation.h"
#include "nntrain/core/error.h"
#include "nntrain/gpu/buffer.h"
#include "nntrain/gpu/gemm.h"
#include "nntrain/gpu/ops.h"
#include "nntrain/gpu/stream.h"

namespace nntrain {

using gpu::Buffer;
using gpu::Ptr;
using gpu::Stream;

namespace {

Buffer floats(gpu::Device& dev, size_t n, gpu::Memory mem = gpu::Memory::device) {
  return Buffer(dev, std::max<size_t>(n, 1) * 4, mem);
}

}  // namespace

// ---- the network on the GPU ------------------------------------------------------------

struct GpuLayer {
  size_t in = 0, out = 0;
  Act act = Act::identity;
  float slope = 0.01f;
  double dropout = 0;
  size_t weight_offset = 0, bias_offset = 0;
  Buffer z, a_own, y, g;  // a_own: only where the activation does not run in place (core's rule)
  const Buffer& a() const { return a_own.bytes() ? a_own : z; }
};

class GpuModel {
 public:
  // training: also the gradients, the dropout outputs and the backward's buffers.
  GpuModel(gpu::Device& dev, const Network& net, size_t max_batch, bool training)
      : params(floats(dev, net.num_params())), num_params(net.num_params()) {
    const auto& specs = net.layer_specs();
    size_t in = net.in_features(), offset = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
      GpuLayer& L = layers.emplace_back();
      const bool last = i + 1 == specs.size();
      L.in = in;
      L.out = size_t(specs[i].units);
      L.act = parse_activation(specs[i].activation);
      L.slope = float(specs[i].negative_slope);
      L.dropout = specs[i].dropout;
      L.weight_offset = offset;
      L.bias_offset = offset + L.out * L.in;
      offset = L.bias_offset + L.out;
      const size_t n = max_batch * L.out;
      L.z = floats(dev, n);
      if (!(L.act == Act::identity || (!act_needs_z(L.act) && !last))) L.a_own = floats(dev, n);
      if (training && L.dropout > 0) L.y = floats(dev, n);
      if (training) L.g = floats(dev, n);
      in = L.out;
    }
    if (offset != num_params) throw std::logic_error("GpuModel: parameter layout differs from the network's");
    if (training) grads = floats(dev, num_params);
  }

  Ptr param(size_t offset) const { return params.ptr(offset); }
  const GpuLayer& last() const { return layers.back(); }
  // The layer's output as the next layer reads it (after dropout in training).
  Ptr output_of(size_t i, bool training) const {
    const GpuLayer& L = layers[i];
    return training && L.dropout > 0 ? L.y.ptr() : L.a().ptr();
  }

  void forward(Stream& s, Ptr x, size_t rows, bool training, uint64_t key) const {
    Ptr in = x;
    for (size_t i = 0; i < layers.size(); ++i) {
      const GpuLayer& L = layers[i];
      gpu::linear_forward(s, L.z.ptr(), in, param(L.weight_offset), rows, L.in, L.out);
      gpu::Dropout d;
      if (training && L.dropout > 0) d = gpu::Dropout{L.dropout, key, uint32_t(i), 0};
      gpu::bias_act_forward(s, L.z.ptr(), L.a().ptr(), param(L.bias_offset), rows, L.out, L.act, L.slope, d,
                            d.active() ? L.y.ptr() : Ptr{});
      in = output_of(i, training);
    }
  }

  // From dout = dL/d(output) [rows, out] (or dL/d(logits) with from_logits); the gradients
  // are overwritten (core: zero_grad, then +=). dW, db and dx of a layer run concurrently.
  void backward(Stream& s, Ptr x, Ptr dout, size_t rows, bool from_logits, uint64_t key) const {
    for (size_t i = layers.size(); i-- > 0;) {
      const GpuLayer& L = layers[i];
      const bool last = i + 1 == layers.size();
      Ptr dz = last ? dout : L.g.ptr();
      if (!(last && from_logits)) {
        gpu::Dropout d;
        if (L.dropout > 0) d = gpu::Dropout{L.dropout, key, uint32_t(i), 0};
        gpu::act_backward(s, L.g.ptr(), dz, L.z.ptr(), L.a().ptr(), rows, L.out, L.act, L.slope, d);
        dz = L.g.ptr();
      }
      const Ptr input = i == 0 ? x : output_of(i - 1, true);
      gpu::linear_weight_grad(s, grads.ptr(L.weight_offset), dz, input, rows, L.in, L.out, false);
      s.concurrent();
      gpu::bias_grad(s, grads.ptr(L.bias_offset), dz, rows, L.out, false);
      if (i > 0) {
        s.concurrent();
        gpu::linear_input_grad(s, layers[i - 1].g.ptr(), dz, param(L.weight_offset), rows, L.in, L.out);
      }
    }
  }

  Buffer params, grads;
  size_t num_params;
  std::vector<GpuLayer> layers;
};

// ---- the batch runner ------------------------------------------------------------------

namespace {

// Batches per chunk: at most this many (the loss slots read back: under 4 KiB, so the
// NNTRAIN_TEST_GPU_MAX_BUFFER tests can split small data), about this long.
constexpr size_t kMaxChunk = 1000;
constexpr double kChunkSeconds = 0.1;

enum class LossKind { bce, cross_entropy, mse, mae, huber };

LossKind loss_kind(const std::string& name) {
  if (name == "bce") return LossKind::bce;
  if (name == "cross_entropy") return LossKind::cross_entropy;
  if (name == "mse") return LossKind::mse;
  if (name == "mae") return LossKind::mae;
  if (name == "huber") return LossKind::huber;
  throw ConfigError("unknown loss '" + name + "'");
}

// The optimizer's state buffers by their checkpoint names (core's state_buffers()).
std::vector<std::string> state_names(const OptimizerConfig& o) {
  if (o.name == "adam" || o.name == "adamw") return {"exp_avg", "exp_avg_sq"};
  if (o.name == "rmsprop") return o.momentum > 0 ? std::vector<std::string>{"square_avg", "momentum_buffer"}
                                                 : std::vector<std::string>{"square_avg"};
  if (o.name == "sgd") return o.momentum != 0 ? std::vector<std::string>{"momentum_buffer"} : std::vector<std::string>{};
  throw ConfigError("unknown optimizer '" + o.name + "'");
}

}  // namespace

struct GpuBatchRunner::Impl {
  Impl(gpu::Device& d, const Network& net, size_t batch_rows)
      : dev(d), model(d, net, batch_rows, true), stream(d) {}

  void record_batch(uint64_t b, uint32_t slot, uint64_t key, double lr);
  void record_loss(Ptr target, size_t rows, uint32_t slot);
  void record_step(double lr);

  gpu::Device& dev;
  GpuModel model;
  bool has_dropout = false;
  LossKind loss = LossKind::bce;
  double pos_weight = 1, delta = 1;
  Buffer class_weights;  // empty = unweighted
  OptimizerConfig opt;
  std::optional<double> clip;
  int64_t steps = 0;  // the optimizer's step count (core's Optimizer::steps)
  size_t rows = 0, in = 0, tcols = 0, batch_rows = 0;
  size_t block_rows = 0;               // rows per data buffer
  std::vector<Buffer> x_blocks, y_blocks;
  Buffer order, xb, yb, dgrad, clip_scratch, clip_result;
  Buffer order_staging;        // host-visible: set_order writes it, the next chunk copies it
  bool order_pending = false;
  std::vector<std::string> state_names;
  std::vector<Buffer> state;
  Buffer readback;  // kMaxChunk batch losses, then the control word
  Stream stream;
  std::vector<std::array<uint64_t, 4>> rng_before;  // [kMaxChunk]: rng before each batch's key
  size_t chunk = 1;
};

GpuBatchRunner::GpuBatchRunner(gpu::Device& device, const Network& net, const LossConfig& loss,
                               std::vector<float> class_weights, const OptimizerConfig& optimizer,
                               const TrainingConfig& training, ConstMatrix x, ConstMatrix y, size_t batch_rows) {
  if (training.grad_shards > 1)
    throw ConfigError("training.grad_shards " + std::to_string(training.grad_shards) +
                      " is not supported with training.device " + training.device +
                      " (the GPU computes each batch whole); set training.grad_shards: 1 or use device cpu");
  impl_ = std::make_unique<Impl>(device, net, batch_rows);
  Impl& m = *impl_;
  m.has_dropout = net.has_dropout();
  m.loss = loss_kind(loss.name);
  m.pos_weight = loss.pos_weight ? *loss.pos_weight : 1.0;
  m.delta = loss.delta;
  if (!class_weights.empty()) {
    m.class_weights = floats(device, class_weights.size());
    gpu::upload(device, m.class_weights, 0, class_weights.data(), class_weights.size() * 4);
  }
  m.opt = optimizer;
  m.clip = training.clip_grad_norm;
  m.rows = x.rows, m.in = x.cols, m.tcols = y.cols, m.batch_rows = batch_rows;
  // The data in buffers of at most max_buffer_bytes() (a binding's limit), whole rows each.
  const size_t widest = std::max(m.in, m.tcols) * 4;
  m.block_rows = std::max<size_t>(1, size_t(device.max_buffer_bytes() / widest));
  for (size_t r = 0; r < m.rows; r += m.block_rows) {
    const size_t n = std::min(m.block_rows, m.rows - r);
    m.x_blocks.push_back(floats(device, n * m.in));
    gpu::upload(device, m.x_blocks.back(), 0, x.row(r), n * m.in * 4);
    m.y_blocks.push_back(floats(device, n * m.tcols));
    gpu::upload(device, m.y_blocks.back(), 0, y.row(r), n * m.tcols * 4);
  }
  m.order = floats(device, m.rows);
  m.order_staging = floats(device, m.rows, gpu::Memory::upload);
  m.xb = floats(device, batch_rows * m.in);
  m.yb = floats(device, batch_rows * m.tcols);
  m.dgrad = floats(device, batch_rows * net.out_features());
  if (m.clip) {
    m.clip_scratch = floats(device, gpu::clip_scratch_floats(net.num_params()));
    m.clip_result = floats(device, 2);
  }
  m.state_names = state_names(optimizer);
  for (size_t i = 0; i < m.state_names.size(); ++i) m.state.push_back(floats(device, net.num_params()));
  m.readback = floats(device, kMaxChunk + 1, gpu::Memory::readback);
  m.rng_before.resize(kMaxChunk);
}

GpuBatchRunner::~GpuBatchRunner() = default;

// No GPU work is in flight between chunks, so the staging buffer is free to write.
void GpuBatchRunner::set_order(const std::vector<uint32_t>& order) {
  std::memcpy(impl_->order_staging.mapped(), order.data(), order.size() * 4);
  impl_->order_pending = true;
}

void GpuBatchRunner::Impl::record_loss(Ptr target, size_t n, uint32_t slot) {
  const GpuLayer& L = model.last();
  const gpu::LossOut out{readback.ptr(), slot, readback.ptr(kMaxChunk)};
  const size_t all = n * L.out;
  switch (loss) {
    case LossKind::bce: gpu::bce_with_logits_loss(stream, L.z.ptr(), target, all, pos_weight, dgrad.ptr(), out); break;
    case LossKind::cross_entropy:
      gpu::cross_entropy_loss(stream, L.z.ptr(), target, n, L.out, class_weights.bytes() ? class_weights.ptr() : Ptr{},
                              dgrad.ptr(), out);
      break;
    case LossKind::mse: gpu::mse_loss(stream, L.a().ptr(), target, all, dgrad.ptr(), out); break;
    case LossKind::mae: gpu::l1_loss(stream, L.a().ptr(), target, all, dgrad.ptr(), out); break;
    case LossKind::huber: gpu::huber_loss(stream, L.a().ptr(), target, all, delta, dgrad.ptr(), out); break;
  }
}

// Clipping's factor, then the optimizer's step (core's Trainer::run after the gradient).
void GpuBatchRunner::Impl::record_step(double lr) {
  const size_t n = model.num_params;
  gpu::StepArgs args{readback.ptr(kMaxChunk), Ptr{}};
  if (clip) {
    gpu::clip_grad_norm(stream, model.grads.ptr(), n, *clip, clip_scratch.ptr(), clip_result.ptr());
    args.clip = clip_result.ptr();
  }
  const Ptr p = model.params.ptr(), g = model.grads.ptr();
  const float wd = float(opt.effective_weight_decay());
  if (opt.name == "adam" || opt.name == "adamw") {
    const AdamStepScalars k =
        adam_step_scalars(opt.beta1, opt.beta2, float(opt.eps), wd, opt.name == "adamw", lr, steps + 1);
    gpu::adam_step(stream, p, g, state[0].ptr(), state[1].ptr(), n, k, args);
  } else if (opt.name == "sgd") {
    gpu::sgd_step(stream, p, g, state.empty() ? Ptr{} : state[0].ptr(), n, float(lr), float(opt.momentum), wd,
                  opt.nesterov, steps == 0, args);
  } else {
    gpu::rmsprop_step(stream, p, g, state[0].ptr(), state.size() > 1 ? state[1].ptr() : Ptr{}, n, float(lr),
                      float(opt.alpha), float(opt.eps), float(opt.momentum), wd, args);
  }
  ++steps;
}

// Batch b of the epoch: gather its rows by the order, forward, loss into slot, backward, step.
void GpuBatchRunner::Impl::record_batch(uint64_t b, uint32_t slot, uint64_t key, double lr) {
  const size_t start = size_t(b) * batch_rows, n = std::min(batch_rows, rows - start);
  for (size_t i = 0; i < x_blocks.size(); ++i) {  // blocks hold disjoint rows: no barrier between them
    const size_t first = i * block_rows, count = std::min(block_rows, rows - first);
    if (i > 0) stream.concurrent();
    gpu::gather_rows(stream, xb.ptr(), x_blocks[i].ptr(), order.ptr(), start, n, in, first, count);
    stream.concurrent();
    gpu::gather_rows(stream, yb.ptr(), y_blocks[i].ptr(), order.ptr(), start, n, tcols, first, count);
  }
  model.forward(stream, xb.ptr(), n, true, key);
  record_loss(yb.ptr(), n, slot);
  const bool from_logits = loss == LossKind::bce || loss == LossKind::cross_entropy;
  model.backward(stream, xb.ptr(), dgrad.ptr(), n, from_logits, key);
  record_step(lr);
}

size_t GpuBatchRunner::run_batches(uint64_t first, uint64_t count, double lr, Rng& rng, double* losses) {
  Impl& m = *impl_;
  const size_t n = size_t(std::min<uint64_t>({count, m.chunk, kMaxChunk}));
  const int64_t steps0 = m.steps;
  auto* ctl = static_cast<uint32_t*>(m.readback.mapped()) + kMaxChunk;
  *ctl = 0;
  const auto t0 = std::chrono::steady_clock::now();
  if (m.order_pending) m.stream.copy(m.order_staging, 0, m.order, 0, m.rows * 4);  // the gathers wait for it
  m.order_pending = false;
  for (size_t i = 0; i < n; ++i) {
    m.rng_before[i] = rng.state();
    const uint64_t key = m.has_dropout ? rng.next_u64() : 0;  // as Trainer::batch_gradient draws it
    m.record_batch(first + i, uint32_t(i), key, lr);
  }
  m.stream.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (size_t i = 0; i < n; ++i) losses[i] = double(m.readback.floats()[i]);
  if (*ctl != 0) {  // batch j diverged: nothing stepped from it on; rng as after drawing its key
    const size_t j = *ctl - 1;
    rng.set_state(m.rng_before[j]);
    if (m.has_dropout) rng.next_u64();
    m.steps = steps0 + int64_t(j);
    losses[j] = std::isfinite(losses[j]) ? NAN : losses[j];
    return j + 1;
  }
  // The next chunk: about kChunkSeconds at this chunk's pace, growing at most 4x at a time.
  const double per_batch = std::max(seconds / double(n), 1e-7);
  m.chunk = std::clamp<size_t>(size_t(kChunkSeconds / per_batch), 1, std::min(kMaxChunk, 4 * n));
  return n;
}

void GpuBatchRunner::download(Network& net, Optimizer& opt) {
  Impl& m = *impl_;
  gpu::download(m.dev, m.model.params, 0, net.params(), net.num_params() * 4);
  auto bufs = opt.state_buffers();
  for (size_t i = 0; i < m.state_names.size(); ++i)
    for (auto& [name, buf] : bufs)
      if (name == m.state_names[i]) {
        buf->resize(net.num_params());
        gpu::download(m.dev, m.state[i], 0, buf->data(), buf->size() * 4);
      }
  opt.steps = m.steps;
}

void GpuBatchRunner::upload(const Network& net, Optimizer& opt) {
  Impl& m = *impl_;
  gpu::upload(m.dev, m.model.params, 0, net.params(), net.num_params() * 4);
  auto bufs = opt.state_buffers();
  for (size_t i = 0; i < m.state_names.size(); ++i) {
    std::vector<float> zeros;
    const std::vector<float>* src = &zeros;
    for (auto& [name, buf] : bufs)
      if (name == m.state_names[i] && buf->size() == net.num_params()) src = buf;
    if (src == &zeros) zeros.assign(net.num_params(), 0.0f);
    gpu::upload(m.dev, m.state[i], 0, src->data(), net.num_params() * 4);
  }
  m.steps = opt.steps;
}

void GpuBatchRunner::download_grads(float* grads) {
  gpu::download(impl_->dev, impl_->model.grads, 0, grads, impl_->model.num_params * 4);
}

// ---- inference -------------------------------------------------------------------------

void gpu_forward(gpu::Device& device, const Network& net, ConstMatrix x, Matrix out, Matrix* logits,
                 size_t max_batch) {
  const size_t batch = std::max<size_t>(1, std::min(max_batch, x.rows));
  GpuModel model(device, net, batch, false);
  gpu::upload(device, model.params, 0, net.params(), net.num_params() * 4);
  const size_t in = x.cols, cols = net.out_features();
  Buffer xin = floats(device, batch * in, gpu::Memory::upload);
  Buffer result = floats(device, 2 * batch * cols, gpu::Memory::readback);  // outputs, then logits
  Stream s(device);
  for (size_t r = 0; r < x.rows; r += batch) {
    const size_t n = std::min(batch, x.rows - r), bytes = n * cols * 4;
    std::memcpy(xin.mapped(), x.row(r), n * in * 4);
    model.forward(s, xin.ptr(), n, false, 0);
    s.copy(model.last().a(), 0, result, 0, bytes);
    if (logits) {
      s.concurrent();
      s.copy(model.last().z, 0, result, batch * cols * 4, bytes);
    }
    s.run();
    std::memcpy(out.row(r), result.mapped(), bytes);
    if (logits) std::memcpy(logits->row(r), result.floats() + batch * cols, bytes);
  }
}

}  // namespace nntrain
