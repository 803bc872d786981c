// Tests of config_io.cpp: the corpus under tests/data/config (each file with its expected
// outcome: values, or the exact YAML line:column and message), defaults, paths, overrides,
// and the resolved YAML round trip. Also did_you_mean.cpp.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "nntrain/data/config_io.h"
#include "nntrain/data/did_you_mean.h"
#include "nntrain/core/error.h"
#include "test_util.h"

using namespace nntrain;
using test_util::error_of;

namespace {

const std::string kDir = NNTRAIN_TESTDATA_DIR "/config/";
const std::string kMinimal =
    "data: {train: a.csv, target: y}\n"
    "model:\n"
    "  layers:\n"
    "    - {units: 4, activation: relu}\n"
    "    - {units: 1, activation: sigmoid}\n";

Config parse(const std::string& text, const std::vector<std::string>& ov = {}) {
  return parse_config(text, "c.yaml", "/base", ov);
}

std::string parse_error(const std::string& text, const std::vector<std::string>& ov = {}) {
  return error_of([&] { parse(text, ov); });
}

}  // namespace

TEST_CASE("did_you_mean: edit distance") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("relu", "relu") == 0);
  CHECK(did_you_mean("optimiser", {"optimizer", "output"}) == " (did you mean 'optimizer'?)");
  CHECK(did_you_mean("xyz", {"optimizer", "output"}).empty());
  CHECK(closest_name("RELU", {"relu", "gelu"}) == "relu");
  CHECK(closest_name("val_acc", {"val_loss", "val_accuracy", "val_f1"}) == "val_accuracy");  // a unique prefix
  CHECK(closest_name("val_", {"val_loss", "val_accuracy"}).empty());                         // an ambiguous one
}

TEST_CASE("corpus: rejected configs point at the YAML line and column") {
  struct Bad {
    const char* file;
    const char* expect;  // "EXIT FILE:LINE:COL: message start", FILE relative to tests/data/config
  };
  const std::vector<Bad> cases = {
      {"bad_unknown_section.yaml",
       "2 bad_unknown_section.yaml:7:1: unknown key 'optimiser' in 'the config' (did you mean 'optimizer'?)"},
      {"bad_unknown_key.yaml", "2 bad_unknown_key.yaml:8:3: unknown key 'epoch' in 'training' (did you mean 'epochs'?)"},
      {"bad_duplicate_key.yaml", "2 bad_duplicate_key.yaml:8:3: duplicate key 'lr' in 'optimizer' (first at line 7)"},
      {"bad_duplicate_section.yaml", "2 bad_duplicate_section.yaml:8:1: duplicate key 'training' in 'the config' (first at line 7)"},
      {"bad_layer_key.yaml",
       "2 bad_layer_key.yaml:6:36: unknown key 'dropuot' in 'model.layers.0' (did you mean 'dropout'?)"},
      {"bad_lr.yaml", "2 bad_lr.yaml:6:7: 'optimizer.lr' must be > 0, not 0"},
      {"bad_epochs.yaml", "2 bad_epochs.yaml:6:11: 'training.epochs' must be >= 1, not 0"},
      {"bad_epochs_type.yaml", "2 bad_epochs_type.yaml:6:13: 'training.epochs' must be an integer, not 'ten'"},
      {"bad_dropout.yaml", "2 bad_dropout.yaml:4:45: 'model.layers.0.dropout' must be in [0, 1), not 1.0"},
      {"bad_validation.yaml", "2 bad_validation.yaml:4:15: 'data.validation' must be a fraction in [0, 1) or a CSV path"},
      {"bad_activation.yaml", "2 bad_activation.yaml:4:30: unknown activation 'rleu' (did you mean 'relu'?)"},
      {"bad_loss.yaml", "2 bad_loss.yaml:5:7: unknown loss 'crossentropy' (did you mean 'cross_entropy'?)"},
      {"bad_optimizer.yaml", "2 bad_optimizer.yaml:5:19: unknown optimizer 'adamm' (did you mean 'adam'?)"},
      {"bad_schedule.yaml", "2 bad_schedule.yaml:6:9: unknown schedule 'cosin' (did you mean 'cosine'?)"},
      {"bad_softmax_not_last.yaml", "2 bad_softmax_not_last.yaml:4:30: softmax is allowed on the last layer only"},
      {"bad_missing_train.yaml", "2 bad_missing_train.yaml:2:3: 'data.train' is required"},
      {"bad_missing_layers.yaml", "2 bad_missing_layers.yaml:3:3: 'model.layers' is required"},
      {"bad_batch_size.yaml", "2 bad_batch_size.yaml:6:15: 'training.batch_size' must be a positive integer or 'full'"},
      {"bad_pos_weight.yaml", "2 bad_pos_weight.yaml:5:41: 'pos_weight' applies to bce only, not cross_entropy"},
      {"bad_bce_units.yaml", "2 bad_bce_units.yaml:4:15: loss bce needs one output unit, not 2"},
      {"bad_early_stopping_no_val.yaml",
       "2 bad_early_stopping_no_val.yaml:6:19: early stopping needs a validation set"},
      {"bad_betas.yaml", "2 bad_betas.yaml:6:16: 'optimizer.betas.1' must be in [0, 1), not 1.0"},
      {"bad_not_a_map.yaml", "2 bad_not_a_map.yaml:1:1: the config must be a YAML map"},
      {"bad_bool.yaml", "2 bad_bool.yaml:1:46: 'data.standardize' must be true or false, not 'yes please'"},
      {"bad_yaml_syntax.yaml", "2 bad_yaml_syntax.yaml:4:6: invalid YAML"},
      {"no_such.yaml", "2 no_such.yaml: cannot read the config file"},
  };
  for (const auto& c : cases) {
    const std::string file = c.file;
    CAPTURE(file);
    std::string got = error_of([&] { load_config(kDir + c.file); });
    const size_t at = got.find(kDir);
    if (at != std::string::npos) got.erase(at, kDir.size());
    CHECK(got.substr(0, std::string(c.expect).size()) == c.expect);
  }
}

