// Optimizer steps of the float runtime against the same update rule run
// exactly, one step at a time from the float run's own state.
//
// Three runs of one rule template (train::update_param, optim_rules) per
// parameter and step, all from the float state just before the step:
//   float  train::Optimizer<S> itself (S = float or double);
//   exact  T = Rational (SGD) or a 256-bit certified interval, with
//          ExactCoefficients: hyperparameter expressions exact too;
//   bound  T = Tracked<S>: the value the float run computes, in S, op for op,
//          and a bound on its distance to the exact value (the header's
//          propagation rules), with hyperparameters through double and a
//          rounding to S, exactly as TorchCoefficients<S> does.
//
// Why the bound holds. Round to nearest gives |fl(x) - x| <= u|fl(x)| for a
// normal result; a subnormal result of + or - is exact and one of * or / is
// off by at most half the least subnormal (* and / add the least subnormal).
// An op whose result is exact adds nothing; exactness is decided by an
// error-free transformation (TwoSum for + and -; for *, / and sqrt the
// residual, exact in double for f32 operands and exact through fma for f64
// ones away from underflow). sqrt rounds once like the others. Conversions of
// double hyperparameter expressions to S add their error exactly (a double
// minus its S rounding is a double, by Sterbenz), and C's pow
// (TorchCoefficients: Python's float ** int) is measured against x^n
// multiplied out in tracked arithmetic. The propagation rules are exact
// inequalities, not first-order estimates: for a / b, |x_a/x_b - a/b| =
// |(x_a - a) b - a (x_b - b)| / |x_b b| with |x_b| >= |b| - e_b; for sqrt,
// |sqrt x - sqrt v| = |x - v| / (sqrt x + sqrt v) <= min(|x - v| / sqrt v,
// sqrt |x - v|); max is 1-Lipschitz. So, when the runtime computes what the
// rule says in S, |float - exact| <= bound; the bound's own double arithmetic
// (a few dozen roundings of 2^-53 relative) is covered by the factor
// 1 + 2^-30 it is compared with. The tracked value is also compared with the
// runtime's bitwise and counted (value_mismatches). Skipping the rounding term
// of exact ops matters where a result cancels to exactly 0 (g + wd*p = 0) and
// where 1 - beta^t is exact: a u|wd*p| term there would pass through sqrt(v)
// ~ sqrt(u) into a denominator sqrt(v) + eps and make the bound useless (or
// infinite), and 2u of pow in 1 - beta2^t = 2^-9 would be 2^10 u relative.
//
// Why it is tight. The bound of a parameter element is, to first order,
//   u·(|p + Δp| + |Δp|) + (the update Δp's own error),
// and the update's error is a few u times |Δp|, or, where its terms cancel
// (gradient and weight decay, momentum and new direction), a few u times the
// terms' magnitudes, with condition factors <= ~2 through the sqrt-normalised
// ratios. A wrong formula moves an element by a fraction of |Δp| (a wrong
// sign: 2|Δp|; a missing bias correction: 1/(1 - beta1^t) and
// sqrt(1 - beta2^t), together at least 1 + 2^-6 off for the betas and t <= 5
// here; a dampening at the first momentum step: a factor 1 - dampening; even
// lr off by 2^-20 relative in f64: 2^-20|Δp| against ~2^-50 (|p| + |Δp|)),
// far beyond it. The
// unit test reports max bound / (u (|p before| + |p after|)) as the
// equivalent constant c of a "c u S" bound.
#include "vt/proptests/optimizer_property.hpp"

#include "optimizer_cases.hpp"

#include <rapidcheck.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "vt/reference/interval.hpp"
#include "vt/reference/rational.hpp"
#include "vt/train/optim.hpp"
#include "vt/spec/dense.hpp"
#include "vt/spec/shape.hpp"

