#include "vt/train/optim.hpp"

#include "vt/spec/mutation.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace vt::train {

namespace {

constexpr std::array<std::string_view, 6> kKindNames = {"sgd", "adagrad", "rmsprop", "adam", "adamw", "adadelta"};
constexpr std::array<std::string_view, kOptimBufferCount> kBufferNames = {
    "momentum_buffer", "sum", "square_avg", "grad_avg", "acc_delta", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

std::string num(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// ---------------------------------------------------------------------------
// Validation (torch.optim constructors' checks, written as `not lo <= x` so
// that NaN fails too)
// ---------------------------------------------------------------------------
struct Checker {
  const std::string& where;
  void fail(std::string_view field, double v, std::string_view need) const {
    throw std::invalid_argument(where + ": invalid " + std::string(field) + " = " + num(v) + " (" + std::string(need) + ")");
  }
  void finite(std::string_view field, double v) const {
    if (!std::isfinite(v)) fail(field, v, "must be finite");
  }
  void nonneg(std::string_view field, double v) const {
    finite(field, v);
    if (!(0.0 <= v)) fail(field, v, "need >= 0");
  }
  void unit_open(std::string_view field, double v) const {  // [0, 1)
    finite(field, v);
    if (!(0.0 <= v && v < 1.0)) fail(field, v, "need 0 <= " + std::string(field) + " < 1");
  }
  void unit_closed(std::string_view field, double v) const {  // [0, 1]
    finite(field, v);
    if (!(0.0 <= v && v <= 1.0)) fail(field, v, "need 0 <= " + std::string(field) + " <= 1");
  }
};

void validate_sgd(const Checker& c, const OptimOptions& o) {
  c.nonneg("momentum", o.momentum);
  c.finite("dampening", o.dampening);
  c.nonneg("weight_decay", o.weight_decay);
  if (o.nesterov && !(o.momentum > 0)) c.fail("momentum", o.momentum, "nesterov needs momentum > 0");
  if (o.nesterov && o.dampening != 0) c.fail("dampening", o.dampening, "nesterov needs dampening = 0");
}

}  // namespace

std::string_view to_string(OptimKind k) { return kKindNames.at(static_cast<std::size_t>(k)); }

std::optional<OptimKind> parse_optim_kind(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (std::size_t i = 0; i < kKindNames.size(); ++i)
    if (lower == kKindNames[i]) return static_cast<OptimKind>(i);
  return std::nullopt;
}

std::string_view to_string(OptimBuffer b) { return kBufferNames.at(static_cast<std::size_t>(b)); }

std::optional<OptimBuffer> parse_optim_buffer(std::string_view s) {
  for (std::size_t i = 0; i < kBufferNames.size(); ++i)
    if (s == kBufferNames[i]) return static_cast<OptimBuffer>(i);
  return std::nullopt;
}

OptimOptions OptimOptions::defaults(OptimKind kind) {
  OptimOptions o;
  switch (kind) {
    case OptimKind::SGD: o.lr = 1e-2; break;
    case OptimKind::Adagrad: o.lr = 1e-2; o.eps = 1e-10; break;
    case OptimKind::RMSprop: o.lr = 1e-2; o.alpha = 0.99; o.eps = 1e-8; break;
    case OptimKind::Adam: o.lr = 1e-3; break;
    case OptimKind::AdamW: o.lr = 1e-3; o.weight_decay = 1e-2; break;
    case OptimKind::Adadelta: o.lr = 1.0; o.rho = 0.9; o.eps = 1e-6; break;
  }
  return o;
}

void validate_options(OptimKind kind, const OptimOptions& o, const std::string& where) {
  const Checker c{where};
  c.nonneg("lr", o.lr);
  switch (kind) {
    case OptimKind::SGD: return validate_sgd(c, o);
    case OptimKind::Adagrad:
      c.nonneg("lr_decay", o.lr_decay);
      c.nonneg("weight_decay", o.weight_decay);
      c.nonneg("initial_accumulator_value", o.initial_accumulator_value);
      return c.nonneg("eps", o.eps);
    case OptimKind::RMSprop:
      c.nonneg("eps", o.eps);
      c.nonneg("momentum", o.momentum);
      c.nonneg("weight_decay", o.weight_decay);
      return c.nonneg("alpha", o.alpha);
    case OptimKind::Adam:
    case OptimKind::AdamW:
      c.nonneg("eps", o.eps);
      c.unit_open("beta1", o.beta1);
      c.unit_open("beta2", o.beta2);
      return c.nonneg("weight_decay", o.weight_decay);
    case OptimKind::Adadelta:
      c.unit_closed("rho", o.rho);
      c.nonneg("eps", o.eps);
      return c.nonneg("weight_decay", o.weight_decay);
  }
}

// ---------------------------------------------------------------------------
// Optimizer
// ---------------------------------------------------------------------------
namespace {

std::string group_where(OptimKind kind, std::size_t g) {
  return "Optimizer(" + std::string(to_string(kind)) + "): group " + std::to_string(g);
}

// Validates the groups and returns 1 + the largest parameter index.
std::size_t check_groups(OptimKind kind, const std::vector<ParamGroup>& groups) {
  std::vector<std::optional<std::size_t>> owner;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    validate_options(kind, groups[g].options, group_where(kind, g));
    for (const std::size_t i : groups[g].params) {
      if (i >= owner.size()) owner.resize(i + 1);
      if (owner[i])
        throw std::invalid_argument(group_where(kind, g) + ": parameter " + std::to_string(i) + " is already in group " +
                                    std::to_string(*owner[i]));
      owner[i] = g;
    }
  }
  return owner.size();
}

std::vector<ParamGroup> one_group(std::size_t n, const OptimOptions& o) {
  ParamGroup g{std::vector<std::size_t>(n), o};
  for (std::size_t i = 0; i < n; ++i) g.params[i] = i;
  return {std::move(g)};
}

}  // namespace

template <class S>
Optimizer<S>::Optimizer(OptimKind kind, std::vector<ParamGroup> groups) : kind_(kind), groups_(std::move(groups)) {
  const std::size_t n = check_groups(kind_, groups_);
  state_.resize(n);
  shapes_.resize(n);
}

template <class S>
Optimizer<S>::Optimizer(OptimKind kind, std::size_t num_params, OptimOptions options)
    : Optimizer(kind, one_group(num_params, options)) {}

template <class S>
void Optimizer<S>::check_step(std::span<const ParamView<S>> params) const {
  const std::string who = "Optimizer(" + std::string(to_string(kind_)) + ")::step: ";
  check_groups(kind_, groups_);
  for (const auto& group : groups_) {
    for (const std::size_t i : group.params) {
      const std::string name = "parameter " + std::to_string(i);
      if (i >= params.size())
        throw std::invalid_argument(who + name + " is in a group but only " + std::to_string(params.size()) +
                                    " parameters were given");
      const ParamView<S>& v = params[i];
      if (!v.grad) continue;
      if (!v.value) throw std::invalid_argument(who + name + " has a gradient but no value");
      if (v.grad->shape != v.value->shape)
        throw std::invalid_argument(who + name + ": gradient shape " + spec::to_string(v.grad->shape) +
                                    " differs from the value's " + spec::to_string(v.value->shape));
      if (static_cast<std::int64_t>(v.value->data.size()) != v.value->shape.numel() ||
          v.grad->data.size() != v.value->data.size())
        throw std::invalid_argument(who + name + ": element count does not match shape " + spec::to_string(v.value->shape));
      if (shapes_[i] && *shapes_[i] != v.value->shape)
        throw std::invalid_argument(who + name + ": shape changed from " + spec::to_string(*shapes_[i]) + " to " +
                                    spec::to_string(v.value->shape));
    }
  }
}

template <class S>
void Optimizer<S>::step(std::span<const ParamView<S>> params) {
  check_step(params);
  for (const auto& group : groups_) {
    for (const std::size_t i : group.params) {
      const ParamView<S>& v = params[i];
      if (!v.grad) continue;
      shapes_[i] = v.value->shape;
      OptimOptions options = group.options;
      if (spec::mutation::planted(spec::mutation::Mutant::optimizer_drops_weight_decay)) options.weight_decay = 0;  // (planted bug)
      if (spec::mutation::planted(spec::mutation::Mutant::optimizer_group_options_from_first)) options = groups_[0].options;  // (planted bug)
      update_param<S>(kind_, options, state_[i], std::span<S>(v.value->data), std::span<const S>(v.grad->data));
    }
  }
}

// ---------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------
namespace {

template <class S>
constexpr std::string_view scalar_name() {
  return sizeof(S) == 4 ? "f32" : "f64";
}

std::string tensor_name(const std::string& prefix, std::size_t i, OptimBuffer b) {
  return prefix + "p" + std::to_string(i) + "." + std::string(to_string(b));
}

nlohmann::json options_json(const OptimOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"eps", o.eps},
          {"amsgrad", o.amsgrad},
          {"alpha", o.alpha},
          {"centered", o.centered},
          {"lr_decay", o.lr_decay},
          {"initial_accumulator_value", o.initial_accumulator_value},
          {"rho", o.rho}};
}