TEST_CASE("early stopping without data.validation: an error for fit, allowed for cv (the folds validate)") {
  CHECK_THROWS_AS(load_config(kDir + "bad_early_stopping_no_val.yaml"), ConfigError);
  const Config c = load_config(kDir + "bad_early_stopping_no_val.yaml", {}, /*folds_validate=*/true);
  REQUIRE(c.training.early_stopping);
  CHECK(c.training.early_stopping->patience == 3);
  CHECK(c.data.validation_fraction == 0);
}

TEST_CASE("corpus: minimal config gets SPEC.md's defaults; paths relative to the config's folder") {
  const Config c = load_config(kDir + "ok_minimal.yaml");
  CHECK(c.data.train == NNTRAIN_TESTDATA_DIR "/csv/categorical.csv");
  CHECK(c.data.target == std::vector<std::string>{"y"});
  CHECK_FALSE(c.data.target_is_list);
  CHECK_FALSE(c.data.features);
  CHECK(c.data.validation_fraction == 0.2);
  CHECK(c.data.validation_path.empty());
  CHECK(c.data.delimiter == "auto");
  CHECK(c.data.standardize);
  CHECK(c.data.missing == "error");
  CHECK(c.data.unknown_category == "error");
  CHECK(c.model.init == "auto");
  CHECK(c.loss.name == "bce");
  CHECK(c.optimizer.name == "adam");
  CHECK(c.optimizer.lr == 0.001);
  CHECK(c.optimizer.beta1 == 0.9);
  CHECK(c.optimizer.beta2 == 0.999);
  CHECK(c.optimizer.eps == 1e-8);
  CHECK(c.optimizer.effective_weight_decay() == 0.0);
  CHECK(c.schedule.name == "constant");
  CHECK(c.schedule.step_size == 10);
  CHECK(c.schedule.gamma == 0.1);
  CHECK(c.training.epochs == 100);
  CHECK(c.training.batch_size == 32);
  CHECK_FALSE(c.training.full_batch);
  CHECK(c.training.shuffle);
  CHECK(c.training.seed == 42);
  CHECK_FALSE(c.training.clip_grad_norm);
  CHECK_FALSE(c.training.early_stopping);
  CHECK(c.training.log_every == 10);
  CHECK(c.output.dir == "runs/{config}");
  CHECK(c.output.checkpoint_every == 0);
  CHECK(c.stem == "ok_minimal");
}

