// The YAML side of Config: load with KEY=VALUE overrides, validate with positions and
// did-you-mean, and write the resolved config back. Errors are ConfigError (exit 2) with
// FILE:LINE:COLUMN pointing into the YAML (or naming the override).
#pragma once
#include <string>
#include <vector>

#include "nntrain/core/config.h"

namespace nntrain {

// Reads `path`, applies `overrides` ("a.b.0.c=VALUE", VALUE read as YAML) in order, checks
// every key and value, fills defaults, resolves data paths and init_from against the config
// file's folder. A missing or unreadable config file is a ConfigError too.
// folds_validate: the caller (`nntrain cv`) holds out each fold as the validation set, so
// early stopping is allowed with data.validation: 0.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {},
                   bool folds_validate = false);

// The same from YAML text (tests, fuzzing): `name` is used in error positions, relative
// paths resolve against `base_dir`.
Config parse_config(const std::string& yaml_text, const std::string& name, const std::string& base_dir,
                    const std::vector<std::string>& overrides = {}, bool folds_validate = false);

// The fully resolved config as YAML: every key with its value, defaults included. Loading
// it again gives an equal Config.
std::string config_to_yaml(const Config& cfg);

}  // namespace nntrain