// Reads JSON with messages that say where; every failure is a CheckpointError.
struct Reader {
  std::string where;  // "optimizer state 'opt.'"
  [[noreturn]] void fail(const std::string& what) const { throw rt::CheckpointError(where + ": " + what); }
  const nlohmann::json& at(const nlohmann::json& j, const std::string& key, const std::string& path) const {
    if (!j.is_object() || !j.contains(key)) fail("missing " + path + key);
    return j.at(key);
  }
  double number(const nlohmann::json& j, const std::string& key, const std::string& path) const {
    const auto& v = at(j, key, path);
    if (!v.is_number()) fail(path + key + " is not a number");
    return v.get<double>();
  }
  bool boolean(const nlohmann::json& j, const std::string& key, const std::string& path) const {
    const auto& v = at(j, key, path);
    if (!v.is_boolean()) fail(path + key + " is not a boolean");
    return v.get<bool>();
  }
  std::int64_t integer(const nlohmann::json& v, const std::string& path) const {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) fail(path + " is not a non-negative integer");
    return v.get<std::int64_t>();
  }
  const nlohmann::json& array(const nlohmann::json& j, const std::string& key, const std::string& path) const {
    const auto& v = at(j, key, path);
    if (!v.is_array()) fail(path + key + " is not an array");
    return v;
  }
};

