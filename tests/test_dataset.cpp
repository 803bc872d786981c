// Tests of dataset.cpp: the corpus of small files under tests/data/csv (each with its expected
// outcome: values, or the exact error position), labels and classes, one-hot categories,
// standardization (hand-computed values), splits and folds, and the real data sets.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "nntrain/data/dataset.h"
#include "nntrain/core/error.h"
#include "test_util.h"

using namespace nntrain;
using test_util::error_of;

namespace {

const std::string kCsv = NNTRAIN_TESTDATA_DIR "/csv/";
const std::string kData = NNTRAIN_SOURCE_DIR "/data/";  // the sample data sets of data/README.md

// A config for `file` (validation 0, no standardization unless asked) whose last layer fits.
Config cfg_for(const std::string& file, const std::string& loss = "mse", std::vector<std::string> target = {"y"},
               int units = 1) {
  Config c;
  c.data.train = file.find('/') == std::string::npos ? kCsv + file : file;
  c.data.target = std::move(target);
  c.data.validation_fraction = 0;
  c.data.standardize = false;
  c.loss.name = loss;
  LayerSpec l;
  l.units = units;
  l.activation = loss == "bce" ? "sigmoid" : loss == "cross_entropy" ? "softmax" : "identity";
  c.model.layers = {l};
  return c;
}

std::vector<float> col(const Dataset& d, size_t j) {
  std::vector<float> v;
  for (size_t r = 0; r < d.rows; ++r) v.push_back(d.x[r * d.x_cols + j]);
  return v;
}

}  // namespace

// The corpus: every file with the outcome a user should get. Positions are counted by hand
// from the file bytes (see tests/data/csv/).
TEST_CASE("corpus: accepted files give the right values") {
  struct Ok {
    const char* file;
    std::vector<float> a, b, y;
  };
  const std::vector<Ok> cases = {
      {"ok_basic.csv", {1, 4}, {2, 5}, {3, 6}},
      {"ok_bom_crlf.csv", {1, 4}, {2, 5}, {3, 6}},
      {"ok_semicolon_num.csv", {1, 4}, {2, 5}, {3, 6}},
      {"ok_tab.csv", {1, 4}, {2, 5}, {3, 6}},
      {"ok_blank_lines.csv", {1, 4}, {2, 5}, {3, 6}},
      {"ok_no_final_newline.csv", {1, 4}, {2, 5}, {3, 6}},
      {"ok_numbers.csv", {1e-3f, -0.5f, 7.0f, 3.4028234e38f}, {2, 2.5e10f, 0.0f, -0.0f}, {0, 1, 2, 3}},
  };
  for (const auto& c : cases) {
    const std::string file = c.file;
    CAPTURE(file);
    const TrainingData td = load_training_data(cfg_for(c.file));
    REQUIRE(td.train.rows == c.a.size());
    REQUIRE(td.train.x_cols == 2);
    CHECK(td.prep.features == std::vector<std::string>{"a", "b"});
    CHECK(col(td.train, 0) == c.a);
    CHECK(col(td.train, 1) == c.b);
    CHECK(td.train.y == c.y);
    CHECK_FALSE(td.val);
    CHECK(td.prep.task == Task::regression);
  }
  // Quoted fields (a text id column excluded, a record over two lines).
  Config q = cfg_for("ok_quoted.csv");
  q.data.exclude = {"id"};
  const TrainingData td = load_training_data(q);
  REQUIRE(td.train.rows == 3);
  CHECK(col(td.train, 0) == std::vector<float>{1, 4, 7});
  CHECK(col(td.train, 1) == std::vector<float>{2, 5, 8});
  CHECK(td.train.y == std::vector<float>{3, 6, 9});
  // gzip
  const TrainingData gz = load_training_data(cfg_for("ok_gzip.csv.gz"));
  CHECK(gz.train.rows == 1000);
  CHECK(gz.train.x[999 * 2 + 1] == 1998.0f);
}