namespace vt::proptests {
namespace {

using detail::OptimizerPlant;
using detail::OptimizerStepStats;
using ref::Rational;
using train::OptimBuffer;
using train::OptimKind;
using train::OptimOptions;
using train::ParamState;

// ---------------------------------------------------------------------------
// Whether a rounded op was exact (error-free transformations): exact ops add
// no rounding term. For S = float the real result of *, / and sqrt's check is
// exact in double (24 + 24 bits); for double, fma gives the residual exactly
// when nothing is near underflow, and tiny operands count as inexact.
// ---------------------------------------------------------------------------
constexpr double kTiny = 0x1p-900;

template <class S>
bool exact_sum(S a, S b, S r) {  // r = fl(a + b); TwoSum's error term
  if (!std::isfinite(r)) return false;
  const S bb = r - a;
  return (a - (r - bb)) + (b - bb) == 0;
}

template <class S>
bool exact_product(S a, S b, S r) {  // r = fl(a * b)
  if (!std::isfinite(r)) return false;
  if constexpr (sizeof(S) == 4) {
    return static_cast<double>(a) * static_cast<double>(b) == static_cast<double>(r);
  } else {
    if (a == 0 || b == 0) return true;
    return std::fabs(r) >= kTiny && std::fma(a, b, -r) == 0;
  }
}

template <class S>
bool exact_quotient(S a, S b, S r) {  // r = fl(a / b)
  if (!std::isfinite(r)) return false;
  if constexpr (sizeof(S) == 4) {
    return static_cast<double>(r) * static_cast<double>(b) == static_cast<double>(a);
  } else {
    if (a == 0) return true;
    return std::fabs(a) >= kTiny && std::fabs(r) >= kTiny && std::fma(r, b, -a) == 0;
  }
}

template <class S>
bool exact_root(S a, S r) {  // r = fl(sqrt a)
  if (!std::isfinite(r)) return false;
  if constexpr (sizeof(S) == 4) {
    return static_cast<double>(r) * static_cast<double>(r) == static_cast<double>(a);
  } else {
    if (a == 0) return true;
    return a >= kTiny && std::fma(r, r, -a) == 0;
  }
}

// ---------------------------------------------------------------------------
// The bound run's scalar: the value computed in S and a bound on its error
// ---------------------------------------------------------------------------
template <class S>
struct Tracked {
  static constexpr double u = std::numeric_limits<S>::epsilon() / 2;
  // The least subnormal (not half of it: for double that would round to 0).
  static constexpr double eta = static_cast<double>(std::numeric_limits<S>::denorm_min());

  S v{};
  double e = 0;

  Tracked() = default;
  Tracked(S value, double err) : v(value), e(err) {}

  static double mag(S x) { return std::fabs(static_cast<double>(x)); }
  // The rounding of one op: 0 when it was exact, else u|r| (+ eta for * and /).
  static double rounding(bool exact, S r, bool can_underflow) {
    return exact ? 0.0 : u * mag(r) + (can_underflow ? eta : 0.0);
  }

  friend Tracked operator+(const Tracked& a, const Tracked& b) {
    const S r = a.v + b.v;
    return {r, a.e + b.e + rounding(exact_sum(a.v, b.v, r), r, false)};
  }
  friend Tracked operator-(const Tracked& a, const Tracked& b) {
    const S r = a.v - b.v;
    return {r, a.e + b.e + rounding(exact_sum(a.v, static_cast<S>(-b.v), r), r, false)};
  }
  friend Tracked operator*(const Tracked& a, const Tracked& b) {
    const S r = a.v * b.v;
    return {r, a.e * (mag(b.v) + b.e) + mag(a.v) * b.e + rounding(exact_product(a.v, b.v, r), r, true)};
  }
  friend Tracked operator/(const Tracked& a, const Tracked& b) {
    const S r = a.v / b.v;
    const double bm = mag(b.v);
    if (!(bm > b.e)) return {r, std::numeric_limits<double>::infinity()};  // the divisor's sign is not certain
    return {r, (a.e * bm + mag(a.v) * b.e) / ((bm - b.e) * bm) + rounding(exact_quotient(a.v, b.v, r), r, true)};
  }
  Tracked operator-() const { return {-v, e}; }
};

template <class S>
Tracked<S> tracked_sqrt(const Tracked<S>& a) {
  using std::sqrt;
  const S r = sqrt(a.v);
  if (!(a.v >= 0)) return {r, std::numeric_limits<double>::infinity()};
  const double prop = a.v > 0 ? std::min(a.e / std::sqrt(static_cast<double>(a.v)), std::sqrt(a.e)) : std::sqrt(a.e);
  return {r, prop + Tracked<S>::rounding(exact_root(a.v, r), r, false)};
}

// torch.maximum on the value (NaN wins), 1-Lipschitz on the error.
template <class S>
Tracked<S> tracked_max(const Tracked<S>& a, const Tracked<S>& b) {
  const S r = (a.v < b.v || b.v != b.v) ? b.v : a.v;
  return {r, std::max(a.e, b.e)};
}

// TorchCoefficients<S>, tracked: Python-float (double) expressions, then one
// rounding to S where a kernel reads the scalar.
template <class S>
struct TrackedCoefficients {
  using H = Tracked<double>;
  static H in(double v) { return {v, 0.0}; }
  static Tracked<S> out(const H& h) {
    const S r = static_cast<S>(h.v);
    return {r, h.e + std::fabs(static_cast<double>(r) - h.v)};
  }
  // C's pow, as Python's float ** int. Its error is measured against x^n
  // multiplied out in tracked arithmetic (exact for the dyadic betas here, so
  // that 1 - beta^t keeps no spurious error): |pow - x^n| <= |pow - prod| +
  // e_prod, the first difference exact in double (Sterbenz: pow is within an
  // ulp or so of x^n, and so is prod).
  static H pow(const H& x, std::int64_t n) {
    H prod = in(1.0);
    for (std::int64_t i = 0; i < n; ++i) prod = prod * x;
    const double r = std::pow(x.v, static_cast<double>(n));
    return {r, prod.e + std::fabs(r - prod.v)};
  }
  static H sqrt(const H& x) { return tracked_sqrt(x); }
};

}  // namespace
}  // namespace vt::proptests