OptimOptions read_options(const Reader& r, const nlohmann::json& j, const std::string& path) {
  OptimOptions o;
  o.lr = r.number(j, "lr", path);
  o.momentum = r.number(j, "momentum", path);
  o.dampening = r.number(j, "dampening", path);
  o.weight_decay = r.number(j, "weight_decay", path);
  o.nesterov = r.boolean(j, "nesterov", path);
  o.beta1 = r.number(j, "beta1", path);
  o.beta2 = r.number(j, "beta2", path);
  o.eps = r.number(j, "eps", path);
  o.amsgrad = r.boolean(j, "amsgrad", path);
  o.alpha = r.number(j, "alpha", path);
  o.centered = r.boolean(j, "centered", path);
  o.lr_decay = r.number(j, "lr_decay", path);
  o.initial_accumulator_value = r.number(j, "initial_accumulator_value", path);
  o.rho = r.number(j, "rho", path);
  return o;
}

std::vector<ParamGroup> read_groups(const Reader& r, const nlohmann::json& j, OptimKind kind,
                                    const std::vector<ParamGroup>& current) {
  const auto& arr = r.array(j, "groups", "");
  if (arr.size() != current.size())
    r.fail("saved with " + std::to_string(arr.size()) + " parameter groups, this optimizer has " +
           std::to_string(current.size()));
  std::vector<ParamGroup> out;
  for (std::size_t g = 0; g < arr.size(); ++g) {
    const std::string path = "groups[" + std::to_string(g) + "].";
    ParamGroup pg;
    for (const auto& e : r.array(arr[g], "params", path)) pg.params.push_back(static_cast<std::size_t>(r.integer(e, path + "params[]")));
    if (pg.params != current[g].params) r.fail(path + "params differ from this optimizer's group " + std::to_string(g));
    pg.options = read_options(r, r.at(arr[g], "options", path), path + "options.");
    try {
      validate_options(kind, pg.options, "group " + std::to_string(g));
    } catch (const std::invalid_argument& e) {
      r.fail(e.what());
    }
    out.push_back(std::move(pg));
  }
  return out;
}