TEST_CASE("corpus: rejected files name file, line and column") {
  struct Bad {
    const char* file;
    const char* expect;  // "EXIT FILE:LINE[:COL]: message start" (FILE relative to tests/data/csv)
  };
  const std::vector<Bad> cases = {
      {"bad_ragged_short.csv", "3 bad_ragged_short.csv:3:4: this row has 2 fields, the header has 3"},
      {"bad_ragged_long.csv", "3 bad_ragged_long.csv:3:7: this row has 4 fields, the header has 3"},
      {"bad_text_feature.csv", "3 bad_text_feature.csv:3:3: 'abc' in feature 'b' is not a number"},
      {"bad_hex.csv", "3 bad_hex.csv:2:1: '0x10' in feature 'a' is not a number"},
      {"bad_units.csv", "3 bad_units.csv:2:3: '5kg' in feature 'b' is not a number"},
      {"bad_double_sign.csv", "3 bad_double_sign.csv:2:3: '+-2' in feature 'b' is not a number"},
      {"bad_overflow.csv", "3 bad_overflow.csv:3:3: value '1e39' in column 'b' overflows float32"},
      {"ok_semicolon.csv", "3 ok_semicolon.csv:2:1: '1,5' in feature 'a' is not a number"},
      {"missing_values.csv", "3 missing_values.csv:3:1: missing value ('') in feature 'a'"},
      {"bad_unclosed_quote.csv", "3 bad_unclosed_quote.csv:3:1: unclosed quote"},
      {"bad_after_quote.csv", "3 bad_after_quote.csv:2:4: unexpected text after a closing quote"},
      {"bad_empty.csv", "3 bad_empty.csv:1: the file is empty"},
      {"bad_header_only.csv", "3 bad_header_only.csv:2: no data rows"},
      {"bad_dup_header.csv", "3 bad_dup_header.csv:1:5: duplicate column name 'a'"},
      {"bad_nul.csv", "3 bad_nul.csv:3:3: NUL byte"},
      {"bad_truncated.csv.gz", "3 bad_truncated.csv.gz:516:1: the gzip data is truncated"},
      {"no_such_file.csv", "3 no_such_file.csv: cannot open the file"},
  };
  for (const auto& c : cases) {
    const std::string file = c.file;
    CAPTURE(file);
    std::string got = error_of([&] { load_training_data(cfg_for(c.file)); });
    const size_t at = got.find(kCsv);
    if (at != std::string::npos) got.erase(at, kCsv.size());
    CHECK(got.substr(0, std::string(c.expect).size()) == c.expect);
  }
}

TEST_CASE("a data file that is not there: the error names the config key that gave it") {
  Config c = cfg_for("no_such_file.csv");
  c.source_path = "my.yaml";
  CHECK(error_of([&] { load_training_data(c); }).find("no_such_file.csv: cannot open the file") != std::string::npos);
  CHECK(error_of([&] { load_training_data(c); })
            .find("(data.train of my.yaml; a relative path there or in an override starts from the config's folder)") !=
        std::string::npos);
  c = cfg_for("ok_basic.csv");
  c.data.test = kCsv + "no_such_test.csv";
  CHECK(error_of([&] { load_training_data(c); }).find("(data.test") != std::string::npos);
}

TEST_CASE("a text value where the model has a number: the hint depends on whether the config can still change") {
  Config c = cfg_for("bad_text_feature.csv");
  CHECK(error_of([&] { load_training_data(c); }).find("list a text column in data.categorical or data.exclude") !=
        std::string::npos);
  c = cfg_for("ok_basic.csv");
  c.data.validation_path = kCsv + "bad_text_feature.csv";  // read against the fitted preprocessing
  const std::string e = error_of([&] { load_training_data(c); });
  CHECK(e.find("bad_text_feature.csv:3:3: 'abc' in feature 'b' is not a number") != std::string::npos);
  CHECK(e.find("the model was trained on it as a number") != std::string::npos);
}

