// libFuzzer target: arbitrary bytes as a model.bin and as a checkpoint.bin. Decoding must either
// succeed or throw ModelFileError; a decoded model must build, run a forward pass, and survive
// encode -> decode unchanged; likewise a decoded checkpoint. Anything else is a finding.
// Built with NNTRAIN_FUZZ_SKIP_CHECKSUMS so mutated inputs get past the CRCs (unit-tested apart).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "nntrain/run/checkpoint.h"
#include "nntrain/core/error.h"
#include "nntrain/run/model_file.h"
#include "nntrain/core/rng.h"

using namespace nntrain;

namespace {

void check_model(const std::string& bytes) {
  LoadedModel m;
  try {
    m = decode_model(bytes, "fuzz.bin");
  } catch (const ModelFileError&) {
    return;
  }
  std::unique_ptr<Network> net;
  try {
    net = build_network(m, 2);
  } catch (const ModelFileError&) {
    return;
  }
  // A forward pass over a zero batch touches every buffer the file sized.
  std::vector<float> x(2 * net->in_features(), 0.0f);
  Rng rng(1);
  net->eval();
  (void)net->forward({x.data(), 2, net->in_features()}, rng);
  // encode(decode(x)) decodes to the same model.
  const LoadedModel again = decode_model(encode_model(*net, m.meta), "again");
  if (again.tensors.size() != m.tensors.size()) __builtin_trap();
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const auto& a = m.tensors[i];
    const auto& b = again.tensors[i];
    if (a.shape != b.shape || a.data.size() != b.data.size()) __builtin_trap();
    if (!a.data.empty() && std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) != 0) __builtin_trap();
  }
  if (again.meta.prep.features != m.meta.prep.features || again.meta.prep.classes != m.meta.prep.classes ||
      again.meta.prep.mean != m.meta.prep.mean || again.meta.prep.scale != m.meta.prep.scale ||
      again.meta.extra != m.meta.extra || again.meta.architecture.size() != m.meta.architecture.size())
    __builtin_trap();
}

void check_checkpoint(const std::string& bytes) {
  TrainState s;
  try {
    s = decode_checkpoint(bytes, "fuzz.ckpt");
  } catch (const ModelFileError&) {
    return;
  }
  const TrainState t = decode_checkpoint(encode_checkpoint(s), "again");
  if (t.params.size() != s.params.size() || t.order != s.order || t.rng != s.rng ||
      t.config_yaml != s.config_yaml || t.optimizer_buffers.size() != s.optimizer_buffers.size() ||
      t.epochs_done != s.epochs_done || t.optimizer_steps != s.optimizer_steps)
    __builtin_trap();
  if (!s.params.empty() && std::memcmp(t.params.data(), s.params.data(), s.params.size() * sizeof(float)) != 0)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check_model(bytes);
  check_checkpoint(bytes);
  return 0;
}