TEST_CASE("corpus: every key with a non-default value") {
  const Config c = load_config(kDir + "ok_full.yaml");
  CHECK(c.data.features == std::vector<std::string>{"color", "a"});
  CHECK(c.data.validation_fraction == 0.25);
  CHECK(c.data.test == NNTRAIN_TESTDATA_DIR "/csv/categorical.csv");
  CHECK(c.data.delimiter == ",");
  CHECK_FALSE(c.data.standardize);
  CHECK(c.data.missing == "drop");
  CHECK(c.data.categorical == std::vector<std::string>{"color"});
  CHECK(c.data.unknown_category == "ignore");
  REQUIRE(c.model.layers.size() == 3);
  CHECK(c.model.layers[0].units == 16);
  CHECK(c.model.layers[0].activation == "leaky_relu");
  CHECK(c.model.layers[0].negative_slope == 0.2);
  CHECK(c.model.layers[0].dropout == 0.1);
  CHECK(c.model.layers[1].activation == "gelu");
  CHECK(c.model.init == "xavier");
  CHECK(c.model.init_from == NNTRAIN_TESTDATA_DIR "/config/weights/start.bin");
  CHECK(c.loss.name == "bce");
  CHECK(c.loss.long_form);
  CHECK(c.loss.pos_weight == 3.0);
  CHECK(c.optimizer.name == "sgd");
  CHECK(c.optimizer.lr == 3e-4);
  CHECK(c.optimizer.momentum == 0.9);
  CHECK(c.optimizer.nesterov);
  CHECK(c.optimizer.beta1 == 0.8);
  CHECK(c.optimizer.eps == 1e-6);
  CHECK(c.optimizer.weight_decay == 0.001);
  CHECK(c.schedule.name == "cosine");
  CHECK(c.schedule.min_lr == 1e-6);
  CHECK(c.schedule.warmup_epochs == 2);
  CHECK(c.training.epochs == 7);
  CHECK(c.training.full_batch);
  CHECK_FALSE(c.training.shuffle);
  CHECK(c.training.seed == 123);
  CHECK(c.training.clip_grad_norm == 1.5);
  REQUIRE(c.training.early_stopping);
  CHECK(c.training.early_stopping->monitor == "val_f1");
  CHECK(c.training.early_stopping->patience == 3);
  CHECK(c.training.early_stopping->min_delta == 0.01);
  CHECK(c.training.log_every == 1);
  CHECK(c.output.dir == "out/{config}");  // relative to the working directory: kept as written
  CHECK(c.output.checkpoint_every == 2);
}

TEST_CASE("corpus: validation as a path; cross_entropy class weights") {
  const Config c = load_config(kDir + "ok_validation_path.yaml");
  CHECK(c.data.validation_path == NNTRAIN_TESTDATA_DIR "/csv/labels_three.csv");
  CHECK(c.data.validation_fraction == 0);
  CHECK(c.loss.class_weights == std::map<std::string, double>{{"x", 1.0}, {"y", 2.0}, {"z", 0.5}});
  CHECK_FALSE(c.loss.class_weights_balanced);
}