TEST_CASE("missing values: drop removes the rows with any missing token; error stops at the first") {
  Config c = cfg_for("missing_values.csv");
  c.data.missing = "drop";
  const TrainingData td = load_training_data(c);
  REQUIRE(td.train.rows == 2);  // of 9 rows only the first and the last are complete
  CHECK(td.dropped_rows == 7);  // counted for fit's opening line
  CHECK(td.train.x == std::vector<float>{1, 2, 4, 5});
  CHECK(td.train.y == std::vector<float>{3, 6});
  // Non-numbers and overflows are never dropped.
  Config t = cfg_for("bad_text_feature.csv");
  t.data.missing = "drop";
  CHECK(error_of([&] { load_training_data(t); }).find(":3:3: 'abc'") != std::string::npos);
  // A missing label.
  Config l = cfg_for("bad_label_missing.csv", "cross_entropy", {"y"}, 2);
  CHECK(error_of([&] { load_training_data(l); }).find("bad_label_missing.csv:3:3: missing value ('') in target 'y'") !=
        std::string::npos);
  l.data.missing = "drop";
  CHECK(load_training_data(l).train.rows == 2);
  // A dropped row adds no class and no category.
  Config d = cfg_for("missing_class.csv", "cross_entropy", {"y"}, 2);
  d.data.missing = "drop";
  d.data.categorical = {"c"};
  const TrainingData dd = load_training_data(d);
  CHECK(dd.train.rows == 4);
  CHECK(dd.prep.classes == std::vector<std::string>{"x", "y"});
  CHECK(dd.prep.categorical[0].categories == std::vector<std::string>{"p", "q"});
  CHECK(dd.class_counts == std::vector<size_t>{2, 2});
}

TEST_CASE("labels: numbers compared as numbers, sorted numerically, spelled as first seen") {
  const TrainingData td = load_training_data(cfg_for("labels_numeric.csv", "cross_entropy", {"y"}, 3));
  CHECK(td.prep.task == Task::multiclass);
  CHECK(td.prep.classes_numeric);
  CHECK(td.prep.classes == std::vector<std::string>{"1", "2", "10"});
  CHECK(td.train.y == std::vector<float>{0, 0, 2, 1, 1, 2});
  CHECK(td.class_counts == std::vector<size_t>{2, 2, 2});
  CHECK(td.prep.output_width() == 3);
  CHECK(class_label(td.prep, 2) == "10");
}

TEST_CASE("labels: strings sorted bytewise") {
  const TrainingData td = load_training_data(cfg_for("labels_string.csv", "cross_entropy", {"y"}, 3));
  CHECK_FALSE(td.prep.classes_numeric);
  CHECK(td.prep.classes == std::vector<std::string>{"C", "a", "b"});
  CHECK(td.train.y == std::vector<float>{2, 1, 0, 1, 2, 0});
}

TEST_CASE("task from the loss: bce needs exactly two classes; widths must match") {
  const std::string three = error_of([] { load_training_data(cfg_for("labels_three.csv", "bce")); });
  CHECK(three.rfind("3 ", 0) == 0);
  CHECK(three.find("loss bce needs exactly two classes in 'y', found 3: x, y, z") != std::string::npos);
  Config bc = cfg_for("categorical.csv", "bce");
  bc.data.exclude = {"color"};
  const TrainingData bin = load_training_data(bc);
  CHECK(bin.prep.task == Task::binary);
  CHECK(bin.prep.output_width() == 1);
  CHECK(bin.prep.classes == std::vector<std::string>{"0", "1"});
  const std::string width = error_of([] { load_training_data(cfg_for("labels_three.csv", "cross_entropy", {"y"}, 4)); });
  CHECK(width.find("3 ") == 0);
  CHECK(width.find("model.layers.0.units is 4 but the data has 3 classes (x, y, z); set it to 3") != std::string::npos);
  const std::string reg = error_of([] { load_training_data(cfg_for("multi_target.csv", "mse", {"t1", "t2"}, 1)); });
  CHECK(reg.find("has 2 target column(s); set it to 2") != std::string::npos);
}

TEST_CASE("multi-output regression: several target columns") {
  const TrainingData td = load_training_data(cfg_for("multi_target.csv", "mse", {"t1", "t2"}, 2));
  CHECK(td.train.y_cols == 2);
  CHECK(td.train.y == std::vector<float>{3, 4, 7, 8});
  CHECK(td.prep.features == std::vector<std::string>{"a", "b"});
  CHECK(td.prep.output_width() == 2);
}

