// The dataset: CSV records into one [rows, inputs] float matrix and one [rows, targets]
// matrix; classes, one-hot categories and standardization fitted on the training split.
// Not here: tokenising CSV (csv.cpp), batching and shuffling for training (the trainer).
#include "nntrain/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <unordered_map>

#include "nntrain/data/csv.h"
#include "nntrain/data/did_you_mean.h"
#include "nntrain/core/error.h"
#include "nntrain/core/rng.h"

namespace nntrain {

const char* task_name(Task t) {
  switch (t) {
    case Task::binary: return "binary";
    case Task::multiclass: return "multiclass";
    case Task::regression: return "regression";
  }
  return "?";
}

size_t Preprocessing::output_width() const {
  switch (task) {
    case Task::binary: return 1;
    case Task::multiclass: return classes.size();
    case Task::regression: return target.size();
  }
  return 0;
}

const std::string& class_label(const Preprocessing& prep, size_t index) { return prep.classes.at(index); }

namespace {

constexpr uint32_t kNone = 0xffffffffu;  // an ignored unknown category: all-zero encoding

Task task_of_loss(const std::string& loss) {
  if (loss == "bce") return Task::binary;
  if (loss == "cross_entropy") return Task::multiclass;
  return Task::regression;
}

std::string join(const std::vector<std::string>& v, size_t max_items = 12) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > max_items) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

// Strings to dense ids in first-seen order.
struct Interner {
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::string> names;
  std::string key;
  uint32_t id(std::string_view s) {
    key.assign(s.data(), s.size());
    auto it = ids.find(key);
    if (it != ids.end()) return it->second;
    const uint32_t n = static_cast<uint32_t>(names.size());
    ids.emplace(key, n);
    names.push_back(key);
    return n;
  }
};

// Where each role lives in one file's columns.
struct Layout {
  std::vector<long> num_cols;     // numeric features, in feature order
  std::vector<long> cat_cols;     // categorical features, in feature order
  std::vector<long> target_cols;  // empty when the file is read without targets
  std::vector<long> keep_cols;
};

// Rows as read, before encoding: numeric block, category ids, targets.
struct RawRows {
  size_t rows = 0;
  size_t n_num = 0, n_cat = 0, n_y = 0;
  std::vector<float> num;        // [rows, n_num]
  std::vector<uint32_t> cat;     // [rows, n_cat]
  std::vector<uint32_t> label;   // [rows] classification: interned id (fit) or class index (apply)
  std::vector<float> ynum;       // [rows, n_y] regression
  std::vector<std::vector<std::string>> kept;
  bool has_label = false;        // classification with the target column read
};

// Lookups used when the preprocessing is already fitted (validation/test/predict files).
struct Fitted {
  const Preprocessing* prep = nullptr;
  std::vector<std::unordered_map<std::string, uint32_t>> cat_index;  // per categorical feature
  std::unordered_map<std::string, uint32_t> class_index;             // string labels
  std::vector<double> class_values;                                  // numeric labels
};

Fitted make_fitted(const Preprocessing& prep) {
  Fitted f;
  f.prep = &prep;
  for (const auto& c : prep.categorical) {
    std::unordered_map<std::string, uint32_t> m;
    for (size_t i = 0; i < c.categories.size(); ++i) m.emplace(c.categories[i], static_cast<uint32_t>(i));
    f.cat_index.push_back(std::move(m));
  }
  for (size_t i = 0; i < prep.classes.size(); ++i) {
    f.class_index.emplace(prep.classes[i], static_cast<uint32_t>(i));
    double v = 0;
    if (prep.classes_numeric && parse_number_double(prep.classes[i], v) == NumberKind::number) f.class_values.push_back(v);
  }
  return f;
}

struct ReadOptions {
  Task task = Task::regression;
  bool drop_missing = false;
  const char* missing_hint = "";
  const Fitted* fitted = nullptr;  // null: fit mode (interners grow)
  std::vector<Interner>* cat_dicts = nullptr;
  Interner* labels = nullptr;
  std::vector<std::string> cat_names, target_names;
  size_t* dropped = nullptr;
};

// fitted: reading for a trained model (predict, evaluate, validation/test files), where the
// cure for a text value is in the data, not in the config.
[[noreturn]] void fail_number(const CsvReader& r, long col, NumberKind k, std::string_view field, const char* what,
                              const char* hint, bool fitted) {
  const std::string name = r.header()[static_cast<size_t>(col)];
  const std::string f(field.substr(0, 60));
  if (k == NumberKind::overflow)
    r.fail(static_cast<size_t>(col), "value '" + f + "' in column '" + name + "' overflows float32 (|x| > 3.4e38)");
  if (k == NumberKind::missing)
    r.fail(static_cast<size_t>(col), "missing value ('" + f + "') in " + what + " '" + name + "'" + hint);
  r.fail(static_cast<size_t>(col), "'" + f + "' in " + what + " '" + name + "' is not a number (decimal numbers only; " +
                                       (fitted ? "the model was trained on it as a number"
                                               : "list a text column in data.categorical or data.exclude") + ")");
}

// A row with another number of fields than the header: a data error pointing at the first
// extra field, or just after the last one when a field is missing.
void check_field_count(const CsvReader& r, size_t ncols) {
  if (r.size() == ncols) return;
  const std::string msg = "this row has " + std::to_string(r.size()) + " fields, the header has " + std::to_string(ncols);
  if (r.size() > ncols) r.fail(ncols, msg + " (an unquoted delimiter inside a field?)");
  const size_t last = r.size() - 1;
  throw DataError(msg + " (a missing field or delimiter?)",
                  SourcePos{r.name(), r.line(), r.column(last) + static_cast<long>(r.field(last).size())});
}

// Reserve once the average row length is known: virtual memory only, pages are touched as
// rows arrive, so an over-estimate costs no RSS and vector doubling is avoided.
void reserve_rows(const CsvReader& r, size_t ncols, bool with_label, RawRows& out) {
  const double per_row = static_cast<double>(r.bytes_read()) / static_cast<double>(out.rows + 1);
  const double left = static_cast<double>(r.size_hint() - r.bytes_read());
  size_t est = out.rows + static_cast<size_t>(left / per_row * 1.05) + 64;
  const size_t hard = static_cast<size_t>(r.size_hint() / std::max<size_t>(ncols, 1)) + 2;
  est = std::min(est, hard);
  out.num.reserve(est * out.n_num);
  out.cat.reserve(est * out.n_cat);
  out.ynum.reserve(est * out.n_y);
  if (with_label) out.label.reserve(est);
}

// The row's numeric fields `cols` into out[0 .. cols.size()). False when one is missing and
// data.missing drops the row; any other bad value is a data error.
bool read_numbers(const CsvReader& r, const std::vector<long>& cols, const ReadOptions& opt, const char* what,
                  float* out) {
  bool keep = true;
  for (size_t j = 0; j < cols.size(); ++j) {
    const long c = cols[j];
    const std::string_view f = r.field(static_cast<size_t>(c));
    const NumberKind k = parse_number(f, out[j]);
    if (k == NumberKind::number) continue;
    if (k == NumberKind::missing && opt.drop_missing) {
      keep = false;
      continue;
    }
    fail_number(r, c, k, f, what, opt.missing_hint, opt.fitted != nullptr);
  }
  return keep;
}

// The row's categories: with a fitted preprocessing their indices into cr (an unseen one is
// all zeros with unknown_category: ignore, else a data error); in fit mode the strings into
// pending, interned once the row is known to be kept. False when one is missing and dropped.
bool read_categories(const CsvReader& r, const std::vector<long>& cols, const ReadOptions& opt, std::string& key,
                     std::vector<std::string_view>& pending, uint32_t* cr) {
  bool keep = true;
  for (size_t j = 0; j < cols.size(); ++j) {
    const long c = cols[j];
    const std::string_view f = trim_spaces(r.field(static_cast<size_t>(c)));
    if (is_missing_token(f)) {
      if (opt.drop_missing) {
        keep = false;
        cr[j] = 0;
        continue;
      }
      fail_number(r, c, NumberKind::missing, f, "categorical feature", opt.missing_hint, opt.fitted != nullptr);
    }
    if (!opt.fitted) {
      pending[j] = f;
      continue;
    }
    key.assign(f.data(), f.size());
    const auto& m = opt.fitted->cat_index[j];
    if (auto it = m.find(key); it != m.end()) {
      cr[j] = it->second;
    } else if (opt.fitted->prep->unknown_category == "ignore") {
      cr[j] = kNone;
    } else {
      r.fail(static_cast<size_t>(c), "category '" + key + "' of column '" + r.header()[c] +
                                         "' was not seen in training (seen: " +
                                         join(opt.fitted->prep->categorical[j].categories) +
                                         "); training with data.unknown_category: ignore encodes it as all zeros");
    }
  }
  return keep;
}

// The class index of label `f` (column c) for a fitted preprocessing, or a data error.
uint32_t fitted_class(const CsvReader& r, long c, std::string_view f, const Fitted& fitted, std::string& key) {
  const Preprocessing& p = *fitted.prep;
  if (p.classes_numeric) {
    double v = 0;
    if (parse_number_double(f, v) == NumberKind::number)
      for (size_t i = 0; i < fitted.class_values.size(); ++i)
        if (fitted.class_values[i] == v) return static_cast<uint32_t>(i);
  } else {
    key.assign(f.data(), f.size());
    if (auto it = fitted.class_index.find(key); it != fitted.class_index.end()) return it->second;
  }
  r.fail(static_cast<size_t>(c), "class '" + std::string(f) + "' of column '" + r.header()[c] +
                                     "' was not in the training data (classes: " + join(p.classes) + ")");
}

// The row's label (column c): its class index into id (fitted), or its text into pending
// (fit mode). False when it is missing and dropped.
bool read_label(const CsvReader& r, long c, const ReadOptions& opt, std::string& key, std::string_view& pending,
                uint32_t& id) {
  const std::string_view f = trim_spaces(r.field(static_cast<size_t>(c)));
  if (is_missing_token(f)) {
    if (!opt.drop_missing) fail_number(r, c, NumberKind::missing, f, "target", opt.missing_hint, opt.fitted != nullptr);
    return false;
  }
  if (!opt.fitted) pending = f;
  else id = fitted_class(r, c, f, *opt.fitted, key);
  return true;
}

// Every data row of `r` into `out` (see RawRows): features, categories, targets and kept
// columns, each row checked whole before it is kept or (data.missing: drop) dropped.
void read_rows(CsvReader& r, const Layout& lay, const ReadOptions& opt, RawRows& out) {
  const size_t ncols = r.header().size();
  out.n_num = lay.num_cols.size();
  out.n_cat = lay.cat_cols.size();
  const bool classify = opt.task != Task::regression;
  out.n_y = classify ? 0 : lay.target_cols.size();
  const bool with_label = classify && !lay.target_cols.empty();
  out.has_label = with_label;
  out.kept.assign(lay.keep_cols.size(), {});
  std::string key;
  std::vector<std::string_view> pending(out.n_cat);  // fit mode: this row's categories
  std::string_view pending_label;
  bool reserved = false;
  while (r.next()) {
    check_field_count(r, ncols);
    if (!reserved && out.rows == 256 && r.size_hint() > r.bytes_read()) {
      reserved = true;
      reserve_rows(r, ncols, with_label, out);
    }
    const size_t base = out.rows;
    out.num.resize((base + 1) * out.n_num);
    out.cat.resize((base + 1) * out.n_cat);
    out.ynum.resize((base + 1) * out.n_y);
    uint32_t* cr = out.cat.data() + base * out.n_cat;
    bool keep = read_numbers(r, lay.num_cols, opt, "feature", out.num.data() + base * out.n_num);
    keep &= read_categories(r, lay.cat_cols, opt, key, pending, cr);
    if (out.n_y) keep &= read_numbers(r, lay.target_cols, opt, "target", out.ynum.data() + base * out.n_y);
    if (with_label) {
      uint32_t id = 0;
      keep &= read_label(r, lay.target_cols[0], opt, key, pending_label, id);
      if (keep) out.label.push_back(!opt.fitted ? opt.labels->id(pending_label) : id);
    }
    if (!keep) {
      out.num.resize(base * out.n_num);
      out.cat.resize(base * out.n_cat);
      out.ynum.resize(base * out.n_y);
      if (opt.dropped) ++*opt.dropped;
      continue;
    }
    if (!opt.fitted)
      for (size_t j = 0; j < out.n_cat; ++j) cr[j] = (*opt.cat_dicts)[j].id(pending[j]);
    for (size_t j = 0; j < lay.keep_cols.size(); ++j)
      out.kept[j].emplace_back(r.field(static_cast<size_t>(lay.keep_cols[j])));
    ++out.rows;
  }
}

// The encoded width and, per feature, its first encoded column.
size_t encoded_width(const Preprocessing& p, std::vector<size_t>* offsets, std::vector<bool>* is_onehot) {
  size_t w = 0;
  size_t ci = 0;
  for (const auto& f : p.features) {
    if (offsets) offsets->push_back(w);
    if (ci < p.categorical.size() && p.categorical[ci].name == f) {
      if (is_onehot) is_onehot->insert(is_onehot->end(), p.categorical[ci].categories.size(), true);
      w += p.categorical[ci].categories.size();
      ++ci;
    } else {
      if (is_onehot) is_onehot->push_back(false);
      ++w;
    }
  }
  return w;
}

// Raw rows into a Dataset (x encoded, not yet standardized; y as floats).
Dataset encode(RawRows&& raw, const Preprocessing& p) {
  Dataset d;
  d.rows = raw.rows;
  if (p.categorical.empty()) {
    d.x = std::move(raw.num);  // no copy: the numeric block is the input matrix
    d.x_cols = raw.n_num;
  } else {
    d.x_cols = encoded_width(p, nullptr, nullptr);
    d.x.assign(d.rows * d.x_cols, 0.0f);
    for (size_t r = 0; r < d.rows; ++r) {
      float* xr = d.x.data() + r * d.x_cols;
      const float* nr = raw.num.data() + r * raw.n_num;
      const uint32_t* cr = raw.cat.data() + r * raw.n_cat;
      size_t w = 0, ni = 0, ci = 0;
      for (const auto& f : p.features) {
        if (ci < p.categorical.size() && p.categorical[ci].name == f) {
          if (cr[ci] != kNone) xr[w + cr[ci]] = 1.0f;
          w += p.categorical[ci].categories.size();
          ++ci;
        } else {
          xr[w++] = nr[ni++];
        }
      }
    }
    std::vector<float>().swap(raw.num);
  }
  if (p.task == Task::regression) {
    d.y = std::move(raw.ynum);
    d.y_cols = raw.n_y;
  } else if (raw.has_label) {
    d.y_cols = 1;
    d.y.resize(raw.label.size());
    for (size_t i = 0; i < raw.label.size(); ++i) d.y[i] = static_cast<float>(raw.label[i]);
  }
  d.kept = std::move(raw.kept);
  return d;
}

void apply_standardization(Dataset& d, const Preprocessing& p) {
  if (d.x_cols != p.mean.size()) return;
  for (size_t r = 0; r < d.rows; ++r) {
    float* xr = d.x.data() + r * d.x_cols;
    for (size_t j = 0; j < d.x_cols; ++j) xr[j] = (xr[j] - p.mean[j]) / p.scale[j];
  }
}

// Population mean and std per encoded column over the training split; one-hot columns keep
// mean 0 and scale 1, constant columns are centred with scale 1.
void fit_standardization(const Dataset& d, Preprocessing& p) {
  std::vector<bool> onehot;
  encoded_width(p, nullptr, &onehot);
  p.mean.assign(d.x_cols, 0.0f);
  p.scale.assign(d.x_cols, 1.0f);
  if (!p.standardize || d.rows == 0) return;
  std::vector<double> sum(d.x_cols, 0.0), sq(d.x_cols, 0.0);
  std::vector<float> lo(d.x_cols), hi(d.x_cols);
  for (size_t j = 0; j < d.x_cols; ++j) lo[j] = hi[j] = d.x[j];
  for (size_t r = 0; r < d.rows; ++r) {
    const float* xr = d.x.data() + r * d.x_cols;
    for (size_t j = 0; j < d.x_cols; ++j) {
      sum[j] += xr[j];
      lo[j] = std::min(lo[j], xr[j]);
      hi[j] = std::max(hi[j], xr[j]);
    }
  }
  const double n = static_cast<double>(d.rows);
  std::vector<double> mean(d.x_cols);
  for (size_t j = 0; j < d.x_cols; ++j) mean[j] = sum[j] / n;
  for (size_t r = 0; r < d.rows; ++r) {
    const float* xr = d.x.data() + r * d.x_cols;
    for (size_t j = 0; j < d.x_cols; ++j) {
      const double dv = xr[j] - mean[j];
      sq[j] += dv * dv;
    }
  }
  for (size_t j = 0; j < d.x_cols; ++j) {
    if (j < onehot.size() && onehot[j]) continue;
    if (lo[j] == hi[j]) {
      p.mean[j] = lo[j];
      continue;
    }
    p.mean[j] = static_cast<float>(mean[j]);
    const double sd = std::sqrt(sq[j] / n);
    p.scale[j] = sd > 0 ? static_cast<float>(sd) : 1.0f;
  }
}

[[noreturn]] void missing_column(const CsvReader& r, const std::string& col, const std::string& what) {
  throw DataError("no column '" + col + "' (" + what + ") in the header" + did_you_mean(col, r.header()) +
                      "; columns: " + join(r.header()),
                  SourcePos{r.name(), 1, 0});
}

long need_column(const CsvReader& r, const std::string& col, const std::string& what) {
  const long i = r.column_index(col);
  if (i < 0) missing_column(r, col, what);
  return i;
}

// The layout of a file read with a fitted preprocessing.
Layout layout_for(const CsvReader& r, const Preprocessing& p, bool with_target, const std::vector<std::string>& keep) {
  Layout lay;
  size_t ci = 0;
  for (const auto& f : p.features) {
    const long c = need_column(r, f, "a feature of the model");
    if (ci < p.categorical.size() && p.categorical[ci].name == f) {
      lay.cat_cols.push_back(c);
      ++ci;
    } else {
      lay.num_cols.push_back(c);
    }
  }
  if (with_target)
    for (const auto& t : p.target) lay.target_cols.push_back(need_column(r, t, "the target"));
  for (const auto& k : keep) lay.keep_cols.push_back(need_column(r, k, "--keep"));
  return lay;
}

Dataset read_fitted(const std::string& path, const Preprocessing& p, bool with_target, bool drop_missing,
                    const std::vector<std::string>& keep, char delim, const char* hint) {
  CsvReader r(path, delim);
  const Layout lay = layout_for(r, p, with_target, keep);
  const Fitted fitted = make_fitted(p);
  ReadOptions opt;
  opt.task = p.task;
  opt.drop_missing = drop_missing;
  opt.missing_hint = hint;
  opt.fitted = &fitted;
  RawRows raw;
  read_rows(r, lay, opt, raw);
  r.close();
  if (raw.rows == 0) throw DataError("no data rows after the header", SourcePos{r.name(), 2, 0});
  Dataset d = encode(std::move(raw), p);
  apply_standardization(d, p);
  return d;
}

char delimiter_of(const std::string& s) {
  if (s.empty() || s == "auto") return 0;
  if (s == "\\t" || s == "tab") return '\t';
  return s[0];
}

// Rows [index] taken out of `all` into a new Dataset; `all` keeps the others in file order,
// compacted in place (no second full copy).
Dataset take_rows(Dataset& all, const std::vector<char>& take) {
  Dataset out;
  out.x_cols = all.x_cols;
  out.y_cols = all.y_cols;
  size_t n = 0;
  for (char t : take) n += t ? 1 : 0;
  out.rows = n;
  out.x.resize(n * all.x_cols);
  out.y.resize(n * all.y_cols);
  size_t o = 0, k = 0;
  for (size_t r = 0; r < all.rows; ++r) {
    const float* xs = all.x.data() + r * all.x_cols;
    const float* ys = all.y.data() + r * all.y_cols;
    if (take[r]) {
      std::memcpy(out.x.data() + o * all.x_cols, xs, all.x_cols * sizeof(float));
      std::memcpy(out.y.data() + o * all.y_cols, ys, all.y_cols * sizeof(float));
      ++o;
    } else {
      if (k != r) {
        std::memmove(all.x.data() + k * all.x_cols, xs, all.x_cols * sizeof(float));
        std::memmove(all.y.data() + k * all.y_cols, ys, all.y_cols * sizeof(float));
      }
      ++k;
    }
  }
  all.rows = k;
  all.x.resize(k * all.x_cols);
  all.y.resize(k * all.y_cols);
  return out;
}

// Row groups for stratification: one per class, or one for regression.
std::vector<std::vector<size_t>> strata(const Dataset& d, const Preprocessing& p) {
  std::vector<std::vector<size_t>> g(p.task == Task::regression ? 1 : p.classes.size());
  for (size_t r = 0; r < d.rows; ++r)
    g[p.task == Task::regression ? 0 : static_cast<size_t>(d.y[r])].push_back(r);
  return g;
}

}  // namespace

