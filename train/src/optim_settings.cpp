#include "vt/train/optim_settings.hpp"

#include <algorithm>
#include <stdexcept>

namespace vt::train {

namespace {

using K = OptimKind;
using T = OptimSetting::Type;

const std::vector<K> kAll = {K::SGD, K::Adagrad, K::RMSprop, K::Adam, K::AdamW, K::Adadelta};

// Where each setting lives in OptimOptions.
double* number_field(OptimOptions& o, std::string_view name) {
  if (name == "lr") return &o.lr;
  if (name == "momentum") return &o.momentum;
  if (name == "dampening") return &o.dampening;
  if (name == "weight_decay") return &o.weight_decay;
  if (name == "eps") return &o.eps;
  if (name == "alpha") return &o.alpha;
  if (name == "lr_decay") return &o.lr_decay;
  if (name == "initial_accumulator_value") return &o.initial_accumulator_value;
  if (name == "rho") return &o.rho;
  return nullptr;
}
bool* flag_field(OptimOptions& o, std::string_view name) {
  if (name == "nesterov") return &o.nesterov;
  if (name == "amsgrad") return &o.amsgrad;
  if (name == "centered") return &o.centered;
  return nullptr;
}

}  // namespace

const std::vector<OptimSetting>& optim_settings() {
  static const std::vector<OptimSetting> table = {
      {"lr", T::number, kAll, "learning rate (default: the optimizer's)"},
      {"momentum", T::number, {K::SGD, K::RMSprop}, "momentum factor"},
      {"dampening", T::number, {K::SGD}, "dampening of the momentum"},
      {"nesterov", T::flag, {K::SGD}, "Nesterov momentum (needs momentum > 0, dampening 0)"},
      {"weight_decay", T::number, kAll, "weight decay (L2 penalty; decoupled for adamw)"},
      {"betas", T::pair, {K::Adam, K::AdamW}, "running-average coefficients B1,B2"},
      {"eps", T::number, {K::Adagrad, K::RMSprop, K::Adam, K::AdamW, K::Adadelta}, "term added to the denominator"},
      {"amsgrad", T::flag, {K::Adam, K::AdamW}, "the AMSGrad variant"},
      {"alpha", T::number, {K::RMSprop}, "smoothing constant"},
      {"centered", T::flag, {K::RMSprop}, "centered RMSprop (normalize by the gradient's variance)"},
      {"lr_decay", T::number, {K::Adagrad}, "learning rate decay"},
      {"initial_accumulator_value", T::number, {K::Adagrad}, "starting value of the squared-gradient sum"},
      {"rho", T::number, {K::Adadelta}, "running-average coefficient"},
  };
  return table;
}

const OptimSetting* find_optim_setting(std::string_view name) {
  for (const OptimSetting& s : optim_settings())
    if (s.name == name) return &s;
  return nullptr;
}

bool takes_setting(OptimKind kind, const OptimSetting& s) { return std::find(s.kinds.begin(), s.kinds.end(), kind) != s.kinds.end(); }

std::string settings_taken_by(OptimKind kind) {
  std::string out;
  for (const OptimSetting& s : optim_settings())
    if (takes_setting(kind, s)) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

void set_optim_setting(OptimKind kind, OptimOptions& o, std::string_view name, const nlohmann::json& value, const std::string& where) {
  const OptimSetting* s = find_optim_setting(name);
  const auto fail = [&](const std::string& why) { throw std::invalid_argument(where + ": " + std::string(name) + ": " + why); };
  if (!s) fail("no such optimizer setting (settings: lr, momentum, dampening, nesterov, weight_decay, betas, eps, amsgrad, alpha, "
               "centered, lr_decay, initial_accumulator_value, rho)");
  if (!takes_setting(kind, *s))
    fail("does not apply to " + std::string(to_string(kind)) + ", which takes " + settings_taken_by(kind));
  switch (s->type) {
    case T::number:
      if (!value.is_number()) fail("must be a number, not " + value.dump());
      *number_field(o, name) = value.get<double>();
      return;
    case T::flag:
      if (!value.is_boolean()) fail("must be true or false, not " + value.dump());
      *flag_field(o, name) = value.get<bool>();
      return;
    case T::pair:
      if (!value.is_array() || value.size() != 2 || !value[0].is_number() || !value[1].is_number())
        fail("must be two numbers [beta1, beta2], not " + value.dump());
      o.beta1 = value[0].get<double>(), o.beta2 = value[1].get<double>();
      return;
  }
}

nlohmann::json optim_settings_json(OptimKind kind, const OptimOptions& o) {
  nlohmann::json j = nlohmann::json::object();
  OptimOptions copy = o;
  for (const OptimSetting& s : optim_settings()) {
    if (!takes_setting(kind, s)) continue;
    if (s.type == T::number) j[std::string(s.name)] = *number_field(copy, s.name);
    else if (s.type == T::flag) j[std::string(s.name)] = *flag_field(copy, s.name);
    else j[std::string(s.name)] = {o.beta1, o.beta2};
  }
  return j;
}

OptimOptions optim_options_from_json(OptimKind kind, const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw std::invalid_argument(where + ": optimizer settings must be a JSON object, not " + j.dump());
  OptimOptions o = OptimOptions::defaults(kind);
  for (const auto& [name, value] : j.items()) set_optim_setting(kind, o, name, value, where);
  validate_options(kind, o, where);
  return o;
}

}  // namespace vt::train
