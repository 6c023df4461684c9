#define BOOST_TEST_MODULE train_optim
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "vt/reference/interval.hpp"
#include "vt/reference/rational.hpp"
#include "vt/runtime/io/checkpoint.hpp"
#include "vt/train/optim.hpp"
#include "train/tests/support.hpp"

// Optimizers against PyTorch 1.13 (fixtures from scripts/gen_torch_fixtures.py),
// against the same update rules run exactly (rationals, certified intervals),
// planted bugs that the fixture comparison must catch, checkpointed state
// that resumes bit-identically, and option validation.

using namespace vt;
using train::OptimKind;
using train::OptimOptions;
using train::ParamGroup;
using ref::Interval;
using ref::Rational;
namespace fs = std::filesystem;

// max on intervals: torch.maximum's value lies in [max(lo), max(hi)], which
// needs no comparison that could be undecidable.
using namespace vt::train::testing;

template <>
struct vt::train::OptimScalar<Interval> {
  static Interval sqrt(const Interval& x) { return spec::math::sqrt(x); }
  static Interval max(const Interval& a, const Interval& b) {
    using boost::multiprecision::lower;
    using boost::multiprecision::upper;
    const ref::BigFloat lo = std::max(ref::BigFloat(lower(a.raw())), ref::BigFloat(lower(b.raw())));
    const ref::BigFloat hi = std::max(ref::BigFloat(upper(a.raw())), ref::BigFloat(upper(b.raw())));
    return Interval(Interval::Raw(lo, hi));
  }
};

namespace {

// ---------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------
template <class T>
using Params = std::vector<std::vector<T>>;  // parameter -> flattened values
template <class T>
using Trajectory = std::vector<Params<T>>;   // step -> parameters after it

struct Case {
  std::string name;
  OptimKind kind;
  std::vector<ParamGroup> groups;
  nlohmann::json json;
};

struct Fixture {
  int steps = 0;
  std::vector<spec::Shape> shapes;
  Params<double> init;
  std::vector<std::vector<std::optional<std::vector<double>>>> grads;  // step -> parameter -> gradient (none: skipped)
  std::vector<Case> cases;
};

OptimOptions options_from(OptimKind kind, const nlohmann::json& j) {
  OptimOptions o = OptimOptions::defaults(kind);
  for (const auto& [k, v] : j.items()) {
    if (k == "lr") o.lr = v;
    else if (k == "momentum") o.momentum = v;
    else if (k == "dampening") o.dampening = v;
    else if (k == "weight_decay") o.weight_decay = v;
    else if (k == "nesterov") o.nesterov = v;
    else if (k == "beta1") o.beta1 = v;
    else if (k == "beta2") o.beta2 = v;
    else if (k == "eps") o.eps = v;
    else if (k == "amsgrad") o.amsgrad = v;
    else if (k == "alpha") o.alpha = v;
    else if (k == "centered") o.centered = v;
    else if (k == "lr_decay") o.lr_decay = v;
    else if (k == "initial_accumulator_value") o.initial_accumulator_value = v;
    else if (k == "rho") o.rho = v;
    else throw std::runtime_error("fixture: unknown option " + k);
  }
  return o;
}

// init and grads are float32 values written as the shortest text that reads
// back to them through float: read them as float, then widen (exact).
std::vector<double> f32_values(const nlohmann::json& j) {
  std::vector<double> out;
  for (const auto& v : j) out.push_back(static_cast<double>(static_cast<float>(v.get<double>())));
  return out;
}

Fixture load_fixture() {
  std::ifstream in(fixture_path("torch_optim.json"));
  if (!in) throw std::runtime_error("cannot open " + fixture_path("torch_optim.json").string());
  const nlohmann::json j = nlohmann::json::parse(in);
  Fixture f;
  f.steps = j.at("steps");
  for (const auto& s : j.at("shapes")) f.shapes.emplace_back(s.get<std::vector<std::int64_t>>());
  for (const auto& p : j.at("init")) f.init.push_back(f32_values(p));
  for (const auto& row : j.at("grads")) {
    f.grads.emplace_back();
    for (const auto& g : row)
      f.grads.back().push_back(g.is_null() ? std::nullopt : std::optional(f32_values(g)));
  }
  for (const auto& c : j.at("cases")) {
    const OptimKind kind = *train::parse_optim_kind(c.at("kind").get<std::string>());
    std::vector<ParamGroup> groups;
    for (const auto& g : c.at("groups"))
      groups.push_back({g.at("params").get<std::vector<std::size_t>>(), options_from(kind, g.at("options"))});
    f.cases.push_back({c.at("name"), kind, std::move(groups), c});
  }
  return f;
}

const Fixture& fixture() {
  static const Fixture f = load_fixture();
  return f;
}

const Case& find_case(const std::string& name) {
  for (const auto& c : fixture().cases)
    if (c.name == name) return c;
  throw std::runtime_error("no fixture case " + name);
}

template <class S>
Params<S> torch_params(const nlohmann::json& step) {
  Params<S> out;
  for (const auto& p : step) {
    out.emplace_back();
    for (const auto& v : p) out.back().push_back(static_cast<S>(v.get<double>()));  // exact: stored as f32 when S is
  }
  return out;
}

// "default_*": parameters after every step; "avx2_*": after the last one.
template <class S>
Trajectory<S> torch_trajectory(const Case& c, const std::string& key) {
  if (key.starts_with("avx2")) return {torch_params<S>(c.json.at(key))};
  Trajectory<S> t;
  for (const auto& step : c.json.at(key)) t.push_back(torch_params<S>(step));
  return t;
}

template <class T>
T input(double v) {
  return spec::ScalarTraits<T>::from_double(T(0), v);
}

// ---------------------------------------------------------------------------
// Runners: the real Optimizer<S>, and the generic rule on any scalar/policy
// ---------------------------------------------------------------------------
template <class S>
Trajectory<S> run_optimizer(const Case& c, int steps) {
  const Fixture& f = fixture();
  train::Optimizer<S> opt(c.kind, c.groups);
  std::vector<spec::Dense<S>> values, grads(f.shapes.size());
  for (std::size_t i = 0; i < f.shapes.size(); ++i)
    values.push_back({f.shapes[i], std::vector<S>(f.init[i].begin(), f.init[i].end())});
  Trajectory<S> out;
  for (int k = 0; k < steps; ++k) {
    std::vector<train::ParamView<S>> views;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto& g = f.grads[static_cast<std::size_t>(k)][i];
      if (g) grads[i] = {f.shapes[i], std::vector<S>(g->begin(), g->end())};
      views.push_back({&values[i], g ? &grads[i] : nullptr});
    }
    opt.step(views);
    out.emplace_back();
    for (const auto& v : values) out.back().push_back(v.data);
  }
  return out;
}