spec::Shape read_shape(const Reader& r, const nlohmann::json& j, const std::string& path) {
  std::vector<std::int64_t> dims;
  for (const auto& d : r.array(j, "shape", path)) dims.push_back(r.integer(d, path + "shape[]"));
  return spec::Shape(std::move(dims));
}

}  // namespace

template <class S>
void Optimizer<S>::save_state(rt::Checkpoint& c, const std::string& prefix) const {
  nlohmann::json meta = {{"format", "vt.optim/1"}, {"kind", to_string(kind_)}, {"scalar", scalar_name<S>()}};
  meta["groups"] = nlohmann::json::array();
  for (const auto& g : groups_) meta["groups"].push_back({{"params", g.params}, {"options", options_json(g.options)}});
  meta["params"] = nlohmann::json::array();
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (!shapes_[i]) {
      meta["params"].push_back(nullptr);
      continue;
    }
    nlohmann::json p = {{"step", state_[i].step}, {"shape", shapes_[i]->dims()}, {"buffers", nlohmann::json::array()}};
    for (std::size_t b = 0; b < kOptimBufferCount; ++b) {
      const auto& buf = state_[i].buffers[b];
      if (!buf) continue;
      p["buffers"].push_back(kBufferNames[b]);
      c.put<S>(tensor_name(prefix, i, static_cast<OptimBuffer>(b)), spec::Dense<S>{*shapes_[i], *buf});
    }
    meta["params"].push_back(std::move(p));
  }
  c.meta[prefix] = std::move(meta);
}

template <class S>
void Optimizer<S>::load_state(const rt::Checkpoint& c, const std::string& prefix) {
  const Reader r{"optimizer state '" + prefix + "'"};
  if (!c.meta.is_object() || !c.meta.contains(prefix)) r.fail("missing (no meta entry)");
  const nlohmann::json& j = c.meta.at(prefix);
  const auto& kind = r.at(j, "kind", "");
  if (!kind.is_string() || kind.get<std::string>() != to_string(kind_))
    r.fail("saved for optimizer " + kind.dump() + ", this one is " + std::string(to_string(kind_)));
  const auto& scalar = r.at(j, "scalar", "");
  if (!scalar.is_string() || scalar.get<std::string>() != scalar_name<S>())
    r.fail("saved with scalar type " + scalar.dump() + ", this optimizer is " + std::string(scalar_name<S>()));
  std::vector<ParamGroup> groups = read_groups(r, j, kind_, groups_);

  const auto& params = r.array(j, "params", "");
  if (params.size() != state_.size())
    r.fail("saved for " + std::to_string(params.size()) + " parameters, this optimizer has " + std::to_string(state_.size()));
  std::vector<ParamState<S>> state(state_.size());
  std::vector<std::optional<spec::Shape>> shapes(state_.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].is_null()) continue;
    const std::string path = "params[" + std::to_string(i) + "].";
    state[i].step = r.integer(r.at(params[i], "step", path), path + "step");
    shapes[i] = read_shape(r, params[i], path);
    for (const auto& name : r.array(params[i], "buffers", path)) {
      const auto b = name.is_string() ? parse_optim_buffer(name.get<std::string>()) : std::nullopt;
      if (!b) r.fail(path + "buffers holds unknown buffer " + name.dump());
      const std::string tname = tensor_name(prefix, i, *b);
      if (!c.has(tname)) r.fail("missing tensor '" + tname + "'");
      spec::Dense<S> t = c.get<S>(tname);
      if (t.shape != *shapes[i])
        r.fail("tensor '" + tname + "' has shape " + spec::to_string(t.shape) + ", expected " + spec::to_string(*shapes[i]));
      state[i].buffers[static_cast<std::size_t>(*b)] = std::move(t.data);
    }
  }
  groups_ = std::move(groups);
  state_ = std::move(state);
  shapes_ = std::move(shapes);
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace vt::train