template <class S>
struct vt::train::OptimScalar<vt::proptests::Tracked<S>> {
  static vt::proptests::Tracked<S> sqrt(const vt::proptests::Tracked<S>& x) { return vt::proptests::tracked_sqrt(x); }
  static vt::proptests::Tracked<S> max(const vt::proptests::Tracked<S>& a, const vt::proptests::Tracked<S>& b) {
    return vt::proptests::tracked_max(a, b);
  }
};

namespace vt::proptests {
namespace {

using namespace optim_cases;
using XI = ExactInterval;

// Planted bug: Adam's bias corrections dropped (beta^t taken as 0, so 1 - beta^t = 1).
struct NoBiasCorrection : train::ExactCoefficients<XI> {
  static H pow(const H&, std::int64_t) { return in(0.0); }
};

const char* plant_text(OptimizerPlant p) {
  switch (p) {
    case OptimizerPlant::none: return "";
    case OptimizerPlant::lr_relative_2m20: return "[planted: exact lr * (1 + 2^-20)] ";
    case OptimizerPlant::lr_negated: return "[planted: exact lr negated] ";
    case OptimizerPlant::no_bias_correction: return "[planted: no bias correction] ";
    case OptimizerPlant::dampened_first_momentum_step: return "[planted: dampening at the first momentum step] ";
  }
  return "";
}

// ---------------------------------------------------------------------------
// |float - exact| against the bound, decided exactly (Rational) or certified
// (an interval's farthest end)
// ---------------------------------------------------------------------------
struct Gap {
  bool within = false;
  double diff = 0;  // |float - exact| (an upper bound of it for intervals), rounded for messages
};

Gap gap(double f, const Rational& x, double bound) {
  const Rational d = boost::multiprecision::abs(ref::exact(f) - x);
  return {d <= ref::exact(bound), d.convert_to<double>()};
}

Gap gap(double f, const XI& x, double bound) {
  using boost::multiprecision::lower;
  using boost::multiprecision::upper;
  const ref::Interval d = ref::to_interval(ref::exact(f)) - x;
  const ref::BigFloat far = std::max(ref::BigFloat(abs(ref::BigFloat(lower(d.raw())))), ref::BigFloat(abs(ref::BigFloat(upper(d.raw())))));
  return {far <= ref::BigFloat(bound), far.convert_to<double>()};
}

std::string exact_text(const Rational& x) { return ref::to_string(ref::to_interval(x)); }
std::string exact_text(const XI& x) { return ref::to_string(x); }

// ---------------------------------------------------------------------------
// One case in S
// ---------------------------------------------------------------------------
template <class X, class S>
X to_exact(S v) {
  return spec::ScalarTraits<X>::from_double(X(0), static_cast<double>(v));
}

template <class X, class S>
ParamState<X> exact_state(const ParamState<S>& s) {
  ParamState<X> out;
  out.step = s.step;
  for (std::size_t b = 0; b < train::kOptimBufferCount; ++b) {
    if (!s.buffers[b]) continue;
    std::vector<X> v;
    for (const S e : *s.buffers[b]) v.push_back(to_exact<X>(e));
    out.buffers[b] = std::move(v);
  }
  return out;
}

template <class S>
ParamState<Tracked<S>> tracked_state(const ParamState<S>& s) {
  ParamState<Tracked<S>> out;
  out.step = s.step;
  for (std::size_t b = 0; b < train::kOptimBufferCount; ++b) {
    if (!s.buffers[b]) continue;
    std::vector<Tracked<S>> v;
    for (const S e : *s.buffers[b]) v.push_back({e, 0.0});
    out.buffers[b] = std::move(v);
  }
  return out;
}

template <class S>
bool same_bits(S a, S b) {
  using U = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;
  return std::bit_cast<U>(a) == std::bit_cast<U>(b);
}

template <class S>
class CaseRunner {
 public:
  CaseRunner(const Case& c, OptimizerPlant plant, OptimizerStepStats& stats) : c_(c), plant_(plant), stats_(stats) {}

