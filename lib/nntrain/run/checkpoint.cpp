// checkpoint.bin (see checkpoint.h): TrainState as a safetensors file. Tensors: "params",
// "optimizer.<buffer>", "early.best_params" (when kept), "order" (U32, mid-epoch only);
// scalars in __metadata__ as exact decimal text. Encoding and verification only.
#include "nntrain/run/checkpoint.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "nntrain/run/atomic_file.h"
#include "nntrain/core/error.h"
#include "nntrain/run/safetensors.h"

namespace nntrain {

namespace {

using nlohmann::json;

constexpr const char* kCheckpointFormat = "nntrain-checkpoint";
constexpr int kCheckpointVersion = 1;

// %.17g round-trips every double exactly (inf and nan as "inf"/"nan").
std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string_view float_bytes(const std::vector<float>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)};
}

struct Reader {
  const std::string& file;
  const std::map<std::string, std::string>& md;

  [[noreturn]] void bad(const std::string& key, const std::string& what) const {
    throw ModelFileError(file + ": checkpoint __metadata__ '" + key + "' " + what);
  }
  const std::string& text(const std::string& key) const {
    auto it = md.find(key);
    if (it == md.end()) throw ModelFileError(file + ": checkpoint __metadata__ lacks '" + key + "'");
    return it->second;
  }
  double real(const std::string& key) const {
    const std::string& t = text(key);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || std::isspace(static_cast<unsigned char>(t[0])))
      bad(key, "is not a number");
    return v;
  }
  uint64_t u64_of(const std::string& key, const std::string& t) const {
    if (t.empty() || t.size() > 20 || t.find_first_not_of("0123456789") != std::string::npos)
      bad(key, "is not a non-negative integer");
    errno = 0;
    const unsigned long long v = std::strtoull(t.c_str(), nullptr, 10);
    if (errno == ERANGE) bad(key, "is out of range");
    return v;
  }
  uint64_t u64(const std::string& key) const { return u64_of(key, text(key)); }
  int int32(const std::string& key) const {
    const uint64_t v = u64(key);
    if (v > INT_MAX) bad(key, "is out of range");
    return static_cast<int>(v);
  }
  bool boolean(const std::string& key) const {
    const std::string& t = text(key);
    if (t == "true") return true;
    if (t == "false") return false;
    bad(key, "is neither true nor false");
  }
};

}  // namespace

std::string encode_checkpoint(const TrainState& s) {
  std::map<std::string, std::string> md;
  md["format"] = kCheckpointFormat;
  md["format_version"] = std::to_string(kCheckpointVersion);
  md["nntrain_version"] = NNTRAIN_VERSION;
  md["epochs_done"] = std::to_string(s.epochs_done);
  md["batches_done"] = std::to_string(s.batches_done);
  md["epoch_loss_sum"] = exact(s.epoch_loss_sum);
  md["epoch_samples"] = std::to_string(s.epoch_samples);
  md["epoch_seconds"] = exact(s.epoch_seconds);
  md["total_seconds"] = exact(s.total_seconds);
  md["rng"] = std::to_string(s.rng[0]) + " " + std::to_string(s.rng[1]) + " " + std::to_string(s.rng[2]) + " " +
              std::to_string(s.rng[3]);
  md["schedule.epochs_done"] = std::to_string(s.schedule.epochs_done);
  md["schedule.lr"] = exact(s.schedule.lr);
  md["schedule.best"] = exact(s.schedule.best);
  md["schedule.bad_epochs"] = std::to_string(s.schedule.bad_epochs);
  md["schedule.has_best"] = s.schedule.has_best ? "true" : "false";
  md["optimizer_steps"] = std::to_string(s.optimizer_steps);
  json names = json::array();
  for (const auto& [n, v] : s.optimizer_buffers) names.push_back(n);
  md["optimizer_buffers"] = names.dump();
  md["early.has_best"] = s.early.has_best ? "true" : "false";
  md["early.best"] = exact(s.early.best);
  md["early.best_epoch"] = std::to_string(s.early.best_epoch);
  md["early.bad_epochs"] = std::to_string(s.early.bad_epochs);
  md["config_yaml"] = s.config_yaml;
  if (!s.fold.empty()) md["fold"] = s.fold;

  std::vector<RawTensorOut> t;
  t.push_back({"params", DType::F32, {s.params.size()}, float_bytes(s.params)});
  for (const auto& [n, v] : s.optimizer_buffers) t.push_back({"optimizer." + n, DType::F32, {v.size()}, float_bytes(v)});
  if (!s.early.best_params.empty())
    t.push_back({"early.best_params", DType::F32, {s.early.best_params.size()}, float_bytes(s.early.best_params)});
  if (!s.order.empty())
    t.push_back({"order", DType::U32, {s.order.size()},
                 {reinterpret_cast<const char*>(s.order.data()), s.order.size() * sizeof(uint32_t)}});
  return safetensors_encode(t, std::move(md));
}

namespace {

void check_checkpoint_format(const Reader& r) {
  const std::string& fmt = r.text("format");
  if (fmt != kCheckpointFormat) throw ModelFileError(r.file + ": not an nntrain checkpoint (format '" + fmt + "')");
  const std::string& ver = r.text("format_version");
  if (ver != std::to_string(kCheckpointVersion))
    throw ModelFileError(r.file + ": unsupported checkpoint format_version '" + ver + "' (this nntrain reads " +
                         std::to_string(kCheckpointVersion) + ")");
}

// "rng": the generator's four state words, space-separated.
std::array<uint64_t, 4> read_rng(const Reader& r) {
  std::array<uint64_t, 4> rng{};
  const std::string& t = r.text("rng");
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t sp = t.find(' ', pos);
    if ((i < 3) != (sp != std::string::npos)) r.bad("rng", "is not four integers");
    rng[i] = r.u64_of("rng", t.substr(pos, i < 3 ? sp - pos : std::string::npos));
    pos = sp + 1;
  }
  return rng;
}