TEST_CASE("columns: features list order, exclude, missing columns with did-you-mean") {
  Config c = cfg_for("multi_target.csv", "mse", {"t1"});
  c.data.features = std::vector<std::string>{"t2", "a"};
  const TrainingData td = load_training_data(c);
  CHECK(td.prep.features == std::vector<std::string>{"t2", "a"});
  CHECK(td.train.x == std::vector<float>{4, 1, 8, 5});
  c.data.features.reset();
  c.data.exclude = {"b"};
  CHECK(load_training_data(c).prep.features == std::vector<std::string>{"a", "t2"});
  Config m = cfg_for("ok_basic.csv", "mse", {"yy"});
  const std::string e = error_of([&] { load_training_data(m); });
  CHECK(e.find("3 ") == 0);
  CHECK(e.find("ok_basic.csv:1: no column 'yy' (data.target) in the header (did you mean 'y'?)") != std::string::npos);
  Config x = cfg_for("ok_basic.csv");
  x.data.exclude = {"id"};
  CHECK(error_of([&] { load_training_data(x); }).find("no column 'id' (data.exclude)") != std::string::npos);
}

TEST_CASE("categorical: one-hot in place, categories sorted, one-hot columns not standardized") {
  Config c = cfg_for("categorical.csv", "bce");
  c.data.categorical = {"color"};
  c.data.standardize = true;
  const TrainingData td = load_training_data(c);
  REQUIRE(td.prep.categorical.size() == 1);
  CHECK(td.prep.categorical[0].name == "color");
  CHECK(td.prep.categorical[0].categories == std::vector<std::string>{"blue", "green", "red"});
  REQUIRE(td.train.x_cols == 4);
  CHECK(td.prep.input_width() == 4);
  CHECK(td.prep.mean == std::vector<float>{0, 0, 0, 3.5f});
  // population std of 1..6 = sqrt(17.5 / 6)
  CHECK(td.prep.scale[3] == doctest::Approx(std::sqrt(17.5 / 6.0)));
  CHECK(td.prep.scale[0] == 1.0f);
  // row 0: red, a = 1
  CHECK(td.train.x[0] == 0.0f);
  CHECK(td.train.x[1] == 0.0f);
  CHECK(td.train.x[2] == 1.0f);
  CHECK(td.train.x[3] == doctest::Approx((1 - 3.5) / std::sqrt(17.5 / 6.0)));
  // An unseen category in a validation file: error at its position, or all zeros with ignore.
  c.data.validation_path = kCsv + "categorical_val.csv";
  const std::string e = error_of([&] { load_training_data(c); });
  CHECK(e.find("categorical_val.csv:3:1: category 'purple' of column 'color' was not seen in training") != std::string::npos);
  CHECK(e.find("; training with data.unknown_category: ignore encodes it as all zeros") != std::string::npos);
  c.data.unknown_category = "ignore";
  const TrainingData ig = load_training_data(c);
  REQUIRE(ig.val);
  CHECK(ig.val->rows == 2);
  CHECK(ig.val->x[4 + 0] == 0.0f);
  CHECK(ig.val->x[4 + 1] == 0.0f);
  CHECK(ig.val->x[4 + 2] == 0.0f);
  CHECK(ig.val->x[2] == 1.0f);  // red
}

TEST_CASE("standardization: population std on the training split; constant columns centred") {
  Config c = cfg_for("ok_basic.csv");
  c.data.standardize = true;
  const TrainingData td = load_training_data(c);
  CHECK(td.prep.mean == std::vector<float>{2.5f, 3.5f});
  CHECK(td.prep.scale == std::vector<float>{1.5f, 1.5f});
  CHECK(td.train.x == std::vector<float>{-1, -1, 1, 1});
  CHECK(td.train.y == std::vector<float>{3, 6});  // targets untouched
  Config k = cfg_for("multi_target.csv", "mse", {"t2"});
  k.data.standardize = true;
  k.data.validation_path = kCsv + "multi_target.csv";
  const TrainingData kd = load_training_data(k);
  // columns a, b, t1 from rows (1,2,3) and (5,6,7): mean (3,4,5), std 2
  CHECK(kd.prep.mean == std::vector<float>{3, 4, 5});
  CHECK(kd.prep.scale == std::vector<float>{2, 2, 2});
  REQUIRE(kd.val);
  CHECK(kd.val->x == std::vector<float>{-1, -1, -1, 1, 1, 1});
  // Constant column (labels_numeric has none; build one from categorical.csv's y as feature)
  Config cc = cfg_for("labels_three.csv", "cross_entropy", {"y"}, 3);
  cc.data.standardize = true;
  const TrainingData cd = load_training_data(cc);
  CHECK(cd.prep.mean[0] == 2.5f);
  CHECK(cd.prep.scale[0] == doctest::Approx(std::sqrt(1.25)));
  // standardize: false still records one mean/scale per input (input_width)
  const TrainingData raw = load_training_data(cfg_for("ok_basic.csv"));
  CHECK(raw.prep.mean == std::vector<float>{0, 0});
  CHECK(raw.prep.scale == std::vector<float>{1, 1});
}