  std::string run() {
    const std::size_t n = c_.shapes.size();
    train::Optimizer<S> opt(c_.kind, c_.groups);
    std::vector<spec::Dense<S>> values, grads(n);
    for (std::size_t i = 0; i < n; ++i) values.push_back({c_.shapes[i], std::vector<S>(c_.init[i].begin(), c_.init[i].end())});
    for (std::size_t k = 0; k < c_.grads.size(); ++k) {
      // The float state before the step: where both other runs start.
      std::vector<std::vector<S>> p_before;
      std::vector<ParamState<S>> st_before;
      std::vector<train::ParamView<S>> views;
      for (std::size_t i = 0; i < n; ++i) {
        p_before.push_back(values[i].data);
        st_before.push_back(opt.state(i) ? *opt.state(i) : ParamState<S>{});
        const auto& g = c_.grads[k][i];
        if (g) grads[i] = {c_.shapes[i], std::vector<S>(g->begin(), g->end())};
        views.push_back({&values[i], g ? &grads[i] : nullptr});
      }
      opt.step(std::span<const train::ParamView<S>>(views));
      for (std::size_t i = 0; i < n; ++i) {
        k_ = k, i_ = i;
        std::string m;
        if (!c_.grads[k][i]) {
          m = check_skipped(p_before[i], values[i].data);
        } else if (c_.kind == OptimKind::SGD) {
          m = check_step<Rational, train::ExactCoefficients<Rational>>(st_before[i], p_before[i], grads[i].data, values[i].data, *opt.state(i));
        } else if (plant_ == OptimizerPlant::no_bias_correction) {
          m = check_step<XI, NoBiasCorrection>(st_before[i], p_before[i], grads[i].data, values[i].data, *opt.state(i));
        } else {
          m = check_step<XI, train::ExactCoefficients<XI>>(st_before[i], p_before[i], grads[i].data, values[i].data, *opt.state(i));
        }
        if (!m.empty()) return m;
      }
    }
    return "";
  }

 private:
  static constexpr double u = std::numeric_limits<S>::epsilon() / 2;
  static constexpr bool f32 = sizeof(S) == 4;

  std::string where() const {
    return std::string(plant_text(plant_)) + std::string(train::to_string(c_.kind)) + " (" + groups_text(c_) + ") " +
           (f32 ? "f32" : "f64") + ": step " + std::to_string(k_ + 1) + " of " + std::to_string(c_.grads.size()) +
           ", parameter " + std::to_string(i_) + " of shape " + shape_text(c_.shapes[i_]);
  }

  std::string check_skipped(const std::vector<S>& before, const std::vector<S>& after) const {
    for (std::size_t e = 0; e < before.size(); ++e)
      if (!same_bits(before[e], after[e]))
        return where() + ", element " + std::to_string(e) + ": no gradient this step, yet the value changed from " +
               float_text(before[e], f32) + " to " + float_text(after[e], f32);
    return "";
  }

  // One element: float f (after the step) against the exact x, within the
  // tracked bound t.e (times 1 + 2^-30 for the bound's own double arithmetic).
  template <class X>
  std::string element(const std::string& what, std::size_t e, S f, const X& x, const Tracked<S>& t,
                      std::optional<std::pair<S, S>> before = std::nullopt) {
    ++stats_.compared;
    if (!same_bits(f, t.v) && !(f != f && t.v != t.v)) ++stats_.value_mismatches;
    const double bound = t.e * (1 + 0x1p-30);
    if (!std::isfinite(static_cast<double>(f)) || !std::isfinite(bound))
      return where() + ", " + what + " element " + std::to_string(e) + ": float " + float_text(f, f32) + ", exact " +
             exact_text(x) + ", bound " + num(bound) + " (not finite)";
    const Gap gp = gap(static_cast<double>(f), x, bound);
    stats_.inexact += gp.diff != 0;
    if (bound > 0) stats_.worst_ratio = std::max(stats_.worst_ratio, gp.diff / bound);
    if (gp.within) return "";
    return where() + ", " + what + " element " + std::to_string(e) + ": float " + float_text(f, f32) + ", exact " +
           exact_text(x) + ", |float - exact| = " + num(gp.diff) + " > bound " + num(bound) + " (" + num(bound / u) +
           " u, u = " + (f32 ? "2^-24" : "2^-53") + ")" +
           (before ? "; before the step: value " + float_text(before->first, f32) + ", gradient " + float_text(before->second, f32)
                   : std::string());
  }

