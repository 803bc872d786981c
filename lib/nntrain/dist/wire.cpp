// The byte layout of wire.h: little-endian u64 lengths, then the raw bytes of each string or
// float vector, in the order the fields are written below. Both ends are the same binary, so
// there is no version field; a Preprocessing field added later must be added here too.
#include "nntrain/dist/wire.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace nntrain::dist {

namespace {

struct Writer {
  std::string out;
  void u64(uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    out += s;
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
  void floats(const std::vector<float>& v) {
    u64(v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
};

struct Reader {
  const std::string& in;
  size_t at = 0;
  void need(uint64_t n) {
    if (n > in.size() - at) throw std::runtime_error("the run message from rank 0 is truncated");
  }
  uint64_t u64() {
    need(sizeof(uint64_t));
    uint64_t v;
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
  std::string str() {
    const uint64_t n = u64();
    need(n);
    std::string s = in.substr(at, n);
    at += n;
    return s;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(u64());
    for (auto& s : v) s = str();
    return v;
  }
  std::vector<float> floats() {
    const uint64_t n = u64();
    need(n * sizeof(float));
    std::vector<float> v(n);
    std::memcpy(v.data(), in.data() + at, n * sizeof(float));
    at += n * sizeof(float);
    return v;
  }
};

void write_prep(Writer& w, const Preprocessing& p) {
  w.u64(static_cast<uint64_t>(p.task));
  w.strs(p.target);
  w.strs(p.features);
  w.u64(p.categorical.size());
  for (const auto& c : p.categorical) {
    w.str(c.name);
    w.strs(c.categories);
  }
  w.str(p.unknown_category);
  w.u64(p.standardize);
  w.floats(p.mean);
  w.floats(p.scale);
  w.strs(p.classes);
  w.u64(p.classes_numeric);
}

Preprocessing read_prep(Reader& r) {
  Preprocessing p;
  p.task = static_cast<Task>(r.u64());
  p.target = r.strs();
  p.features = r.strs();
  p.categorical.resize(r.u64());
  for (auto& c : p.categorical) {
    c.name = r.str();
    c.categories = r.strs();
  }
  p.unknown_category = r.str();
  p.standardize = r.u64() != 0;
  p.mean = r.floats();
  p.scale = r.floats();
  p.classes = r.strs();
  p.classes_numeric = r.u64() != 0;
  return p;
}

void write_dataset(Writer& w, const Dataset& d) {
  w.u64(d.rows);
  w.u64(d.x_cols);
  w.u64(d.y_cols);
  w.floats(d.x);
  w.floats(d.y);
}

Dataset read_dataset(Reader& r) {
  Dataset d;
  d.rows = r.u64();
  d.x_cols = r.u64();
  d.y_cols = r.u64();
  d.x = r.floats();
  d.y = r.floats();
  if (d.x.size() != d.rows * d.x_cols || d.y.size() != d.rows * d.y_cols)
    throw std::runtime_error("the run message from rank 0 has a matrix of the wrong size");
  return d;
}

}  // namespace

std::string encode_run_message(const std::string& config_yaml, const TrainingData& data, const TrainState& state) {
  Writer w;
  w.str(config_yaml);
  write_prep(w, data.prep);
  w.u64(data.class_counts.size());
  for (size_t c : data.class_counts) w.u64(c);
  w.u64(data.dropped_rows);
  write_dataset(w, data.train);
  w.u64(data.val.has_value());
  if (data.val) write_dataset(w, *data.val);
  w.str(encode_checkpoint(state));
  return w.out;
}

RunMessage decode_run_message(const std::string& bytes) {
  Reader r{bytes};
  RunMessage m;
  m.config_yaml = r.str();
  m.data.prep = read_prep(r);
  m.data.class_counts.resize(r.u64());
  for (size_t& c : m.data.class_counts) c = r.u64();
  m.data.dropped_rows = r.u64();
  m.data.train = read_dataset(r);
  if (r.u64() != 0) m.data.val = read_dataset(r);
  m.state = decode_checkpoint(r.str(), "the trainer state from rank 0");
  if (r.at != bytes.size()) throw std::runtime_error("the run message from rank 0 has trailing bytes");
  return m;
}

}  // namespace nntrain::dist