TEST_CASE("config_to_yaml: the resolved config parses back to an equal Config") {
  for (const char* f : {"ok_minimal.yaml", "ok_full.yaml", "ok_validation_path.yaml"}) {
    CAPTURE(f);
    const Config c = load_config(kDir + f);
    const std::string y = config_to_yaml(c);
    const Config back = parse_config(y, c.source_path, "/elsewhere");
    CHECK(back == c);
    CHECK(config_to_yaml(back) == y);
  }
  // Odd names and long forms survive the trip.
  Config c = parse(kMinimal, {"data.target=[\"null\", \"a: b\", \"#x\"]", "loss={name: mse}", "model.layers.1.activation=identity",
                               "model.layers.1.units=3", "data.validation=0", "training.seed=18446744073709551615",
                               "optimizer.weight_decay=0.5"});
  CHECK(c.data.target == std::vector<std::string>{"null", "a: b", "#x"});
  CHECK(c.training.seed == 18446744073709551615ull);
  const Config back = parse_config(config_to_yaml(c), "c.yaml", "/elsewhere");
  CHECK(back == c);
  Config h = parse(kMinimal, {"loss={name: huber, delta: 0.25}", "model.layers.1.activation=identity",
                              "loss.delta=0.5", "training.early_stopping={monitor: val_r2}", "schedule.name=plateau"});
  CHECK(h.loss.delta == 0.5);
  CHECK(parse_config(config_to_yaml(h), "c.yaml", "/") == h);
  Config w = parse(kMinimal, {"model.layers.1={units: 3, activation: softmax}",
                              "loss={name: cross_entropy, class_weights: balanced}"});
  CHECK(w.loss.class_weights_balanced);
  CHECK(parse_config(config_to_yaml(w), "c.yaml", "/") == w);
  // Numbers as YAML 1.1 readers (PyYAML) take floats too: a dot always, fixed-point when short,
  // and exact: 0.1 + 0.2 keeps its 17 digits.
  Config n = parse(kMinimal, {"optimizer.lr=0.0003", "optimizer.eps=1e-8", "optimizer.momentum=0.30000000000000004",
                              "training.clip_grad_norm=1e20", "model.layers.0.dropout=0"});
  const std::string ny = config_to_yaml(n);
  CHECK(ny.find("lr: 0.0003\n") != std::string::npos);
  CHECK(ny.find("eps: 1.0e-08\n") != std::string::npos);
  CHECK(ny.find("momentum: 0.30000000000000004\n") != std::string::npos);
  CHECK(ny.find("clip_grad_norm: 1.0e+20\n") != std::string::npos);
  CHECK(ny.find("dropout: 0.0}") != std::string::npos);
  CHECK(parse_config(ny, "c.yaml", "/") == n);
}

