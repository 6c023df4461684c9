#include "vt/train/schedule.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "vt/spec/mutation.hpp"

namespace vt::train {

namespace {

using Kind = Schedule::Kind;

std::string num(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// The expressions below are torch's, operation for operation, evaluated in
// double as Python does (k is last_epoch, an int promoted to float).

// CosineAnnealingLR._get_closed_form_lr.
double cosine(std::int64_t k, std::int64_t t_max, double eta_min, double base_lr) {
  if (k > t_max && spec::mutation::planted(spec::mutation::Mutant::schedule_cosine_never_restarts)) return eta_min;  // (planted bug)
  const double kd = static_cast<double>(k), td = static_cast<double>(t_max);
  return eta_min + (base_lr - eta_min) * (1 + std::cos(std::numbers::pi * kd / td)) / 2;
}

// LinearLR._get_closed_form_lr with end_factor 1.
double linear_warmup(std::int64_t k, std::int64_t total_iters, double start_factor, double base_lr) {
  const double done = static_cast<double>(std::min(total_iters, k));
  return base_lr * (start_factor + (1.0 - start_factor) * done / static_cast<double>(total_iters));
}

// CyclicLR.get_lr.
double cyclic(const Schedule& s, std::int64_t k, double base_lr) {
  const double up = static_cast<double>(s.step_size_up);
  const double down = s.step_size_down > 0 ? static_cast<double>(s.step_size_down) : up;
  const double total_size = up + down, step_ratio = up / total_size, kd = static_cast<double>(k);
  const double cycle = std::floor(1 + kd / total_size);
  const double x = 1. + kd / total_size - cycle;
  const double scale_factor = x <= step_ratio ? x / step_ratio : (x - 1) / (step_ratio - 1);
  const double base_height = (s.max_lr - base_lr) * scale_factor;
  switch (s.cyclic_mode) {
    case Schedule::CyclicMode::Triangular: return base_lr + base_height * 1.;
    case Schedule::CyclicMode::Triangular2: return base_lr + base_height * (1 / std::pow(2., cycle - 1));
    case Schedule::CyclicMode::ExpRange: return base_lr + base_height * std::pow(s.cyclic_gamma, kd);
  }
  return base_lr;
}

// OneCycleLR.get_lr (two phases); max_lr is base_lr.
double one_cycle(const Schedule& s, std::int64_t k, double max_lr) {
  const double initial = max_lr / s.div_factor, min_lr = initial / s.final_div_factor;
  const double end1 = s.pct_start * static_cast<double>(s.total_steps) - 1;
  const double end2 = static_cast<double>(s.total_steps - 1), kd = static_cast<double>(k);
  const bool first = kd <= end1;
  const double pct = first ? kd / end1 : (kd - end1) / (end2 - end1);
  const double start = first ? initial : max_lr, end = first ? max_lr : min_lr;
  if (s.anneal == Schedule::Anneal::Linear) return (end - start) * pct + start;
  const double cos_out = std::cos(std::numbers::pi * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

std::string_view mode_name(Schedule::CyclicMode m) {
  switch (m) {
    case Schedule::CyclicMode::Triangular: return "triangular";
    case Schedule::CyclicMode::Triangular2: return "triangular2";
    case Schedule::CyclicMode::ExpRange: return "exp_range";
  }
  return "?";
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("Schedule: " + what);
}
void require_int(std::int64_t v, std::int64_t lo, std::string_view name) {
  require(v >= lo, std::string(name) + " must be >= " + std::to_string(lo) + " (got " + std::to_string(v) + ")");
}
void require_finite(double v, std::string_view name) {
  require(std::isfinite(v), std::string(name) + " must be finite (got " + num(v) + ")");
}
void require_nonneg(double v, std::string_view name) {
  require(std::isfinite(v) && v >= 0, std::string(name) + " must be finite and >= 0 (got " + num(v) + ")");
}
void require_start_factor(double v) {
  require(v > 0 && v <= 1, "start_factor must be in (0, 1] (got " + num(v) + ")");
}

}  // namespace

double Schedule::lr(std::int64_t step, double base_lr) const {
  switch (kind) {
    case Kind::Constant: return base_lr;
    case Kind::Step: {
      // (planted bug, spec/mutation.hpp: each decay one step late)
      const std::int64_t late = spec::mutation::planted(spec::mutation::Mutant::schedule_step_decays_late) && step > 0 ? 1 : 0;
      return base_lr * std::pow(gamma, static_cast<double>((step - late) / step_size));
    }
    case Kind::Exponential: return base_lr * std::pow(gamma, static_cast<double>(step));
    case Kind::Cosine: return cosine(step, t_max, eta_min, base_lr);
    case Kind::LinearWarmup: return linear_warmup(step, warmup_steps, start_factor, base_lr);
    case Kind::WarmupCosine:
      // SequentialLR restarts the cosine at the milestone (step(0): its closed form at 0).
      return step < warmup_steps ? linear_warmup(step, warmup_steps, start_factor, base_lr)
                                 : cosine(step - warmup_steps, total_steps - warmup_steps, eta_min, base_lr);
    case Kind::Cyclic: return cyclic(*this, step, base_lr);
    case Kind::OneCycle: return one_cycle(*this, step, base_lr);
  }
  return base_lr;
}

void Schedule::validate() const {
  switch (kind) {
    case Kind::Constant: return;
    case Kind::Step: require_int(step_size, 1, "step_size"); return require_nonneg(gamma, "gamma");
    case Kind::Exponential: return require_nonneg(gamma, "gamma");
    case Kind::Cosine: require_int(t_max, 1, "t_max"); return require_finite(eta_min, "eta_min");
    case Kind::LinearWarmup: require_int(warmup_steps, 1, "warmup_steps"); return require_start_factor(start_factor);
    case Kind::WarmupCosine:
      require_int(warmup_steps, 1, "warmup_steps");
      require_start_factor(start_factor);
      require_int(total_steps, warmup_steps + 1, "total_steps (the cosine needs steps after the warmup)");
      return require_finite(eta_min, "eta_min");
    case Kind::Cyclic:
      require_int(step_size_up, 1, "step_size_up");
      require_int(step_size_down, 0, "step_size_down");
      require_finite(max_lr, "max_lr");
      return require_nonneg(cyclic_gamma, "cyclic gamma");
    case Kind::OneCycle:
      require_int(total_steps, 1, "total_steps");
      require(pct_start >= 0 && pct_start <= 1, "pct_start must be in [0, 1] (got " + num(pct_start) + ")");
      // torch divides by zero there: phase 1 or 2 would have zero length.
      require(pct_start * static_cast<double>(total_steps) != 1 && pct_start != 1,
              "pct_start * total_steps must not be 1 and pct_start must be < 1 (a phase of zero length)");
      require(std::isfinite(div_factor) && div_factor > 0, "div_factor must be finite and > 0 (got " + num(div_factor) + ")");
      require(std::isfinite(final_div_factor) && final_div_factor > 0,
              "final_div_factor must be finite and > 0 (got " + num(final_div_factor) + ")");
      return;
  }
}

std::string Schedule::describe() const {
  switch (kind) {
    case Kind::Constant: return "constant";
    case Kind::Step: return "step(step_size=" + std::to_string(step_size) + ", gamma=" + num(gamma) + ")";
    case Kind::Exponential: return "exp(gamma=" + num(gamma) + ")";
    case Kind::Cosine: return "cosine(t_max=" + std::to_string(t_max) + ", eta_min=" + num(eta_min) + ")";
    case Kind::LinearWarmup:
      return "warmup(warmup_steps=" + std::to_string(warmup_steps) + ", start_factor=" + num(start_factor) + ")";
    case Kind::WarmupCosine:
      return "warmup-cosine(warmup_steps=" + std::to_string(warmup_steps) + ", start_factor=" + num(start_factor) +
             ", t_max=" + std::to_string(total_steps - warmup_steps) + ", eta_min=" + num(eta_min) + ")";
    case Kind::Cyclic:
      return "cyclic(max_lr=" + num(max_lr) + ", step_size_up=" + std::to_string(step_size_up) +
             ", step_size_down=" + std::to_string(step_size_down > 0 ? step_size_down : step_size_up) +
             ", mode=" + std::string(mode_name(cyclic_mode)) +
             (cyclic_mode == CyclicMode::ExpRange ? ", gamma=" + num(cyclic_gamma) : std::string()) + ")";
    case Kind::OneCycle:
      return "onecycle(total_steps=" + std::to_string(total_steps) + ", pct_start=" + num(pct_start) +
             ", anneal=" + (anneal == Anneal::Cos ? "cos" : "linear") + ", div_factor=" + num(div_factor) +
             ", final_div_factor=" + num(final_div_factor) + ")";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------
namespace {

struct Fields {
  std::string text;
  std::vector<std::string> parts;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("Schedule::parse(\"" + text + "\"): " + what);
  }
  void arity(std::size_t lo, std::size_t hi, std::string_view form) const {
    const std::size_t n = parts.size() - 1;
    if (n < lo || n > hi) fail("expected " + std::string(form) + ", got " + std::to_string(n) + " parameter(s)");
  }
  bool has(std::size_t i) const { return i < parts.size(); }
  std::string where(std::size_t i, std::string_view name) const {
    return "field " + std::to_string(i + 1) + " (" + std::string(name) + ")";
  }
  std::int64_t integer(std::size_t i, std::string_view name) const {
    const std::string& s = parts[i];
    std::int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail(where(i, name) + ": expected an integer, got '" + s + "'");
    return v;
  }
  double real(std::size_t i, std::string_view name) const {
    const std::string& s = parts[i];
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
      fail(where(i, name) + ": expected a finite number, got '" + s + "'");
    return v;
  }
  std::int64_t total(std::int64_t total_steps, std::string_view why) const {
    if (total_steps < 1) fail(std::string(why) + " needs the run's total_steps >= 1 (got " + std::to_string(total_steps) + ")");
    return total_steps;
  }
};

Fields split(std::string_view text) {
  Fields f{std::string(text), {}};
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    f.parts.emplace_back(text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return f;
}

Schedule parse_cyclic(const Fields& f) {
  f.arity(2, 4, "cyclic:MAX_LR:STEP_SIZE_UP[:MODE[:GAMMA]]");
  Schedule s;
  s.kind = Kind::Cyclic;
  s.max_lr = f.real(1, "max_lr");
  s.step_size_up = f.integer(2, "step_size_up");
  if (f.has(3)) {
    const std::string& m = f.parts[3];
    if (m == "triangular") s.cyclic_mode = Schedule::CyclicMode::Triangular;
    else if (m == "triangular2") s.cyclic_mode = Schedule::CyclicMode::Triangular2;
    else if (m == "exp_range") s.cyclic_mode = Schedule::CyclicMode::ExpRange;
    else f.fail(f.where(3, "mode") + ": expected triangular, triangular2 or exp_range, got '" + m + "'");
  }
  if (f.has(4)) s.cyclic_gamma = f.real(4, "gamma");
  return s;
}

Schedule parse_onecycle(const Fields& f, std::int64_t total_steps) {
  f.arity(0, 2, "onecycle[:PCT_START[:cos|linear]]");
  Schedule s;
  s.kind = Kind::OneCycle;
  s.total_steps = f.total(total_steps, "onecycle");
  if (f.has(1)) s.pct_start = f.real(1, "pct_start");
  if (f.has(2)) {
    const std::string& a = f.parts[2];
    if (a == "cos") s.anneal = Schedule::Anneal::Cos;
    else if (a == "linear") s.anneal = Schedule::Anneal::Linear;
    else f.fail(f.where(2, "anneal") + ": expected cos or linear, got '" + a + "'");
  }
  return s;
}

Schedule parse_fields(const Fields& f, std::int64_t total_steps) {
  const std::string& name = f.parts[0];
  Schedule s;
  if (name == "constant") {
    f.arity(0, 0, "constant");
  } else if (name == "step") {
    f.arity(1, 2, "step:STEP_SIZE[:GAMMA]");
    s.kind = Kind::Step;
    s.step_size = f.integer(1, "step_size");
    if (f.has(2)) s.gamma = f.real(2, "gamma");
  } else if (name == "exp") {
    f.arity(1, 1, "exp:GAMMA");
    s.kind = Kind::Exponential;
    s.gamma = f.real(1, "gamma");
  } else if (name == "cosine") {
    f.arity(0, 2, "cosine[:T_MAX[:ETA_MIN]]");
    s.kind = Kind::Cosine;
    s.t_max = f.has(1) ? f.integer(1, "t_max") : f.total(total_steps, "cosine without T_MAX");
    if (f.has(2)) s.eta_min = f.real(2, "eta_min");
  } else if (name == "warmup") {
    f.arity(1, 2, "warmup:W[:START_FACTOR]");
    s.kind = Kind::LinearWarmup;
    s.warmup_steps = f.integer(1, "warmup_steps");
    if (f.has(2)) s.start_factor = f.real(2, "start_factor");
  } else if (name == "warmup-cosine") {
    f.arity(1, 3, "warmup-cosine:W[:START_FACTOR[:ETA_MIN]]");
    s.kind = Kind::WarmupCosine;
    s.warmup_steps = f.integer(1, "warmup_steps");
    if (f.has(2)) s.start_factor = f.real(2, "start_factor");
    if (f.has(3)) s.eta_min = f.real(3, "eta_min");
    s.total_steps = f.total(total_steps, "warmup-cosine");
  } else if (name == "cyclic") {
    s = parse_cyclic(f);
  } else if (name == "onecycle") {
    s = parse_onecycle(f, total_steps);
  } else {
    f.fail("field 1: expected constant, step, exp, cosine, warmup, warmup-cosine, cyclic or onecycle, got '" + name + "'");
  }
  return s;
}

}  // namespace

Schedule Schedule::parse(std::string_view text, std::int64_t total_steps) {
  const Fields f = split(text);
  Schedule s = parse_fields(f, total_steps);
  try {
    s.validate();
  } catch (const std::invalid_argument& e) {
    f.fail(e.what());
  }
  return s;
}

void apply_schedule(const Schedule& s, std::int64_t step, std::span<const double> base_lrs, std::vector<ParamGroup>& groups) {
  if (base_lrs.size() != groups.size())
    throw std::invalid_argument("apply_schedule: " + std::to_string(base_lrs.size()) + " base learning rates for " +
                                std::to_string(groups.size()) + " parameter groups");
  for (std::size_t g = 0; g < groups.size(); ++g) groups[g].options.lr = s.lr(step, base_lrs[g]);
}

}  // namespace vt::train