  template <class X, class C>
  std::string check_step(const ParamState<S>& st0, const std::vector<S>& p0, const std::vector<S>& g, const std::vector<S>& p1,
                         const ParamState<S>& st1) {
    // Exact run from the float state.
    const OptimOptions& o = c_.options_of(i_);
    OptimOptions ox = o;
    if (plant_ == OptimizerPlant::lr_relative_2m20) ox.lr *= 1 + 0x1p-20;
    if (plant_ == OptimizerPlant::lr_negated) ox.lr = -ox.lr;
    ParamState<X> sx = exact_state<X>(st0);
    if (plant_ == OptimizerPlant::dampened_first_momentum_step && c_.kind == OptimKind::SGD && ox.momentum != 0)
      sx.get(OptimBuffer::momentum_buffer, p0.size(), to_exact<X>(S(0)));  // so that the first step is not "first"
    std::vector<X> px, gx;
    for (const S v : p0) px.push_back(to_exact<X>(v));
    for (const S v : g) gx.push_back(to_exact<X>(v));
    train::update_param<X, C>(c_.kind, ox, sx, std::span<X>(px), std::span<const X>(gx));

    // Bound run from the float state.
    ParamState<Tracked<S>> sb = tracked_state(st0);
    std::vector<Tracked<S>> pb, gb;
    for (const S v : p0) pb.push_back({v, 0.0});
    for (const S v : g) gb.push_back({v, 0.0});
    train::update_param<Tracked<S>, TrackedCoefficients<S>>(c_.kind, o, sb, std::span<Tracked<S>>(pb),
                                                         std::span<const Tracked<S>>(gb));

    if (sx.step != st1.step || sb.step != st1.step)
      return where() + ": step count " + std::to_string(st1.step) + " after the update, the rule's " + std::to_string(sx.step);
    for (std::size_t e = 0; e < p1.size(); ++e) {
      const double mag = std::fabs(static_cast<double>(p0[e])) + std::fabs(static_cast<double>(p1[e]));
      if (mag > 0) {
        const double c = pb[e].e / (u * mag);
        stats_.worst_c = std::max(stats_.worst_c, c);
        ++stats_.value_elements;
        stats_.c_above_16 += c > 16;
      }
      if (std::string m = element("value", e, p1[e], px[e], pb[e], std::pair<S, S>(p0[e], g[e])); !m.empty()) return m;
    }
    for (std::size_t b = 0; b < train::kOptimBufferCount; ++b) {
      const auto name = std::string(train::to_string(static_cast<OptimBuffer>(b)));
      const auto& fb = st1.buffers[b];
      if (fb.has_value() != sx.buffers[b].has_value() || fb.has_value() != sb.buffers[b].has_value())
        return where() + ": buffer " + name + (fb ? " kept by the runtime but not by the rule" : " kept by the rule but not by the runtime");
      if (!fb) continue;
      for (std::size_t e = 0; e < fb->size(); ++e)
        if (std::string m = element("buffer " + name, e, (*fb)[e], (*sx.buffers[b])[e], (*sb.buffers[b])[e]); !m.empty())
          return m;
    }
    return "";
  }

  const Case& c_;
  OptimizerPlant plant_;
  OptimizerStepStats& stats_;
  std::size_t k_ = 0, i_ = 0;
};

}  // namespace

namespace detail {

std::string check_random_optimizer_steps(OptimizerPlant plant, OptimizerStepStats* stats) {
  const Case c = draw_case();
  OptimizerStepStats local;
  OptimizerStepStats& st = stats ? *stats : local;
  ++st.cases;
  ++st.cases_per_kind[static_cast<std::size_t>(c.kind)];
  st.f32_cases += c.f32;
  const ref::IntervalPrecision precision(256);
  try {
    return c.f32 ? CaseRunner<float>(c, plant, st).run() : CaseRunner<double>(c, plant, st).run();
  } catch (const std::exception& e) {
    return std::string(plant_text(plant)) + std::string(train::to_string(c.kind)) + " (" + groups_text(c) + ") " +
           (c.f32 ? "f32" : "f64") + ": exception: " + e.what();
  }
}

}  // namespace detail

std::string check_random_optimizer_steps() { return detail::check_random_optimizer_steps(detail::OptimizerPlant::none, nullptr); }

}  // namespace vt::proptests