TEST_CASE("the resolved config shows the value in force, never null for a default (issue 10)") {
  struct Case {
    std::vector<std::string> ov;
    const char* expect;  // a line of config_to_yaml
  };
  const std::vector<Case> cases = {
      {{}, "  weight_decay: 0.0\n"},
      {{"optimizer.name=adamw"}, "  weight_decay: 0.01\n"},
      {{"optimizer.name=sgd"}, "  weight_decay: 0.0\n"},
      {{"optimizer.name=rmsprop"}, "  weight_decay: 0.0\n"},
      {{"optimizer={name: adamw, weight_decay: null}"}, "  weight_decay: 0.01\n"},
      {{"optimizer.name=sgd"}, "  momentum: 0.0\n"},
      {{}, "  betas: [0.9, 0.999]\n"},
      {{}, "  eps: 1.0e-08\n"},
      {{"loss={name: bce}"}, "  pos_weight: 1.0\n"},
      {{"loss.pos_weight=null"}, "  pos_weight: 1.0\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.expect);
    const Config cfg = parse(kMinimal, c.ov);
    const std::string y = config_to_yaml(cfg);
    CHECK(y.find(c.expect) != std::string::npos);
    // Written back, it resolves to the same Config: a run resumes against either spelling.
    CHECK(parse_config(y, "c.yaml", "/") == cfg);
  }
  // No key of any section is null where a default is in force; what stays null means "none".
  const std::string y = config_to_yaml(parse(kMinimal, {"loss={name: bce}"}));
  const std::set<std::string> may_be_null = {"test", "init_from", "clip_grad_norm", "early_stopping"};
  size_t at = 0;
  while ((at = y.find(": null", at)) != std::string::npos) {
    const size_t start = y.rfind('\n', at) + 1;
    std::string key = y.substr(start, at - start);
    key.erase(0, key.find_first_not_of(' '));
    CAPTURE(key);
    CHECK(may_be_null.count(key) == 1);
    ++at;
  }
  // An old run's config.yaml with nulls resolves as one with the explicit values (resume).
  const std::string old_style = kMinimal + "optimizer: {name: adamw, weight_decay: null}\nloss: {name: bce, pos_weight: null}\n";
  const std::string explicit_ = kMinimal + "optimizer: {name: adamw, weight_decay: 0.01}\nloss: {name: bce, pos_weight: 1.0}\n";
  CHECK(parse(old_style) == parse(explicit_));
  CHECK(parse(old_style).optimizer.weight_decay == 0.01);
}

TEST_CASE("overrides: dotted paths, list indices, YAML values") {
  const Config c = parse(kMinimal, {"optimizer.lr=3e-4", "model.layers.0.units=128", "training.batch_size=full",
                                    "data.validation=0.1", "data.exclude=[id, name]", "training.seed=7"});
  CHECK(c.optimizer.lr == 3e-4);
  CHECK(c.model.layers[0].units == 128);
  CHECK(c.training.full_batch);
  CHECK(c.data.validation_fraction == 0.1);
  CHECK(c.data.exclude == std::vector<std::string>{"id", "name"});
  const Config l = parse(kMinimal, {"model.layers.0={units: 8, activation: tanh}"});
  CHECK(l.model.layers[0].units == 8);
  CHECK(l.model.layers[0].activation == "tanh");
  // Appending a layer at index == size.
  const Config a = parse(kMinimal, {"model.layers.1.activation=relu", "model.layers.2={units: 1, activation: sigmoid}"});
  CHECK(a.model.layers.size() == 3);
  // early_stopping: create with defaults, set, remove.
  const Config e = parse(kMinimal, {"training.early_stopping.patience=5"});
  REQUIRE(e.training.early_stopping);
  CHECK(e.training.early_stopping->patience == 5);
  CHECK(e.training.early_stopping->monitor == "val_loss");
  const Config n = parse(kMinimal + "training: {early_stopping: {patience: 3}}\n", {"training.early_stopping=null"});
  CHECK_FALSE(n.training.early_stopping);
  // Loss: short form turned into the long form by a sub-key.
  const Config p = parse(kMinimal, {"loss.pos_weight=2.5"});
  CHECK(p.loss.name == "bce");
  CHECK(p.loss.pos_weight == 2.5);
  // A value can fix the file (overrides apply before any check).
  const Config f = parse(kMinimal + "optimizer: {lr: -1}\n", {"optimizer.lr=0.5"});
  CHECK(f.optimizer.lr == 0.5);
  // Data paths from overrides resolve against the config's folder too.
  CHECK(parse(kMinimal, {"data.train=sub/x.csv"}).data.train == "/base/sub/x.csv");
  CHECK(parse(kMinimal, {"data.test=/abs/t.csv"}).data.test == "/abs/t.csv");
}

TEST_CASE("overrides: unknown keys and bad values name the override") {
  CHECK(parse_error(kMinimal, {"optimizer.lrr=0.1"}) ==
        "2 override 'optimizer.lrr=0.1': unknown key 'optimizer.lrr' (did you mean 'lr'?)");
  CHECK(parse_error(kMinimal, {"optimiser.lr=0.1"}) ==
        "2 override 'optimiser.lr=0.1': unknown key 'optimiser' (did you mean 'optimizer'?)");
  CHECK(parse_error(kMinimal, {"model.layers.0.unit=3"}) ==
        "2 override 'model.layers.0.unit=3': unknown key 'unit' in a layer (did you mean 'units'?)");
  CHECK(parse_error(kMinimal, {"training.early_stopping.patiense=3"}).find("did you mean 'patience'?") != std::string::npos);
  CHECK(parse_error(kMinimal, {"optimizer.lr"}) == "2 override 'optimizer.lr': expected KEY=VALUE");
  CHECK(parse_error(kMinimal, {"optimizer.lr=-1"}) == "2 override 'optimizer.lr=-1': 'optimizer.lr' must be > 0, not -1");
  CHECK(parse_error(kMinimal, {"model.layers.5.units=3"}).find("index 5 is past the end of the list (2 items)") !=
        std::string::npos);
  CHECK(parse_error(kMinimal, {"model.layers.0={units: 8, activaton: tanh}"}) ==
        "2 override 'model.layers.0={units: 8, activaton: tanh}': unknown key 'activaton' in 'model.layers.0' (did you "
        "mean 'activation'?)");
  CHECK(parse_error(kMinimal, {"training.epochs=[1"}).find("override 'training.epochs=[1': the value is not valid YAML") !=
        std::string::npos);
  // found by fuzz_config: a path through a list where the schema has a map (std::stoul threw)
  CHECK(parse_error("data: {train: a.csv, target: y}\nmodel:\n  - {units: 1}\n", {"model.layers.0.units=2"}) ==
        "2 override 'model.layers.0.units=2': 'layers' names a key, but the config has a list there");
  CHECK(parse_error("data: {train: a.csv, target: y}\nmodel: [1]\n", {"model.init=he"}) ==
        "2 override 'model.init=he': 'init' names a key, but the config has a list there");
  CHECK(parse_error(kMinimal, {"optimizer.lr.x=1"}) == "2 override 'optimizer.lr.x=1': 'optimizer.lr' has no sub-keys");
}

TEST_CASE("training.grad_shards: auto (0) by default, an integer in [1, 65536], written back as given") {
  CHECK(parse(kMinimal).training.grad_shards == 0);
  CHECK(config_to_yaml(parse(kMinimal)).find("grad_shards: auto\n") != std::string::npos);
  const Config c = parse(kMinimal, {"training.grad_shards=12"});
  CHECK(c.training.grad_shards == 12);
  CHECK(config_to_yaml(c).find("grad_shards: 12\n") != std::string::npos);
  CHECK(parse_config(config_to_yaml(c), "c.yaml", "/") == c);
  CHECK(parse(kMinimal, {"training.grad_shards=auto"}).training.grad_shards == 0);
  CHECK(parse_error(kMinimal, {"training.grad_shards=0"}) ==
        "2 override 'training.grad_shards=0': 'training.grad_shards' must be an integer in [1, 65536] or auto, not 0");
  CHECK(parse_error(kMinimal, {"training.grad_shard=2"}).find("did you mean 'grad_shards'?") != std::string::npos);
}

TEST_CASE("strings must be UTF-8 (found by fuzz_config: a path that did not survive the round trip)") {
  CHECK(parse_error(kMinimal, {"data.validation=0\xd5\xcc\xf5\x93pos"}) ==
        "2 override 'data.validation=0\\xD5\\xCC\\xF5\\x93pos': invalid UTF-8 (byte 0xD5): an override must be UTF-8; "
        "convert it, e.g. 'iconv -f latin1 -t utf-8 OLD > NEW' for a Latin-1 (Windows/Excel) export");
  // The whole file is checked before YAML reads it: line and column in characters.
  CHECK(parse_error("data: {train: \"a\xff.csv\", target: y}\n").find("c.yaml:1:17: invalid UTF-8 (byte 0xFF): a config "
                                                                     "file must be UTF-8") != std::string::npos);
  CHECK(parse_error("# \xc3\xa9t\xc3\xa9\ndata: {train: a.csv, target: \"\xe9\"}\n").find("c.yaml:2:31: invalid UTF-8 (byte 0xE9)") !=
        std::string::npos);  // Latin-1 é after a line with UTF-8 é: columns count characters
  CHECK(parse_error(kMinimal, {"data.target=\xc0\xaf"}).find("invalid UTF-8 (byte 0xC0)") != std::string::npos);  // overlong
  CHECK(parse_error(kMinimal, {"data.target=\xed\xa0\x80"}).find("invalid UTF-8 (byte 0xED)") != std::string::npos);  // surrogate
  // A YAML escape for a surrogate: yaml-cpp's parser refuses it.
  CHECK(parse_error(kMinimal, {"data.target=\"\\ud800\""}).find("the value is not valid YAML") != std::string::npos);
  const Config ok = parse(kMinimal, {"data.target=\xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\xb2"});
  CHECK(ok.data.target[0] == "\xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\xb2");
  CHECK(parse_config(config_to_yaml(ok), "c.yaml", "/") == ok);
}

TEST_CASE("values: types, ranges and cross-checks") {
  CHECK(parse_error(kMinimal + "training: {epochs: 1.5}\n").find("'training.epochs' must be an integer, not '1.5'") !=
        std::string::npos);
  CHECK(parse_error(kMinimal + "optimizer: {lr: .inf}\n").find("must be a finite number") != std::string::npos);
  CHECK(parse_error(kMinimal + "optimizer: {lr: [1]}\n").find("'optimizer.lr' must be a number, not a list") !=
        std::string::npos);
  CHECK(parse_error(kMinimal + "optimizer: {name: sgd, nesterov: true}\n").find("nesterov needs a momentum > 0") !=
        std::string::npos);
  // Inside an override value: no "first at line" (a line of the override, not of the file).
  CHECK(parse_error(kMinimal, {"optimizer={lr: 0.1, lr: 0.2}"}) ==
        "2 override 'optimizer={lr: 0.1, lr: 0.2}': duplicate key 'lr' in 'optimizer'");
  // A second `data:` is an error of its own, before any of its values is read.
  CHECK(parse_error(kMinimal + "data: {train: a.csv, target: y, validation: -0.1}\n")
            .find("6:1: duplicate key 'data' in 'the config' (first at line 1)") != std::string::npos);
  CHECK(parse_error(kMinimal + "schedule: {name: plateau, gamma: 1.5}\n").find("must be < 1 for plateau") !=
        std::string::npos);
  CHECK(parse_error(kMinimal, {"training.early_stopping={monitor: val_r2}"})
            .find("early stopping on val_r2 needs a regression loss, not bce") != std::string::npos);
  CHECK(parse_error(kMinimal, {"data.target=[a, b]"}).find("loss bce needs one target column") != std::string::npos);
  CHECK(parse_error(kMinimal, {"data.delimiter=x"}).find("unknown delimiter 'x'") != std::string::npos);
  CHECK(parse_error(kMinimal, {"data.features=[y]"}).find("column 'y' is both a target and a feature") !=
        std::string::npos);
  CHECK(parse_error(kMinimal, {"loss=cross_entropy"}).find("loss cross_entropy needs a softmax output layer") !=
        std::string::npos);
  CHECK(parse_error(kMinimal, {"loss=mse", "model.layers.1.activation=softmax"})
            .find("softmax output needs loss cross_entropy") != std::string::npos);
  CHECK(parse_error("").find("'data' is required") != std::string::npos);
  CHECK(parse(kMinimal, {"data.delimiter=\"\\t\""}).data.delimiter == "\t");
  CHECK(parse(kMinimal, {"data.validation=null"}).data.validation_fraction == 0);
  CHECK(parse(kMinimal, {"optimizer.name=adamw"}).optimizer.effective_weight_decay() == 0.01);
}