namespace {

// The preprocessing's fixed parts, from the config: task, targets, categories policy.
Preprocessing preprocessing_of(const Config& cfg) {
  Preprocessing p;
  p.task = task_of_loss(cfg.loss.name);
  p.target = cfg.data.target;
  p.unknown_category = cfg.data.unknown_category;
  p.standardize = cfg.data.standardize;
  if (p.task != Task::regression && cfg.data.target.size() != 1)
    throw ConfigError("loss " + cfg.loss.name + " needs one target column, not " + std::to_string(cfg.data.target.size()));
  return p;
}

// Columns: targets, then the features (a list, or all others but the excluded ones) into
// p.features; the categorical ones (in feature order) into cat_order.
Layout training_layout(const CsvReader& r, const DataConfig& dc, Preprocessing& p, std::vector<std::string>& cat_order) {
  Layout lay;
  for (const auto& t : dc.target) lay.target_cols.push_back(need_column(r, t, "data.target"));
  for (const auto& e : dc.exclude) need_column(r, e, "data.exclude");
  if (dc.features) {
    for (const auto& f : *dc.features) {
      need_column(r, f, "data.features");
      if (std::find(dc.exclude.begin(), dc.exclude.end(), f) != dc.exclude.end())
        throw DataError("column '" + f + "' is both in data.features and data.exclude", SourcePos{r.name(), 1, 0});
      p.features.push_back(f);
    }
  } else {
    for (const auto& h : r.header()) {
      if (std::find(dc.target.begin(), dc.target.end(), h) != dc.target.end()) continue;
      if (std::find(dc.exclude.begin(), dc.exclude.end(), h) != dc.exclude.end()) continue;
      p.features.push_back(h);
    }
  }
  if (p.features.empty()) throw DataError("no feature columns left (all are targets or excluded)", SourcePos{r.name(), 1, 0});
  for (const auto& c : dc.categorical) {
    need_column(r, c, "data.categorical");
    if (std::find(p.features.begin(), p.features.end(), c) == p.features.end())
      throw DataError("categorical column '" + c + "' is not a feature (excluded or not in data.features)",
                      SourcePos{r.name(), 1, 0});
  }
  for (const auto& f : p.features) {
    if (std::find(dc.categorical.begin(), dc.categorical.end(), f) != dc.categorical.end()) {
      cat_order.push_back(f);
      lay.cat_cols.push_back(r.column_index(f));
    } else {
      lay.num_cols.push_back(r.column_index(f));
    }
  }
  return lay;
}

// Categories sorted bytewise into p.categorical; the rows' category ids remapped to them.
void sort_categories(const std::vector<std::string>& cat_order, const std::vector<Interner>& cat_dicts, RawRows& raw,
                     Preprocessing& p) {
  for (size_t j = 0; j < cat_order.size(); ++j) {
    CategoricalColumn cc;
    cc.name = cat_order[j];
    cc.categories = cat_dicts[j].names;
    std::sort(cc.categories.begin(), cc.categories.end());
    std::vector<uint32_t> remap(cat_dicts[j].names.size());
    for (size_t i = 0; i < remap.size(); ++i)
      remap[i] = static_cast<uint32_t>(std::lower_bound(cc.categories.begin(), cc.categories.end(), cat_dicts[j].names[i]) -
                                       cc.categories.begin());
    for (size_t row = 0; row < raw.rows; ++row) raw.cat[row * raw.n_cat + j] = remap[raw.cat[row * raw.n_cat + j]];
    p.categorical.push_back(std::move(cc));
  }
}

// Classes: numbers when every label reads as one (sorted numerically, spelled as first
// seen), else strings sorted bytewise; the rows' label ids remapped to class indices. Then
// the count the loss needs (bce: two; cross_entropy: at least two).
void sort_classes(const Interner& labels, const std::string& target, const std::string& file, RawRows& raw,
                  Preprocessing& p) {
  const auto& names = labels.names;
  std::vector<double> values(names.size());
  bool numeric = true;
  for (size_t i = 0; i < names.size() && numeric; ++i)
    numeric = parse_number_double(names[i], values[i]) == NumberKind::number;
  std::vector<uint32_t> remap(names.size());
  if (numeric) {
    std::map<double, std::string> by_value;  // first spelling wins (ids are in first-seen order)
    for (size_t i = 0; i < names.size(); ++i) by_value.emplace(values[i], names[i]);
    for (const auto& [v, s] : by_value) p.classes.push_back(s);
    for (size_t i = 0; i < names.size(); ++i)
      remap[i] = static_cast<uint32_t>(std::distance(by_value.begin(), by_value.find(values[i])));
  } else {
    p.classes = names;
    std::sort(p.classes.begin(), p.classes.end());
    for (size_t i = 0; i < names.size(); ++i)
      remap[i] = static_cast<uint32_t>(std::lower_bound(p.classes.begin(), p.classes.end(), names[i]) - p.classes.begin());
  }
  p.classes_numeric = numeric;
  for (auto& id : raw.label) id = remap[id];
  if (p.task == Task::binary && p.classes.size() != 2)
    throw DataError("loss bce needs exactly two classes in '" + target + "', found " + std::to_string(p.classes.size()) +
                        ": " + join(p.classes) +
                        (p.classes.size() > 2 ? "; use loss cross_entropy with a softmax layer" : ""),
                    SourcePos{file, 0, 0});
  if (p.task == Task::multiclass && p.classes.size() < 2)
    throw DataError("loss cross_entropy needs at least two classes in '" + target + "', found " +
                        std::to_string(p.classes.size()) + ": " + join(p.classes),
                    SourcePos{file, 0, 0});
}

// The last layer's units must be the data's output width (targets, one sigmoid, classes).
void check_output_width(const ModelConfig& m, const Preprocessing& p, const std::string& file) {
  if (m.layers.empty() || static_cast<size_t>(m.layers.back().units) == p.output_width()) return;
  const size_t last = m.layers.size() - 1;
  const std::string what = p.task == Task::regression ? std::to_string(p.target.size()) + " target column(s)"
                           : p.task == Task::binary   ? "a binary target (one sigmoid unit)"
                                                      : std::to_string(p.classes.size()) + " classes (" + join(p.classes) + ")";
  throw DataError("model.layers." + std::to_string(last) + ".units is " + std::to_string(m.layers.back().units) +
                      " but the data has " + what + "; set it to " + std::to_string(p.output_width()),
                  SourcePos{file, 0, 0});
}

// Which rows of data.train validate (1) rather than train: fold `fold` of K, or a fraction
// (stratified, seeded); empty when neither (no validation, or a separate file).
std::vector<char> validation_rows(const Dataset& all, const Preprocessing& p, const Config& cfg,
                                  std::optional<FoldSpec> fold, const std::string& file) {
  const DataConfig& dc = cfg.data;
  std::vector<char> take;
  if (fold) {
    if (fold->k < 2) throw ConfigError("--folds must be at least 2, not " + std::to_string(fold->k));
    if (fold->index < 0 || fold->index >= fold->k) throw ConfigError("fold index out of range");
    if (static_cast<size_t>(fold->k) > all.rows)
      throw DataError(std::to_string(fold->k) + " folds need at least as many rows; the data has " +
                          std::to_string(all.rows),
                      SourcePos{file, 0, 0});
    take.assign(all.rows, 0);
    Rng rng(cfg.training.seed);
    size_t counter = 0;
    for (auto& g : strata(all, p)) {
      rng.shuffle(g.data(), g.size());
      for (size_t r2 : g) take[r2] = static_cast<int>(counter++ % static_cast<size_t>(fold->k)) == fold->index;
    }
  } else if (dc.validation_path.empty() && dc.validation_fraction > 0) {
    take.assign(all.rows, 0);
    Rng rng(cfg.training.seed);
    size_t n_val = 0;
    for (auto& g : strata(all, p)) {
      rng.shuffle(g.data(), g.size());
      size_t k = static_cast<size_t>(std::llround(dc.validation_fraction * static_cast<double>(g.size())));
      if (k >= g.size() && g.size() > 0) k = g.size() - 1;
      for (size_t i = 0; i < k; ++i) take[g[i]] = 1;
      n_val += k;
    }
    if (n_val == 0)
      throw DataError("data.validation " + std::to_string(dc.validation_fraction) + " of " + std::to_string(all.rows) +
                          " rows leaves no validation rows; use more data or set data.validation: 0",
                      SourcePos{file, 0, 0});
  }
  return take;
}

std::vector<size_t> class_counts_of(const Dataset& train, const Preprocessing& p) {
  if (p.task == Task::regression) return {};
  std::vector<size_t> counts(p.classes.size(), 0);
  for (size_t i = 0; i < train.rows; ++i) ++counts[static_cast<size_t>(train.y[i])];
  return counts;
}

// The missing-value hint of data.train, validation and test files.
const char* training_missing_hint(const DataConfig& dc) {
  return dc.missing == "drop" ? "" : " (set data.missing: drop to drop such rows)";
}

// data.train's rows in fit mode: categories and labels are learned into the interners.
RawRows read_training_rows(CsvReader& r, const Layout& lay, const DataConfig& dc, Task task,
                           std::vector<Interner>& cat_dicts, Interner& labels, size_t& dropped) {
  ReadOptions opt;
  opt.task = task;
  opt.drop_missing = dc.missing == "drop";
  opt.missing_hint = training_missing_hint(dc);
  opt.dropped = &dropped;
  opt.cat_dicts = &cat_dicts;
  opt.labels = &labels;
  RawRows raw;
  read_rows(r, lay, opt, raw);
  r.close();
  if (raw.rows == 0) throw DataError("no data rows (after dropping rows with missing values)", SourcePos{r.name(), 2, 0});
  return raw;
}

// data.validation (a file; not with a fold) and data.test, read with the fitted preprocessing.
void read_validation_and_test(const DataConfig& dc, bool fold, TrainingData& td) {
  const char delim = delimiter_of(dc.delimiter);
  const bool drop = dc.missing == "drop";
  if (!fold && !dc.validation_path.empty())
    td.val = read_fitted(dc.validation_path, td.prep, true, drop, {}, delim, training_missing_hint(dc));
  if (!dc.test.empty()) td.test = read_fitted(dc.test, td.prep, true, drop, {}, delim, training_missing_hint(dc));
}

// data.train read through `r` (fit mode: categories and classes are learned), split, the
// preprocessing fitted on the training rows and applied to every split; validation and test
// files read with it.
TrainingData load_training(const Config& cfg, std::optional<FoldSpec> fold, CsvReader& r) {
  TrainingData td;
  Preprocessing& p = td.prep;
  p = preprocessing_of(cfg);
  std::vector<std::string> cat_order;  // categorical features in feature order
  const Layout lay = training_layout(r, cfg.data, p, cat_order);
  std::vector<Interner> cat_dicts(cat_order.size());
  Interner labels;
  RawRows raw = read_training_rows(r, lay, cfg.data, p.task, cat_dicts, labels, td.dropped_rows);
  sort_categories(cat_order, cat_dicts, raw, p);
  if (p.task != Task::regression) sort_classes(labels, cfg.data.target[0], r.name(), raw, p);
  check_output_width(cfg.model, p, r.name());

  Dataset all = encode(std::move(raw), p);
  const std::vector<char> take = validation_rows(all, p, cfg, fold, r.name());
  if (!take.empty()) td.val = take_rows(all, take);  // `all` keeps the training rows
  td.train = std::move(all);
  fit_standardization(td.train, p);
  apply_standardization(td.train, p);
  if (td.val) apply_standardization(*td.val, p);
  read_validation_and_test(cfg.data, fold.has_value(), td);
  td.class_counts = class_counts_of(td.train, p);
  return td;
}

}  // namespace