TEST_CASE("constant feature: centred, scale 1") {
  Config k = cfg_for("ok_constant.csv");
  k.data.standardize = true;
  const TrainingData td = load_training_data(k);
  // a = 5, 5, 5 (constant): mean 5, scale 1; b = 1, 2, 3: mean 2, population std sqrt(2/3)
  CHECK(td.prep.mean == std::vector<float>{5, 2});
  CHECK(td.prep.scale[0] == 1.0f);
  CHECK(td.prep.scale[1] == doctest::Approx(std::sqrt(2.0 / 3.0)));
  CHECK(col(td.train, 0) == std::vector<float>{0, 0, 0});
  // With categoricals: one-hot columns keep mean 0 and scale 1.
  Config c = cfg_for("categorical.csv", "mse", {"a"});
  c.data.categorical = {"color"};
  c.data.standardize = true;
  const TrainingData cd = load_training_data(c);
  // features: color (3 one-hot), y (0,1,0,1,0,1: mean 0.5, std 0.5)
  CHECK(cd.prep.mean == std::vector<float>{0, 0, 0, 0.5f});
  CHECK(cd.prep.scale == std::vector<float>{1, 1, 1, 0.5f});
}

TEST_CASE("validation split: stratified, seeded, sizes per class") {
  Config c = cfg_for(kData + "iris.csv", "cross_entropy", {"label"}, 3);
  c.data.validation_fraction = 0.2;
  const TrainingData a = load_training_data(c);
  REQUIRE(a.val);
  CHECK(a.train.rows == 120);
  CHECK(a.val->rows == 30);
  CHECK(a.class_counts == std::vector<size_t>{40, 40, 40});
  std::vector<size_t> vc(3, 0);
  for (float y : a.val->y) ++vc[static_cast<size_t>(y)];
  CHECK(vc == std::vector<size_t>{10, 10, 10});
  const TrainingData b = load_training_data(c);
  CHECK(a.val->x == b.val->x);  // same seed, same split
  c.training.seed = 7;
  const TrainingData d = load_training_data(c);
  CHECK(a.val->x != d.val->x);
  // Train rows keep file order (the first iris rows are class 0).
  CHECK(a.train.y[0] == 0.0f);
  CHECK(a.train.y[119] == 2.0f);
  // Too little data for the fraction.
  Config t = cfg_for("ok_basic.csv");
  t.data.validation_fraction = 0.2;
  CHECK(error_of([&] { load_training_data(t); }).find("leaves no validation rows") != std::string::npos);
}

TEST_CASE("k-fold: stratified folds partition the rows") {
  Config c = cfg_for(kData + "iris.csv", "cross_entropy", {"label"}, 3);
  std::multiset<float> seen;
  for (int i = 0; i < 5; ++i) {
    const TrainingData td = load_training_data(c, FoldSpec{5, i});
    REQUIRE(td.val);
    CHECK(td.val->rows == 30);
    CHECK(td.train.rows == 120);
    std::vector<size_t> vc(3, 0);
    for (float y : td.val->y) ++vc[static_cast<size_t>(y)];
    CHECK(vc == std::vector<size_t>{10, 10, 10});
    for (size_t r = 0; r < td.val->rows; ++r)
      seen.insert(td.val->x[r * 4] * 1000 + td.val->x[r * 4 + 1] * 100 + td.val->x[r * 4 + 2] * 10 + td.val->x[r * 4 + 3]);
  }
  // every row in exactly one validation fold: the multiset equals that of the whole file
  const TrainingData all = load_training_data(c);
  std::multiset<float> want;
  for (size_t r = 0; r < all.train.rows; ++r)
    want.insert(all.train.x[r * 4] * 1000 + all.train.x[r * 4 + 1] * 100 + all.train.x[r * 4 + 2] * 10 + all.train.x[r * 4 + 3]);
  CHECK(seen == want);
  CHECK(error_of([&] { load_training_data(cfg_for("ok_basic.csv"), FoldSpec{5, 0}); }).find("5 folds need") !=
        std::string::npos);
}

