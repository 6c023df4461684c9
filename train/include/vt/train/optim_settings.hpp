#pragma once
// The optimizer hyperparameters under torch.optim's keyword names, with the
// kinds that take each. `veritape train` turns this table into its flags
// (--betas for betas, --lr-decay for lr_decay, ...), reads the same names
// from --config FILE.json and from a run's config.json, and refuses a
// setting the chosen optimizer does not take (torch raises a TypeError for
// an unexpected keyword; silently ignoring one would train something else).
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vt/train/optim.hpp"

namespace vt::train {

struct OptimSetting {
  enum class Type { number, flag, pair };  // a float, a bool, or (betas) two floats
  std::string_view name;                   // torch.optim's keyword
  Type type;
  std::vector<OptimKind> kinds;            // the optimizers that take it
  std::string_view help;
};

// lr, momentum, dampening, nesterov, weight_decay, betas, eps, amsgrad,
// alpha, centered, lr_decay, initial_accumulator_value, rho.
const std::vector<OptimSetting>& optim_settings();

// The setting named `name`, or null.
const OptimSetting* find_optim_setting(std::string_view name);

bool takes_setting(OptimKind kind, const OptimSetting& s);

// The names `kind` takes, comma-separated (for messages).
std::string settings_taken_by(OptimKind kind);

// o.<name> = value (a JSON number, bool, or [beta1, beta2]). Throws
// std::invalid_argument starting with `where` for an unknown name, a setting
// `kind` does not take, or a value of the wrong type.
void set_optim_setting(OptimKind kind, OptimOptions& o, std::string_view name, const nlohmann::json& value, const std::string& where);

// The settings `kind` takes, by name, as set in o.
nlohmann::json optim_settings_json(OptimKind kind, const OptimOptions& o);

// kind's defaults, then every key of `j` (an object) set in turn, then
// validate_options: std::invalid_argument starting with `where` otherwise.
OptimOptions optim_options_from_json(OptimKind kind, const nlohmann::json& j, const std::string& where);

}  // namespace vt::train