TrainingData load_training_data(const Config& cfg, std::optional<FoldSpec> fold) {
  try {
    CsvReader r(cfg.data.train, delimiter_of(cfg.data.delimiter));
    return load_training(cfg, fold, r);
  } catch (const DataError& e) {
    // A data file that is not there: say which key named it and where relative paths start.
    for (const std::string* p : {&cfg.data.train, &cfg.data.validation_path, &cfg.data.test}) {
      std::error_code ec;
      if (p->empty() || e.pos().file != *p || std::filesystem::exists(*p, ec) || ec) continue;
      const char* key = p == &cfg.data.train ? "data.train" : p == &cfg.data.test ? "data.test" : "data.validation";
      throw DataError(e.message() + " (" + key + (cfg.source_path.empty() ? "" : " of " + cfg.source_path) +
                          "; a relative path there or in an override starts from the config's folder)",
                      e.pos());
    }
    throw;
  }
}

TrainingData load_training_data_from_text(const Config& cfg, const std::string& name, const std::string& text,
                                          std::optional<FoldSpec> fold) {
  CsvReader r(name, text.data(), text.size(), delimiter_of(cfg.data.delimiter));
  return load_training(cfg, fold, r);
}

Dataset load_inference_data(const std::string& path, const Preprocessing& prep, bool with_target,
                            const std::vector<std::string>& keep, const std::string& delimiter) {
  return read_fitted(path, prep, with_target, false, keep, delimiter_of(delimiter),
                     " (predict and evaluate read every row: fill or remove it)");
}

}  // namespace nntrain