TEST_CASE("validation and test files; unseen class is a data error") {
  Config c = cfg_for("labels_three.csv", "cross_entropy", {"y"}, 3);
  c.data.validation_path = kCsv + "labels_three.csv";
  c.data.test = kCsv + "labels_three.csv";
  const TrainingData td = load_training_data(c);
  REQUIRE(td.val);
  REQUIRE(td.test);
  CHECK(td.test->y == std::vector<float>{0, 1, 2, 0});
  c.data.test = kCsv + "bad_unseen_class.csv";
  CHECK(error_of([&] { load_training_data(c); }).find("bad_unseen_class.csv:3:3: class 'w' of column 'y' was not in the training data") !=
        std::string::npos);
}

TEST_CASE("inference data: fitted preprocessing, kept columns, missing values are errors") {
  Config c = cfg_for("ok_basic.csv");
  c.data.standardize = true;
  const TrainingData td = load_training_data(c);
  const Dataset d = load_inference_data(kCsv + "ok_quoted.csv", td.prep, false, {"id"});
  CHECK(d.rows == 3);
  CHECK(d.x_cols == 2);
  CHECK(d.y_cols == 0);
  CHECK(d.x[0] == doctest::Approx((1 - 2.5) / 1.5));
  REQUIRE(d.kept.size() == 1);
  CHECK(d.kept[0] == std::vector<std::string>{"x, 1", "say \"hi\"\nnext line", "plain"});
  const Dataset e = load_inference_data(kCsv + "ok_basic.csv", td.prep, true);
  CHECK(e.y == std::vector<float>{3, 6});
  const std::string m = error_of([&] { load_inference_data(kCsv + "missing_values.csv", td.prep, false); });
  CHECK(m.find("missing_values.csv:3:1: missing value") != std::string::npos);
  CHECK(error_of([&] { load_inference_data(kCsv + "labels_three.csv", td.prep, false); }).find("no column 'b'") !=
        std::string::npos);
}

TEST_CASE("inference data from stdin (path \"-\")") {
  Config c = cfg_for("ok_basic.csv");
  const TrainingData td = load_training_data(c);
  const int saved = dup(0);
  const int fd = open((kCsv + "ok_gzip.csv.gz").c_str(), O_RDONLY);
  REQUIRE(saved >= 0);
  REQUIRE(fd >= 0);
  dup2(fd, 0);
  close(fd);
  std::string err;
  Dataset d;
  try {
    d = load_inference_data("-", td.prep, true);
  } catch (const Error& e) {
    err = e.formatted();
  }
  dup2(saved, 0);
  close(saved);
  CHECK(err.empty());
  REQUIRE(d.rows == 1000);  // gzip on stdin too
  CHECK(d.x[2 * 999] == 999.0f);
  CHECK(d.y[999] == 1.0f);
}

TEST_CASE("real data: breast cancer (bce) and a Fashion-MNIST sample (gzip, 784 columns, 10 classes)") {
  Config b = cfg_for(kData + "breast_cancer.csv", "bce", {"label"});
  const TrainingData bc = load_training_data(b);
  CHECK(bc.train.rows == 569);
  CHECK(bc.train.x_cols == 30);
  CHECK(bc.class_counts == std::vector<size_t>{212, 357});
  // The first 300 rows of the training set (tests/data/make-fashion-mnist-sample.sh); the
  // class counts are those of `zcat | tail -n +2 | cut -d, -f785 | sort -n | uniq -c`.
  Config f = cfg_for(NNTRAIN_TESTDATA_DIR "/fashion-mnist-train-300.csv.gz", "cross_entropy", {"label"}, 10);
  const TrainingData fm = load_training_data(f);
  CHECK(fm.train.rows == 300);
  CHECK(fm.train.x_cols == 784);
  CHECK(fm.class_counts == std::vector<size_t>{32, 33, 31, 29, 29, 31, 33, 30, 27, 25});
  CHECK(fm.prep.features.front() == "p0");
  CHECK(fm.prep.features.back() == "p783");
  Config n = cfg_for(kData + "iris-named.csv", "cross_entropy", {"species"}, 3);
  CHECK(load_training_data(n).prep.classes == std::vector<std::string>{"setosa", "versicolor", "virginica"});
}