// Every scalar of the state, from __metadata__.
void read_scalars(const Reader& r, TrainState& s) {
  s.epochs_done = r.int32("epochs_done");
  s.batches_done = r.u64("batches_done");
  s.epoch_loss_sum = r.real("epoch_loss_sum");
  s.epoch_samples = r.u64("epoch_samples");
  s.epoch_seconds = r.real("epoch_seconds");
  s.total_seconds = r.real("total_seconds");
  s.rng = read_rng(r);
  s.schedule.epochs_done = r.int32("schedule.epochs_done");
  s.schedule.lr = r.real("schedule.lr");
  s.schedule.best = r.real("schedule.best");
  s.schedule.bad_epochs = r.int32("schedule.bad_epochs");
  s.schedule.has_best = r.boolean("schedule.has_best");
  const uint64_t steps = r.u64("optimizer_steps");
  if (steps > static_cast<uint64_t>(INT64_MAX)) r.bad("optimizer_steps", "is out of range");
  s.optimizer_steps = static_cast<int64_t>(steps);
  s.early.has_best = r.boolean("early.has_best");
  s.early.best = r.real("early.best");
  s.early.best_epoch = r.int32("early.best_epoch");
  s.early.bad_epochs = r.int32("early.bad_epochs");
  s.config_yaml = r.text("config_yaml");
  if (const auto it = r.md.find("fold"); it != r.md.end()) s.fold = it->second;  // optional
}

// "optimizer_buffers": the names of the optimizer's buffers, a JSON list of strings.
std::vector<std::string> read_buffer_names(const Reader& r) {
  std::vector<std::string> buffer_names;
  const json names = parse_metadata_json(r.text("optimizer_buffers"), r.file, "optimizer_buffers");
  if (!names.is_array()) r.bad("optimizer_buffers", "is not a list of names");
  for (const auto& n : names) {
    if (!n.is_string()) r.bad("optimizer_buffers", "is not a list of names");
    buffer_names.push_back(n.get<std::string>());
  }
  return buffer_names;
}

// The tensors: params, one optimizer.<name> per buffer, early.best_params and order when
// present, and nothing else; every float tensor one value per parameter.
void read_tensors(const Reader& r, const std::vector<RawTensorIn>& tensors, const std::vector<std::string>& buffer_names,
                  TrainState& s) {
  const std::string& name = r.file;
  std::map<std::string, const RawTensorIn*> by_name;
  for (const auto& t : tensors) {
    if (t.shape.size() != 1) throw ModelFileError(name + ": checkpoint tensor '" + t.name + "' is not one-dimensional");
    by_name[t.name] = &t;
  }
  std::set<std::string> used;
  auto floats = [&](const std::string& key, bool required, std::vector<float>* out) {
    auto it = by_name.find(key);
    if (it == by_name.end()) {
      if (required) throw ModelFileError(name + ": checkpoint has no tensor '" + key + "'");
      return;
    }
    const RawTensorIn& t = *it->second;
    if (t.dtype != DType::F32) throw ModelFileError(name + ": checkpoint tensor '" + key + "' is not F32");
    out->resize(t.count);
    if (t.count) std::memcpy(out->data(), t.bytes.data(), t.bytes.size());
    used.insert(key);
  };
  floats("params", true, &s.params);
  for (const auto& n : buffer_names) {
    if (used.count("optimizer." + n)) r.bad("optimizer_buffers", "names '" + n + "' twice");
    s.optimizer_buffers.push_back({n, {}});
    floats("optimizer." + n, true, &s.optimizer_buffers.back().second);
    if (s.optimizer_buffers.back().second.size() != s.params.size())
      throw ModelFileError(name + ": checkpoint tensor 'optimizer." + n + "' does not have one value per parameter");
  }
  floats("early.best_params", false, &s.early.best_params);
  if (!s.early.best_params.empty() && s.early.best_params.size() != s.params.size())
    throw ModelFileError(name + ": checkpoint tensor 'early.best_params' does not have one value per parameter");
  if (auto it = by_name.find("order"); it != by_name.end()) {
    const RawTensorIn& t = *it->second;
    if (t.dtype != DType::U32) throw ModelFileError(name + ": checkpoint tensor 'order' is not U32");
    s.order.resize(t.count);
    if (t.count) std::memcpy(s.order.data(), t.bytes.data(), t.bytes.size());
    used.insert("order");
  }
  for (const auto& t : tensors)
    if (!used.count(t.name)) throw ModelFileError(name + ": checkpoint has an unexpected tensor '" + t.name + "'");
}

}  // namespace

TrainState decode_checkpoint(const std::string& bytes, const std::string& name) {
  const SafetensorsFile f = safetensors_decode(bytes, name, /*require_checksums=*/true);
  const Reader r{name, f.metadata};
  check_checkpoint_format(r);
  TrainState s;
  read_scalars(r, s);
  read_tensors(r, f.tensors, read_buffer_names(r), s);
  return s;
}

void save_checkpoint(const std::string& path, const TrainState& state) {
  write_file_atomic(path, encode_checkpoint(state));
}

TrainState load_checkpoint(const std::string& path) { return decode_checkpoint(read_binary_file(path), path); }

}  // namespace nntrain
