#include "vt/proptests/schedule_property.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <rapidcheck.h>
#include <sstream>
#include <vector>

#include "vt/train/schedule.hpp"

namespace vt::proptests {
namespace {

using train::Schedule;
using Kind = Schedule::Kind;

// torch's get_lr() for the chainable schedulers, one call per step from the
// previous rate, as scheduler.step() runs it (torch 1.13); t >= 1.
struct TorchStepper {
  const Schedule& s;
  double base;

  static std::int64_t py_mod(std::int64_t a, std::int64_t m) { return ((a % m) + m) % m; }

  double cosine(std::int64_t t, std::int64_t t_max, double eta_min, double lr) const {
    const double T = static_cast<double>(t_max), pi = std::numbers::pi;
    if (py_mod(t - 1 - t_max, 2 * t_max) == 0) return lr + (base - eta_min) * (1 - std::cos(pi / T)) / 2;
    return (1 + std::cos(pi * static_cast<double>(t) / T)) / (1 + std::cos(pi * static_cast<double>(t - 1) / T)) * (lr - eta_min) + eta_min;
  }
  double linear(std::int64_t t, std::int64_t total, double start, double lr) const {
    if (t > total) return lr;
    return lr * (1. + (1. - start) / (static_cast<double>(total) * start + static_cast<double>(t - 1) * (1. - start)));
  }
  // The rate at step 0, and at step t from the rate at t - 1.
  double first() const { return s.kind == Kind::LinearWarmup || s.kind == Kind::WarmupCosine ? base * s.start_factor : base; }
  double next(std::int64_t t, double lr) const {
    switch (s.kind) {
      case Kind::Step: return t % s.step_size == 0 ? lr * s.gamma : lr;
      case Kind::Exponential: return lr * s.gamma;
      case Kind::Cosine: return cosine(t, s.t_max, s.eta_min, lr);
      case Kind::LinearWarmup: return linear(t, s.warmup_steps, s.start_factor, lr);
      case Kind::WarmupCosine:  // SequentialLR: LinearLR, then at the milestone CosineAnnealingLR.step(0) = its base
        if (t < s.warmup_steps) return linear(t, s.warmup_steps, s.start_factor, lr);
        if (t == s.warmup_steps) return base;
        return cosine(t - s.warmup_steps, s.total_steps - s.warmup_steps, s.eta_min, lr);
      default: return lr;
    }
  }
};

std::string where(const Schedule& s, std::int64_t step, std::size_t group, double got, double want) {
  std::ostringstream o;
  o.precision(17);
  o << s.describe() << ", step " << step << ", group " << group << ": lr " << got << ", torch " << want;
  return o.str();
}

bool close(double got, double want, double scale) { return std::abs(got - want) <= 1e-12 * std::max(std::abs(want), scale); }

Schedule random_schedule(std::int64_t& steps) {
  Schedule s;
  s.kind = *rc::gen::element(Kind::Step, Kind::Exponential, Kind::Cosine, Kind::LinearWarmup, Kind::WarmupCosine, Kind::Cyclic,
                             Kind::OneCycle);
  const double start = *rc::gen::element(1.0 / 3, 0.1, 0.5, 1.0), eta = *rc::gen::element(0.0, 1e-4, 0.01);
  switch (s.kind) {
    case Kind::Step:
      s.step_size = *rc::gen::inRange<std::int64_t>(1, 11), s.gamma = *rc::gen::element(0.1, 0.5, 0.9, 1.5);
      steps = *rc::gen::inRange<std::int64_t>(1, 120);
      break;
    case Kind::Exponential:
      s.gamma = *rc::gen::element(0.5, 0.9, 0.99, 1.01), steps = *rc::gen::inRange<std::int64_t>(1, 120);
      break;
    case Kind::Cosine:  // past T_max too: torch's cosine turns back up
      s.t_max = *rc::gen::inRange<std::int64_t>(1, 50), s.eta_min = eta, steps = 3 * s.t_max + 5;
      break;
    case Kind::LinearWarmup:
      s.warmup_steps = *rc::gen::inRange<std::int64_t>(1, 30), s.start_factor = start, steps = s.warmup_steps + 20;
      break;
    case Kind::WarmupCosine:
      s.warmup_steps = *rc::gen::inRange<std::int64_t>(1, 20), s.start_factor = start, s.eta_min = eta;
      s.total_steps = s.warmup_steps + *rc::gen::inRange<std::int64_t>(1, 60), steps = s.total_steps + 10;
      break;
    case Kind::Cyclic:
      s.step_size_up = *rc::gen::inRange<std::int64_t>(1, 20), s.step_size_down = *rc::gen::inRange<std::int64_t>(0, 20);
      s.cyclic_mode = *rc::gen::element(Schedule::CyclicMode::Triangular, Schedule::CyclicMode::Triangular2);
      steps = 3 * (s.step_size_up + (s.step_size_down > 0 ? s.step_size_down : s.step_size_up)) + 1;
      break;
    case Kind::OneCycle:
      s.total_steps = *rc::gen::inRange<std::int64_t>(10, 200), s.pct_start = *rc::gen::element(0.1, 0.25, 0.3, 0.5);
      s.anneal = *rc::gen::element(Schedule::Anneal::Cos, Schedule::Anneal::Linear);
      s.div_factor = *rc::gen::element(25.0, 10.0), s.final_div_factor = *rc::gen::element(1e4, 100.0);
      if (s.pct_start * static_cast<double>(s.total_steps) == 1) s.total_steps += 1;
      steps = s.total_steps;
      break;
    default: break;
  }
  s.validate();
  return s;
}

// CyclicLR (triangular, triangular2): base at each cycle's start, max_lr
// (halved per cycle for triangular2) at its peak, within [base, max].
std::string check_cyclic(const Schedule& s, const std::vector<std::vector<double>>& lr, const std::vector<double>& base) {
  const std::int64_t up = s.step_size_up, period = up + (s.step_size_down > 0 ? s.step_size_down : up);
  for (std::size_t g = 0; g < base.size(); ++g) {
    const double max_lr = s.max_lr;
    for (std::int64_t t = 0; t < static_cast<std::int64_t>(lr.size()); ++t) {
      const double got = lr[static_cast<std::size_t>(t)][g], cycle = static_cast<double>(t / period);
      const double amplitude = s.cyclic_mode == Schedule::CyclicMode::Triangular2 ? std::pow(0.5, cycle) : 1.0;
      if (t % period == 0 && !close(got, base[g], base[g])) return where(s, t, g, got, base[g]) + " (a cycle's start)";
      if (t % period == up) {
        const double peak = base[g] + (max_lr - base[g]) * amplitude;
        if (!close(got, peak, base[g])) return where(s, t, g, got, peak) + " (a cycle's peak)";
      }
      if (got < std::min(base[g], max_lr) * (1 - 1e-12) || got > std::max(base[g], max_lr) * (1 + 1e-12))
        return where(s, t, g, got, max_lr) + " (outside [base, max_lr])";
    }
  }
  return "";
}

// OneCycleLR: max_lr/div at step 0, max_lr at the end of the warm phase when
// it falls on a step, max_lr/div/final_div at the last step, and monotone
// phases: rising between steps both in the warm phase, falling between steps
// both past it.
std::string check_one_cycle(const Schedule& s, const std::vector<std::vector<double>>& lr, const std::vector<double>& base) {
  const double end1 = s.pct_start * static_cast<double>(s.total_steps) - 1;
  for (std::size_t g = 0; g < base.size(); ++g) {
    const double initial = base[g] / s.div_factor, last = initial / s.final_div_factor;
    if (!close(lr[0][g], initial, base[g])) return where(s, 0, g, lr[0][g], initial) + " (initial rate)";
    const std::int64_t end = s.total_steps - 1;
    if (!close(lr[static_cast<std::size_t>(end)][g], last, base[g])) return where(s, end, g, lr[static_cast<std::size_t>(end)][g], last) + " (final rate)";
    if (end1 == std::floor(end1) && end1 >= 0) {
      const auto peak = static_cast<std::size_t>(end1);
      if (!close(lr[peak][g], base[g], base[g])) return where(s, static_cast<std::int64_t>(peak), g, lr[peak][g], base[g]) + " (peak)";
    }
    for (std::size_t t = 1; t < lr.size(); ++t) {  // steps t - 1 and t in the same phase (the peak, end1, may lie between)
      const bool rising = static_cast<double>(t) <= end1, falling = static_cast<double>(t - 1) > end1;
      const double step = lr[t][g] - lr[t - 1][g];
      if ((rising && step < -1e-12 * base[g]) || (falling && step > 1e-12 * base[g]))
        return where(s, static_cast<std::int64_t>(t), g, lr[t][g], lr[t - 1][g]) + (rising ? " (falls in the warm phase)" : " (rises in the annealing phase)");
    }
  }
  return "";
}

}  // namespace

std::string check_random_schedule() {
  std::int64_t steps = 1;
  Schedule s = random_schedule(steps);
  const auto groups = *rc::gen::inRange<std::size_t>(1, 4);
  std::vector<double> base;
  for (std::size_t g = 0; g < groups; ++g) base.push_back(*rc::gen::element(0.1, 0.01, 1.0, 0.003));
  if (s.kind == Kind::Cyclic) s.max_lr = *rc::gen::element(2.0, 10.0) * *std::max_element(base.begin(), base.end());
  std::vector<train::ParamGroup> opt(groups);
  std::vector<std::vector<double>> lr;  // by step, by group
  for (std::int64_t t = 0; t < steps; ++t) {
    train::apply_schedule(s, t, base, opt);
    lr.emplace_back();
    for (const auto& g : opt) lr.back().push_back(g.options.lr);
  }
  if (s.kind == Kind::Cyclic) return check_cyclic(s, lr, base);
  if (s.kind == Kind::OneCycle) return check_one_cycle(s, lr, base);
  for (std::size_t g = 0; g < groups; ++g) {
    const TorchStepper torch{s, base[g]};
    double want = torch.first();
    for (std::int64_t t = 0; t < steps; ++t) {
      if (t > 0) want = torch.next(t, want);
      const double got = lr[static_cast<std::size_t>(t)][g];
      if (!close(got, want, base[g])) return where(s, t, g, got, want);
    }
  }
  return "";
}

}  // namespace vt::proptests