template <class T, class C = train::TorchCoefficients<T>>
Trajectory<T> run_generic(const Case& c, int steps) {
  const Fixture& f = fixture();
  Params<T> p;
  for (const auto& v : f.init) {
    p.emplace_back();
    for (const double e : v) p.back().push_back(input<T>(e));
  }
  std::vector<train::ParamState<T>> state(p.size());
  Trajectory<T> out;
  for (int k = 0; k < steps; ++k) {
    for (const auto& group : c.groups) {
      for (const std::size_t i : group.params) {
        const auto& g = f.grads[static_cast<std::size_t>(k)][i];
        if (!g) continue;
        std::vector<T> gt;
        for (const double e : *g) gt.push_back(input<T>(e));
        train::update_param<T, C>(c.kind, group.options, state[i], std::span<T>(p[i]), std::span<const T>(gt));
      }
    }
    out.push_back(p);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Comparison in ulps
// ---------------------------------------------------------------------------
// Distance in units in the last place: the number of representable values
// between a and b (0: bitwise equal; +0 and -0 count as equal).
template <class S>
std::uint64_t ulps(S a, S b) {
  using I = std::conditional_t<sizeof(S) == 4, std::int32_t, std::int64_t>;
  auto key = [](S x) -> __int128 {
    const I i = std::bit_cast<I>(x);
    return i >= 0 ? static_cast<__int128>(i) : static_cast<__int128>(std::numeric_limits<I>::min()) - i;
  };
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : std::numeric_limits<std::uint64_t>::max();
  const __int128 d = key(a) - key(b);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

struct Diff {
  std::size_t compared = 0, mismatches = 0;  // mismatches: elements beyond the tolerance
  std::uint64_t max_ulps = 0;
  std::string first;  // where the first mismatch is
};

template <class S>
Diff compare(const Trajectory<S>& ours, const Trajectory<S>& torch, std::uint64_t tol_ulps) {
  Diff d;
  BOOST_REQUIRE_EQUAL(ours.size(), torch.size());
  for (std::size_t k = 0; k < ours.size(); ++k) {
    BOOST_REQUIRE_EQUAL(ours[k].size(), torch[k].size());
    for (std::size_t i = 0; i < ours[k].size(); ++i) {
      BOOST_REQUIRE_EQUAL(ours[k][i].size(), torch[k][i].size());
      for (std::size_t e = 0; e < ours[k][i].size(); ++e) {
        const std::uint64_t u = ulps(ours[k][i][e], torch[k][i][e]);
        ++d.compared;
        d.max_ulps = std::max(d.max_ulps, u);
        if (u > tol_ulps && d.mismatches++ == 0)
          d.first = "step " + std::to_string(k) + " param " + std::to_string(i) + " elem " + std::to_string(e);
      }
    }
  }
  return d;
}

// S per element: sum over the run of |p_k| + |p_k - p_k-1|, k = 0 (init) .. steps.
template <class S>
Params<double> run_scale(const Trajectory<S>& t) {
  const Params<double>& init = fixture().init;
  Params<double> s(init.size());
  for (std::size_t i = 0; i < init.size(); ++i) {
    s[i].assign(init[i].size(), 0.0);
    for (std::size_t e = 0; e < init[i].size(); ++e) {
      double prev = init[i][e];
      s[i][e] = std::abs(prev);
      for (const auto& step : t) {
        const double x = step[i][e];
        s[i][e] += std::abs(x) + std::abs(x - prev);
        prev = x;
      }
    }
  }
  return s;
}

// max over elements of |ours - torch| / (u * S) after the last step.
template <class S>
double fused_ratio(const Trajectory<S>& ours, const Params<S>& torch) {
  const double u = std::numeric_limits<S>::epsilon() / 2;
  const Params<double> scale = run_scale(ours);
  double worst = 0;
  for (std::size_t i = 0; i < torch.size(); ++i)
    for (std::size_t e = 0; e < torch[i].size(); ++e)
      worst = worse(worst, std::abs(static_cast<double>(ours.back()[i][e]) - torch[i][e]) / (u * scale[i][e]));
  return worst;
}

}  // namespace

// ===========================================================================
// a) PyTorch fixtures
// ===========================================================================

BOOST_AUTO_TEST_CASE(fixture_covers_every_kind_and_the_skipped_gradient) {
  const Fixture& f = fixture();
  BOOST_TEST(f.steps == 5);
  BOOST_TEST(f.shapes.size() == 3u);
  std::vector<int> per_kind(6, 0);
  for (const auto& c : f.cases) ++per_kind[static_cast<std::size_t>(c.kind)];
  for (const int n : per_kind) BOOST_TEST(n >= 2);
  int skipped = 0;
  for (const auto& row : f.grads)
    for (const auto& g : row) skipped += !g;
  BOOST_TEST(skipped == 2);
}

// Same operations in the same order as torch's portable ("default"
// capability) kernels, each an IEEE-754 correctly rounded +, -, *, / or sqrt
// in the tensor's precision, with hyperparameters rounded once from the same
// doubles, and pow from the same libm: nothing is left to differ, so the
// tolerance is 0 ulps, every element, after every step.
BOOST_AUTO_TEST_CASE(matches_torch_portable_kernels_bitwise_f64_and_f32) {
  for (const auto& c : fixture().cases) {
    BOOST_TEST_CONTEXT(c.name) {
      const Diff d64 = compare(run_optimizer<double>(c, fixture().steps), torch_trajectory<double>(c, "default_f64"), 0);
      const Diff d32 = compare(run_optimizer<float>(c, fixture().steps), torch_trajectory<float>(c, "default_f32"), 0);
      BOOST_TEST(d64.compared == 60u);
      BOOST_TEST(d64.mismatches == 0u, "f64 first mismatch at " << d64.first << ", max " << d64.max_ulps << " ulps");
      BOOST_TEST(d32.mismatches == 0u, "f32 first mismatch at " << d32.first << ", max " << d32.max_ulps << " ulps");
    }
  }
}

// Torch's AVX2 kernels compute t + a*u (add with alpha) and t + (a*u)*v
// (addcmul) with one rounding (FMA) where the portable kernels, and we, round
// twice. The two results of one such op differ by at most the product's
// rounding, u*|a*u|, plus their own final roundings, u*|t + a*u| each; every
// other op (/, sqrt, *) is the same. So at each step the difference an op
// adds to an element is a few u times the magnitudes it combines, |p| and the
// update |dp| for the parameter itself, and the state (momentum, averages)
// moves later updates by a few u relative to them. Over the run the
// difference is then at most c*u*S with S = sum over steps of (|p_k| + |p_k - p_k-1|)
// and c a small constant: we take c = 8, about twice the number of fused ops
// an element goes through per step. Observed: see the message (max ratio).
BOOST_AUTO_TEST_CASE(matches_torch_avx2_kernels_within_a_derived_bound) {
  double worst64 = 0, worst32 = 0;
  for (const auto& c : fixture().cases) {
    BOOST_TEST_CONTEXT(c.name) {
      worst64 = worse(worst64, fused_ratio(run_optimizer<double>(c, fixture().steps), torch_trajectory<double>(c, "avx2_f64")[0]));
      worst32 = worse(worst32, fused_ratio(run_optimizer<float>(c, fixture().steps), torch_trajectory<float>(c, "avx2_f32")[0]));
    }
  }
  BOOST_TEST_MESSAGE("avx2 vs ours: max |diff| / (u*S) = " << worst64 << " (f64), " << worst32 << " (f32)");
  BOOST_TEST(worst64 <= 8.0);
  BOOST_TEST(worst32 <= 8.0);
}

// ===========================================================================
// b) The same update rules run exactly
// ===========================================================================
namespace {

// A running error bound for a computation in a float format of P bits
// (unit roundoff u = 2^-P): the exact value has magnitude <= mag and the
// computed value lies within err of it. Each rounded op adds u * |computed|
// <= u * (mag + err) to the errors it inherits (standard forward analysis,
// no first-order truncation).
template <int P>
struct Bound {
  static constexpr double u = P == 53 ? 0x1p-53 : 0x1p-24;
  double mag = 0, err = 0;
  Bound() = default;
  Bound(int v) : mag(std::abs(v)) {}  // NOLINT: integers are exact
  Bound(double m, double e) : mag(m), err(e) {}
  static Bound rounded(double m, double e) { return {m, e + u * (m + e)}; }
  friend Bound operator+(const Bound& a, const Bound& b) { return rounded(a.mag + b.mag, a.err + b.err); }
  friend Bound operator-(const Bound& a, const Bound& b) { return a + b; }
  friend Bound operator*(const Bound& a, const Bound& b) {
    return rounded(a.mag * b.mag, a.err * b.mag + a.mag * b.err + a.err * b.err);
  }
  Bound operator-() const { return *this; }
};

// What the float run does with hyperparameters: double arithmetic (Bound<53>),
// then one rounding to the element format.
template <int P>
struct BoundCoefficients {
  using H = Bound<53>;
  static H in(double v) { return {std::abs(v), 0}; }
  static Bound<P> out(const H& v) { return P == 53 ? Bound<P>(v.mag, v.err) : Bound<P>::rounded(v.mag, v.err); }
  static H pow(const H&, std::int64_t) { throw std::logic_error("not used by SGD"); }
  static H sqrt(const H&) { throw std::logic_error("not used by SGD"); }
};

}  // namespace

template <int P>
struct vt::spec::ScalarTraits<Bound<P>> {
  static constexpr bool transcendental = false;  // SGD only: + and *
  static Bound<P> from_double(const Bound<P>&, double v) { return {std::abs(v), 0}; }  // inputs are exact
};

namespace {

using ExactQ = train::ExactCoefficients<Rational>;
using ExactI = train::ExactCoefficients<Interval>;

const std::vector<std::string> kSgdCases = {"sgd", "sgd_momentum", "sgd_dampening_wd", "sgd_nesterov_wd", "sgd_groups"};

// |float - exact| <= err of the bound, decided exactly; returns the largest
// err seen (relative to mag + 1) so that the caller can show the bound is tight.
template <class S, int P>
double check_within_bound(const Trajectory<S>& run, const Trajectory<Rational>& exact, const Trajectory<Bound<P>>& bound,
                          std::size_t& nonzero_errors) {
  double worst = 0;
  for (std::size_t k = 0; k < run.size(); ++k)
    for (std::size_t i = 0; i < run[k].size(); ++i)
      for (std::size_t e = 0; e < run[k][i].size(); ++e) {
        const Rational diff = abs(ref::exact(static_cast<double>(run[k][i][e])) - exact[k][i][e]);
        const Bound<P>& b = bound[k][i][e];
        // 1 + 1e-9: the bound itself was added up in rounded double arithmetic.
        BOOST_TEST((diff <= ref::exact(b.err * (1 + 1e-9))), "step " << k << " param " << i << " elem " << e);
        nonzero_errors += diff != 0;
        worst = worse(worst, b.err / (b.mag + 1));
      }
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sgd_float_runs_are_within_the_derived_rounding_bound_of_the_exact_run) {
  for (const auto& name : kSgdCases) {
    BOOST_TEST_CONTEXT(name) {
      const Case& c = find_case(name);
      const auto exact = run_generic<Rational, ExactQ>(c, fixture().steps);
      std::size_t nonzero64 = 0, nonzero32 = 0;
      const double b64 = check_within_bound(run_optimizer<double>(c, fixture().steps), exact,
                                            run_generic<Bound<53>, BoundCoefficients<53>>(c, fixture().steps), nonzero64);
      const double b32 = check_within_bound(run_optimizer<float>(c, fixture().steps), exact,
                                            run_generic<Bound<24>, BoundCoefficients<24>>(c, fixture().steps), nonzero32);
      // The bound is tight enough to mean something: a few dozen u at most.
      BOOST_TEST(b64 <= 64 * 0x1p-53);
      BOOST_TEST(b32 <= 64 * 0x1p-24);
      // And the runs do round (the exact values are not floats), so the check is not vacuous.
      BOOST_TEST(nonzero64 > 0u);
      BOOST_TEST(nonzero32 > 0u);
    }
  }
}

// p0 = 1, gradients 1 then 2, lr = 0.1 (its exact double value q), momentum
// 1/2, dampening 1/4, weight decay 1/8, by hand:
//   step 1: d = 1 + p0/8 = 9/8, buf = d (first step), p1 = 1 - q*9/8
//   step 2: d = 2 + p1/8, buf = buf/2 + (3/4) d, p2 = p1 - q*buf
// Nesterov (dampening 0): the step uses d + buf/2 instead of buf.
BOOST_AUTO_TEST_CASE(exact_sgd_equals_a_hand_computed_value) {
  const Rational q = ref::exact(0.1), one(1), two(2);
  auto run = [&](bool nesterov) {
    OptimOptions o = OptimOptions::defaults(OptimKind::SGD);
    o.lr = 0.1, o.momentum = 0.5, o.dampening = nesterov ? 0 : 0.25, o.weight_decay = 0.125, o.nesterov = nesterov;
    train::ParamState<Rational> st;
    std::vector<Rational> p{one};
    for (const Rational& g : {one, two}) train::update_param<Rational, ExactQ>(OptimKind::SGD, o, st, std::span<Rational>(p), std::span<const Rational>(&g, 1));
    BOOST_TEST(st.step == 2);
    return p[0];
  };
  const Rational p1 = one - q * Rational(9, 8);
  const Rational d2 = two + p1 / 8;
  BOOST_TEST((run(false) == p1 - q * (Rational(9, 8) / 2 + Rational(3, 4) * d2)));
  const Rational p1n = one - q * (Rational(9, 8) + Rational(9, 16));
  const Rational d2n = two + p1n / 8;
  BOOST_TEST((run(true) == p1n - q * (d2n + (Rational(9, 16) + d2n) / 2)));
}

BOOST_AUTO_TEST_CASE(rationals_refuse_the_kinds_that_need_sqrt) {
  train::ParamState<Rational> st;
  std::vector<Rational> p{Rational(1)}, g{Rational(1)};
  BOOST_CHECK_THROW((train::update_param<Rational, ExactQ>(OptimKind::Adam, OptimOptions::defaults(OptimKind::Adam), st,
                                                        std::span<Rational>(p), std::span<const Rational>(g))),
                    std::invalid_argument);
  BOOST_TEST(st.step == 0);
}

namespace {

double mid(const Interval& x) { return boost::multiprecision::median(x.raw()).convert_to<double>(); }

// max over the run of |float - mid(interval)| / (u * S), S as in run_scale
// (computed from the interval midpoints), and the widest interval seen.
template <class S>
std::pair<double, double> interval_ratio(const Trajectory<S>& run, const Trajectory<Interval>& iv) {
  Trajectory<double> mids;
  for (const auto& step : iv) {
    mids.emplace_back();
    for (const auto& p : step) {
      mids.back().emplace_back();
      for (const auto& x : p) mids.back().back().push_back(mid(x));
    }
  }
  const Params<double> scale = run_scale(mids);
  const double u = std::numeric_limits<S>::epsilon() / 2;
  double worst = 0, widest = 0;
  for (std::size_t k = 0; k < run.size(); ++k)
    for (std::size_t i = 0; i < run[k].size(); ++i)
      for (std::size_t e = 0; e < run[k][i].size(); ++e) {
        const ref::BigFloat d = abs(ref::BigFloat(run[k][i][e]) - boost::multiprecision::median(iv[k][i][e].raw()));
        worst = worse(worst, d.convert_to<double>() / (u * scale[i][e]));
        widest = std::max(widest, ref::relative_width(iv[k][i][e]));
      }
  return {worst, widest};
}

}  // namespace

// The sqrt kinds on 256-bit certified intervals. Stated bound: each step an
// element goes through at most ~12 rounded ops (Adam with amsgrad and weight
// decay), each off by <= u relative to what it combines; sqrt halves relative
// errors and the normalised ratios (m/sqrt(v), g/sqrt(sum),
// sqrt(acc+eps)/sqrt(sq+eps)) pass them on with factor <= 1.5, and the
// averages are contractions (beta, alpha, rho < 1). So each update carries a
// relative error <= ~16u, and the float run stays within 16*u*S of the exact
// one, S the summed magnitudes of the run (run_scale). The intervals
// themselves must be narrow (relative width <= 1e-60), so that their
// midpoint is the exact value for this purpose.
BOOST_AUTO_TEST_CASE(sqrt_kinds_float_runs_are_close_to_certified_intervals) {
  ref::IntervalPrecision prec(256);
  double worst64 = 0, worst32 = 0;
  for (const auto& c : fixture().cases) {
    if (c.kind == OptimKind::SGD) continue;
    BOOST_TEST_CONTEXT(c.name) {
      const auto iv = run_generic<Interval, ExactI>(c, fixture().steps);
      const auto [r64, w64] = interval_ratio(run_optimizer<double>(c, fixture().steps), iv);
      const auto [r32, w32] = interval_ratio(run_optimizer<float>(c, fixture().steps), iv);
      BOOST_TEST(r64 <= 16.0);
      BOOST_TEST(r32 <= 16.0);
      BOOST_TEST(w64 <= 1e-60);
      worst64 = worse(worst64, r64);
      worst32 = worse(worst32, r32);
    }
  }
  BOOST_TEST_MESSAGE("float vs interval midpoint: max |diff| / (u*S) = " << worst64 << " (f64), " << worst32 << " (f32)");
}

// ===========================================================================
// c) Planted bugs: the fixture comparison must fail on them
// ===========================================================================
namespace {

// Hyperparameter expressions computed in the element type (1.0f - 0.9f
// instead of float(1.0 - 0.9)): a plausible port of the formulas to C++.
template <class S>
struct CoefficientsInElementType {
  using H = S;
  static H in(double v) { return static_cast<S>(v); }
  static S out(H v) { return v; }
  static H pow(H x, std::int64_t n) { return std::pow(x, static_cast<S>(n)); }
  static H sqrt(H x) { return std::sqrt(x); }
};

// Adam's bias correction off by one step (1 - beta^(t+1)).
template <class S>
struct BiasCorrectionOffByOne : train::TorchCoefficients<S> {
  static double pow(double x, std::int64_t n) { return std::pow(x, static_cast<double>(n + 1)); }
};

// sqrt(1 - beta2^t) one ulp low: the smallest possible deviation.
template <class S>
struct SqrtOneUlpLow : train::TorchCoefficients<S> {
  static double sqrt(double x) { return std::nextafter(std::sqrt(x), 0.0); }
};

template <class S, class C>
Diff fixture_diff(const std::string& name, const std::string& key) {
  const Case& c = find_case(name);
  return compare(run_generic<S, C>(c, fixture().steps), torch_trajectory<S>(c, key), 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_generic_runner_itself_passes_the_fixture) {
  for (const auto& c : fixture().cases) {
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(compare(run_generic<double>(c, fixture().steps), torch_trajectory<double>(c, "default_f64"), 0).mismatches == 0u);
      BOOST_TEST(compare(run_generic<float>(c, fixture().steps), torch_trajectory<float>(c, "default_f32"), 0).mismatches == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(planted_bugs_fail_the_fixture_comparison) {
  // Coefficients rounded before the arithmetic instead of after: only float32 sees it.
  BOOST_TEST((fixture_diff<float, CoefficientsInElementType<float>>("adam", "default_f32").mismatches > 0u));
  BOOST_TEST((fixture_diff<float, CoefficientsInElementType<float>>("adagrad_decay_init_wd", "default_f32").mismatches > 0u));
  BOOST_TEST((fixture_diff<double, CoefficientsInElementType<double>>("adam", "default_f64").mismatches == 0u));  // same in f64
  // A formula bug.
  const Diff off = fixture_diff<double, BiasCorrectionOffByOne<double>>("adam", "default_f64");
  BOOST_TEST(off.mismatches > 0u);
  BOOST_TEST(off.max_ulps > 1000u);
  // One ulp in one coefficient is caught too, and stays a few-ulp difference.
  const Diff ulp = fixture_diff<double, SqrtOneUlpLow<double>>("adamw_amsgrad", "default_f64");
  BOOST_TEST(ulp.mismatches > 0u);
  BOOST_TEST(ulp.max_ulps < 1000u);
  BOOST_TEST_MESSAGE("1-ulp sqrt plant: " << ulp.mismatches << " of " << ulp.compared << " elements differ, max "
                                          << ulp.max_ulps << " ulps");
}

// The first momentum step with dampening applied (buf = (1 - dampening) * g
// instead of torch's buf = g): a mutated copy of the SGD rule.
BOOST_AUTO_TEST_CASE(a_mutated_sgd_rule_fails_the_fixture_comparison) {
  const Case& c = find_case("sgd_dampening_wd");
  const Fixture& f = fixture();
  Params<double> p = f.init;
  std::vector<std::vector<double>> buf(p.size());
  Trajectory<double> out;
  for (int k = 0; k < f.steps; ++k) {
    for (const auto& group : c.groups)
      for (const std::size_t i : group.params) {
        const auto& g = f.grads[static_cast<std::size_t>(k)][i];
        if (!g) continue;
        const OptimOptions& o = group.options;
        const bool first = buf[i].empty();
        buf[i].resize(p[i].size());
        for (std::size_t e = 0; e < p[i].size(); ++e) {
          const double d = (*g)[e] + o.weight_decay * p[i][e];
          buf[i][e] = (first ? 0.0 : buf[i][e] * o.momentum) + (1 - o.dampening) * d;  // the mutation
          p[i][e] = p[i][e] + -o.lr * buf[i][e];
        }
      }
    out.push_back(p);
  }
  BOOST_TEST(compare(out, torch_trajectory<double>(c, "default_f64"), 0).mismatches > 0u);
}

// ===========================================================================
// d) Checkpointed state resumes bit-identically
// ===========================================================================
namespace {

// Every buffer of every kind is in play here.
std::vector<std::pair<OptimKind, OptimOptions>> full_state_configs() {
  std::vector<std::pair<OptimKind, OptimOptions>> out;
  auto add = [&](OptimKind k, auto&& f) {
    OptimOptions o = OptimOptions::defaults(k);
    f(o);
    out.emplace_back(k, o);
  };
  add(OptimKind::SGD, [](OptimOptions& o) { o.momentum = 0.9, o.nesterov = true, o.weight_decay = 1e-3; });
  add(OptimKind::Adagrad, [](OptimOptions& o) { o.lr_decay = 0.01, o.initial_accumulator_value = 0.1; });
  add(OptimKind::RMSprop, [](OptimOptions& o) { o.centered = true, o.momentum = 0.5; });
  add(OptimKind::Adam, [](OptimOptions& o) { o.amsgrad = true, o.weight_decay = 0.01; });
  add(OptimKind::AdamW, [](OptimOptions& o) { o.amsgrad = true; });
  add(OptimKind::Adadelta, [](OptimOptions& o) { o.weight_decay = 0.01; });
  return out;
}

template <class S>
struct Model {
  std::vector<spec::Dense<S>> values, grads;
  explicit Model(unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    for (const auto& shape : fixture().shapes) {
      spec::Dense<S> v{shape, {}};
      for (std::int64_t e = 0; e < shape.numel(); ++e) v.data.push_back(static_cast<S>(u(rng)));
      values.push_back(v);
      grads.push_back(v);
    }
  }
  // Gradients of step k (deterministic); parameter 2 has none on odd steps.
  std::vector<train::ParamView<S>> step_views(int k) {
    std::vector<train::ParamView<S>> views;
    for (std::size_t i = 0; i < values.size(); ++i) {
      for (std::size_t e = 0; e < grads[i].data.size(); ++e)
        grads[i].data[e] = static_cast<S>(std::sin(1.0 + static_cast<double>(k * 31 + static_cast<int>(i * 7 + e))));
      views.push_back({&values[i], (i == 2 && k % 2 == 1) ? nullptr : &grads[i]});
    }
    return views;
  }
};

std::vector<ParamGroup> two_groups(const OptimOptions& o) {
  OptimOptions o2 = o;
  o2.lr = o.lr / 3;
  return {{{0, 2}, o}, {{1}, o2}};
}

template <class S>
bool same_bits(const std::vector<spec::Dense<S>>& a, const std::vector<spec::Dense<S>>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t e = 0; e < a[i].data.size(); ++e)
      if (std::bit_cast<std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>>(a[i].data[e]) !=
          std::bit_cast<std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>>(b[i].data[e]))
        return false;
  return true;
}

template <class S>
void resume_is_bit_identical(OptimKind kind, const OptimOptions& o) {
  Model<S> a(7);
  train::Optimizer<S> opt_a(kind, two_groups(o));
  for (int k = 0; k < 3; ++k) opt_a.step(a.step_views(k));

  // Through a real file, as a resumed run would.
  rt::Checkpoint c;
  opt_a.save_state(c, "optim/");
  for (std::size_t i = 0; i < a.values.size(); ++i) c.put<S>("param" + std::to_string(i), a.values[i]);
  const TempDir dir;
  const fs::path path = dir.file("state.vtck");
  rt::save_checkpoint(path, c);
  const rt::Checkpoint back = rt::load_checkpoint(path);

  Model<S> b(99);  // other values: all of them come from the checkpoint
  for (std::size_t i = 0; i < b.values.size(); ++i) b.values[i] = back.get<S>("param" + std::to_string(i));
  OptimOptions other = OptimOptions::defaults(kind);  // options too come from the checkpoint
  train::Optimizer<S> opt_b(kind, two_groups(other));
  opt_b.load_state(back, "optim/");
  BOOST_TEST(opt_b.groups()[1].options.lr == o.lr / 3);
  BOOST_TEST(opt_b.state(0)->step == 3);
  BOOST_TEST(opt_b.state(2)->step == 2);  // skipped at step 1

  for (int k = 3; k < 5; ++k) {
    opt_a.step(a.step_views(k));
    opt_b.step(b.step_views(k));
  }
  BOOST_TEST(same_bits(a.values, b.values));
  for (std::size_t i = 0; i < a.values.size(); ++i)
    for (std::size_t buf = 0; buf < train::kOptimBufferCount; ++buf)
      BOOST_TEST((opt_a.state(i)->buffers[buf] == opt_b.state(i)->buffers[buf]));
}

}  // namespace

BOOST_AUTO_TEST_CASE(save_and_load_state_resume_bit_identically) {
  for (const auto& [kind, o] : full_state_configs()) {
    BOOST_TEST_CONTEXT(train::to_string(kind)) {
      resume_is_bit_identical<float>(kind, o);
      resume_is_bit_identical<double>(kind, o);
    }
  }
}

BOOST_AUTO_TEST_CASE(saved_state_names_every_buffer) {
  OptimOptions o = OptimOptions::defaults(OptimKind::Adam);
  o.amsgrad = true;
  Model<float> m(1);
  train::Optimizer<float> opt(OptimKind::Adam, 3, o);
  opt.step(m.step_views(1));  // parameter 2 skipped: no state
  rt::Checkpoint c;
  opt.save_state(c, "opt.");
  for (const char* name : {"opt.p0.exp_avg", "opt.p0.exp_avg_sq", "opt.p0.max_exp_avg_sq", "opt.p1.exp_avg"})
    BOOST_TEST(c.has(name), name);
  BOOST_TEST(!c.has("opt.p2.exp_avg"));
  BOOST_TEST(c.meta["opt."]["params"][2].is_null());
  BOOST_TEST(c.meta["opt."]["params"][0]["step"] == 1);
  BOOST_TEST(c.meta["opt."]["kind"] == "adam");
}

namespace {

// load_state on a damaged checkpoint throws CheckpointError whose message
// contains `needle`, and leaves the optimizer exactly as it was.
void expect_load_error(const std::function<void(rt::Checkpoint&)>& damage, const std::string& needle,
                       OptimKind load_kind = OptimKind::Adam) {
  OptimOptions o = OptimOptions::defaults(OptimKind::Adam);
  o.amsgrad = true;
  Model<double> m(3);
  train::Optimizer<double> src(OptimKind::Adam, two_groups(o));
  for (int k = 0; k < 2; ++k) src.step(m.step_views(k));
  rt::Checkpoint c;
  src.save_state(c, "o.");
  damage(c);

  Model<double> m2(3);
  train::Optimizer<double> dst(load_kind, two_groups(OptimOptions::defaults(load_kind)));
  dst.step(m2.step_views(0));
  rt::Checkpoint before;
  dst.save_state(before, "o.");
  try {
    dst.load_state(c, "o.");
    BOOST_ERROR("no CheckpointError for " << needle);
  } catch (const rt::CheckpointError& e) {
    BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what() << " should mention " << needle);
  }
  rt::Checkpoint after;
  dst.save_state(after, "o.");
  BOOST_TEST(before.meta == after.meta);
  BOOST_TEST(before.tensors.size() == after.tensors.size());
  for (std::size_t t = 0; t < before.tensors.size(); ++t) BOOST_TEST((before.tensors[t].bytes == after.tensors[t].bytes));
}

void erase_tensor(rt::Checkpoint& c, const std::string& name) {
  std::erase_if(c.tensors, [&](const rt::TensorRecord& r) { return r.name == name; });
}

}  // namespace

BOOST_AUTO_TEST_CASE(load_state_rejects_missing_or_mismatched_state_and_changes_nothing) {
  expect_load_error([](rt::Checkpoint& c) { c.meta.erase("o."); }, "missing");
  expect_load_error([](rt::Checkpoint&) {}, "saved for optimizer \"adam\"", OptimKind::AdamW);
  expect_load_error([](rt::Checkpoint& c) { erase_tensor(c, "o.p1.exp_avg_sq"); }, "o.p1.exp_avg_sq");
  expect_load_error([](rt::Checkpoint& c) { c.put<double>("o.p0.exp_avg", spec::Dense<double>{{6}, std::vector<double>(6)}); },
                    "o.p0.exp_avg");
  expect_load_error([](rt::Checkpoint& c) { c.put<float>("o.p0.exp_avg", spec::Dense<float>{{3, 2}, std::vector<float>(6)}); },
                    "o.p0.exp_avg");
  expect_load_error([](rt::Checkpoint& c) { c.meta["o."]["groups"][1]["options"].erase("beta2"); }, "beta2");
  expect_load_error([](rt::Checkpoint& c) { c.meta["o."]["groups"][0]["options"]["beta1"] = 1.5; }, "beta1");
  expect_load_error([](rt::Checkpoint& c) { c.meta["o."]["groups"][0]["params"] = {0, 1}; }, "groups[0].params");
  expect_load_error([](rt::Checkpoint& c) { c.meta["o."]["params"].push_back(nullptr); }, "parameters");
  expect_load_error([](rt::Checkpoint& c) { c.meta["o."]["params"][0].erase("step"); }, "params[0].step");
  expect_load_error([](rt::Checkpoint& c) { c.meta["o."]["params"][0]["buffers"].push_back("velocity"); }, "velocity");
  expect_load_error([](rt::Checkpoint& c) { c.meta["o."]["scalar"] = "f32"; }, "scalar type");
}

// ===========================================================================
// e) Options and step arguments are checked
// ===========================================================================
namespace {

void expect_invalid(OptimKind kind, const std::function<void(OptimOptions&)>& set, const std::string& needle) {
  OptimOptions o = OptimOptions::defaults(kind);
  set(o);
  try {
    train::Optimizer<float> opt(kind, 2, o);
    BOOST_ERROR("no error for " << needle << " in " << train::to_string(kind));
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what() << " should mention " << needle);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(invalid_options_throw_naming_the_field) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (int k = 0; k < 6; ++k) {
    const auto kind = static_cast<OptimKind>(k);
    expect_invalid(kind, [](OptimOptions& o) { o.lr = -1e-3; }, "invalid lr = -0.001");
    expect_invalid(kind, [&](OptimOptions& o) { o.lr = nan; }, "invalid lr");
    expect_invalid(kind, [&](OptimOptions& o) { o.lr = inf; }, "invalid lr");
    expect_invalid(kind, [](OptimOptions& o) { o.weight_decay = -0.1; }, "invalid weight_decay");
  }
  expect_invalid(OptimKind::SGD, [](OptimOptions& o) { o.momentum = -0.5; }, "invalid momentum");
  expect_invalid(OptimKind::SGD, [](OptimOptions& o) { o.nesterov = true; }, "nesterov needs momentum > 0");
  expect_invalid(OptimKind::SGD, [](OptimOptions& o) { o.nesterov = true, o.momentum = 0.9, o.dampening = 0.1; },
                 "nesterov needs dampening = 0");
  expect_invalid(OptimKind::Adagrad, [](OptimOptions& o) { o.lr_decay = -1; }, "invalid lr_decay");
  expect_invalid(OptimKind::Adagrad, [](OptimOptions& o) { o.initial_accumulator_value = -1; }, "invalid initial_accumulator_value");
  expect_invalid(OptimKind::Adagrad, [](OptimOptions& o) { o.eps = -1; }, "invalid eps");
  expect_invalid(OptimKind::RMSprop, [](OptimOptions& o) { o.alpha = -0.1; }, "invalid alpha");
  expect_invalid(OptimKind::RMSprop, [](OptimOptions& o) { o.momentum = -0.1; }, "invalid momentum");
  expect_invalid(OptimKind::RMSprop, [](OptimOptions& o) { o.eps = -1; }, "invalid eps");
  for (const auto kind : {OptimKind::Adam, OptimKind::AdamW}) {
    expect_invalid(kind, [](OptimOptions& o) { o.beta1 = 1.0; }, "invalid beta1 = 1 (need 0 <= beta1 < 1)");
    expect_invalid(kind, [](OptimOptions& o) { o.beta2 = -0.1; }, "invalid beta2");
    expect_invalid(kind, [](OptimOptions& o) { o.eps = -1e-8; }, "invalid eps");
  }
  expect_invalid(OptimKind::Adadelta, [](OptimOptions& o) { o.rho = 1.5; }, "invalid rho = 1.5");
  expect_invalid(OptimKind::Adadelta, [](OptimOptions& o) { o.eps = -1; }, "invalid eps");
  // Each kind reads only its own fields (torch's classes have no others).
  BOOST_CHECK_NO_THROW(([] {
    OptimOptions o = OptimOptions::defaults(OptimKind::SGD);
    o.beta1 = 7;
    train::Optimizer<float>(OptimKind::SGD, 1, o);
  }()));
}

BOOST_AUTO_TEST_CASE(messages_name_the_group_and_overlapping_groups_are_refused) {
  OptimOptions bad = OptimOptions::defaults(OptimKind::Adam);
  bad.beta2 = 2;
  try {
    train::Optimizer<double>(OptimKind::Adam, {{{0}, OptimOptions::defaults(OptimKind::Adam)}, {{1}, bad}});
    BOOST_ERROR("no error");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("Optimizer(adam): group 1: invalid beta2 = 2") != std::string::npos, e.what());
  }
  const OptimOptions o = OptimOptions::defaults(OptimKind::SGD);
  BOOST_CHECK_THROW(train::Optimizer<double>(OptimKind::SGD, {{{0, 1}, o}, {{1}, o}}), std::invalid_argument);
  BOOST_CHECK_THROW(train::Optimizer<double>(OptimKind::SGD, {{{2, 2}, o}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(defaults_are_torch_defaults) {
  using K = OptimKind;
  BOOST_TEST(OptimOptions::defaults(K::SGD).lr == 0.01);
  BOOST_TEST(OptimOptions::defaults(K::Adagrad).lr == 0.01);
  BOOST_TEST(OptimOptions::defaults(K::Adagrad).eps == 1e-10);
  BOOST_TEST(OptimOptions::defaults(K::RMSprop).lr == 0.01);
  BOOST_TEST(OptimOptions::defaults(K::RMSprop).alpha == 0.99);
  BOOST_TEST(OptimOptions::defaults(K::RMSprop).eps == 1e-8);
  BOOST_TEST(OptimOptions::defaults(K::Adam).lr == 1e-3);
  BOOST_TEST(OptimOptions::defaults(K::Adam).beta1 == 0.9);
  BOOST_TEST(OptimOptions::defaults(K::Adam).beta2 == 0.999);
  BOOST_TEST(OptimOptions::defaults(K::Adam).weight_decay == 0.0);
  BOOST_TEST(OptimOptions::defaults(K::AdamW).weight_decay == 1e-2);
  BOOST_TEST(OptimOptions::defaults(K::Adadelta).lr == 1.0);
  BOOST_TEST(OptimOptions::defaults(K::Adadelta).rho == 0.9);
  BOOST_TEST(OptimOptions::defaults(K::Adadelta).eps == 1e-6);
  for (int k = 0; k < 6; ++k) {
    const auto kind = static_cast<K>(k);
    BOOST_TEST((train::parse_optim_kind(train::to_string(kind)) == kind));
  }
  BOOST_TEST((train::parse_optim_kind("AdamW") == K::AdamW));
  BOOST_TEST(!train::parse_optim_kind("adamax").has_value());
}

BOOST_AUTO_TEST_CASE(step_checks_everything_before_changing_anything) {
  Model<float> m(5);
  train::Optimizer<float> opt(OptimKind::SGD, 3, OptimOptions::defaults(OptimKind::SGD));
  opt.step(m.step_views(0));
  const auto before = m.values;
  auto expect = [&](std::vector<train::ParamView<float>> views, const std::string& needle) {
    try {
      opt.step(views);
      BOOST_ERROR("no error for " << needle);
    } catch (const std::invalid_argument& e) {
      BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what() << " should mention " << needle);
    }
    BOOST_TEST(same_bits(m.values, before));  // parameter 0 comes first and is valid, yet unchanged
  };
  // Shape changed since the last step (same element count).
  spec::Dense<float> reshaped{{2, 3}, m.values[0].data}, reshaped_grad{{2, 3}, m.grads[0].data};
  auto views = m.step_views(1);
  views[2] = {&reshaped, &reshaped_grad};
  expect(views, "parameter 2: shape changed from [2] to [2, 3]");
  // Gradient shape differs from the value's.
  views = m.step_views(1);
  spec::Dense<float> g{{2, 1}, {1, 2}};
  views[1] = {&m.values[1], &g};
  expect(views, "parameter 1: gradient shape [2, 1] differs from the value's [4]");
  // Too few views.
  views = m.step_views(1);
  views.pop_back();
  expect(views, "parameter 2 is in a group but only 2 parameters were given");
  // A gradient without a value.
  views = m.step_views(0);
  views[2].value = nullptr;
  expect(views, "parameter 2 has a gradient but no value");
  // A schedule wrote a negative learning rate.
  opt.groups()[0].options.lr = -0.5;
  expect(m.step_views(0), "invalid lr = -0.5");
}
