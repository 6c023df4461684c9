#define BOOST_TEST_MODULE reference_interval_soundness
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "vt/reference/dual.hpp"
#include "vt/reference/soundness.hpp"
#include "vt/spec/mutants.hpp"
#include "reference/tests/support.hpp"

// Transcendental ops: <g,Jv> and <VJP g,v> as 256-bit interval enclosures
// must overlap, and a 256-bit central finite difference must agree with them
// to 1e-40. Also the full-Jacobian mode (every entry, exact for the rational
// fragment) and the documented conventions at non-smooth points, exactly.

using namespace vt;
using ref::Rational;
using ref::Verdict;
using spec::Dense;
using spec::Shape;
using namespace vt::ref::testing;

namespace {
std::mt19937 rng(5);
// Distinct small rationals in about [-2, 2] (or (0.25, 4] with positive = true).
Dense<Rational> R(Shape s, bool positive = false) {
  std::uniform_int_distribution<int> num(-40, 40);
  Dense<Rational> d = Dense<Rational>::full(std::move(s), Rational(0));
  for (std::int64_t k = 0; k < d.numel(); ++k) {
    const Rational v = Rational(2 * num(rng) + 1, 41) + Rational(k + 1, 9973);
    d[k] = positive ? Rational(1, 4) + v * v : v;
  }
  return d;
}
template <class Op>
ref::IntervalSoundness check(std::vector<Dense<Rational>> xs, spec::AttrMap a = {}) {
  std::vector<Dense<Rational>> vs;
  for (const auto& x : xs) vs.push_back(R(x.shape));
  const auto r = ref::interval_soundness<Op>(xs, vs, R(out_shape<Op>(xs, a)), a);
  BOOST_TEST_MESSAGE(Op::name << ": " << ref::to_string(r.verdict) << ": " << r.detail);
  return r;
}
Dense<Rational> targets(std::vector<int> t) {
  Dense<Rational> d = Dense<Rational>::full(Shape{static_cast<std::int64_t>(t.size())}, Rational(0));
  for (std::size_t i = 0; i < t.size(); ++i) d.data[i] = t[i];
  return d;
}
}  // namespace

BOOST_AUTO_TEST_CASE(transcendental_ops_are_sound_by_intervals_and_finite_differences) {
  namespace o = spec::ops;
  BOOST_TEST(check<o::Exp>({R({2, 3})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Log>({R({2, 3}, true)}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Sqrt>({R({2, 3}, true)}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Tanh>({R({2, 3})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Sigmoid>({R({2, 3})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Softmax>({R({2, 4})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Softmax>({R({3, 2})}, attrs({{"axis", std::int64_t{0}}})).verdict == Verdict::Sound);
  BOOST_TEST(check<o::LogSoftmax>({R({2, 4})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::CrossEntropy>({R({3, 4}), targets({2, 0, 3})}).verdict == Verdict::Sound);
}

BOOST_AUTO_TEST_CASE(activations_are_sound_by_intervals_and_finite_differences) {
  namespace o = spec::ops;
  BOOST_TEST(check<o::Softplus>({R({2, 3})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Softplus>({R({2, 3})}, attrs({{"beta", 0.75}, {"threshold", 1.0}})).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Gelu>({R({2, 3})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Gelu>({R({2, 3})}, attrs({{"approximate", std::string("tanh")}})).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Silu>({R({2, 3})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::LogSigmoid>({R({2, 3})}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Log1p>({R({2, 3}, true)}).verdict == Verdict::Sound);
  BOOST_TEST(check<o::Expm1>({R({2, 3})}).verdict == Verdict::Sound);
  for (double e : {2.0, -1.0, 0.5, 2.5})
    BOOST_TEST(check<o::Pow>({R({2, 3}, true)}, attrs({{"exponent", e}})).verdict == Verdict::Sound, "exponent " << e);
  BOOST_TEST(check<o::Pow>({R({2, 3})}, attrs({{"exponent", 3.0}})).verdict == Verdict::Sound);  // any sign
  BOOST_TEST(check<o::Pow>({R({2, 3}, true), R({2, 3})}).verdict == Verdict::Sound);
}

// x^e encloses the true power: integer powers of negative bases exactly,
// fractional powers by exp(e log x); outside the domain it refuses.
BOOST_AUTO_TEST_CASE(interval_pow_encloses_and_refuses_outside_its_domain) {
  const auto point = [](double v) { return ref::to_interval(ref::exact(v)); };
  const auto holds = [](const ref::Interval& x, const ref::Rational& q) {
    return boost::multiprecision::lower(x.raw()) <= q && boost::multiprecision::upper(x.raw()) >= q;
  };
  BOOST_TEST(holds(ref::interval_pow(point(-2), 3.0), ref::Rational(-8)));
  BOOST_TEST(holds(ref::interval_pow(point(-2), -2.0), ref::Rational(1, 4)));
  BOOST_TEST(holds(ref::interval_pow(point(0), 0.0), ref::Rational(1)));
  BOOST_TEST(holds(ref::interval_pow(point(0), 2.5), ref::Rational(0)));
  BOOST_TEST(holds(ref::interval_pow(point(4), 0.5), ref::Rational(2)));
  BOOST_TEST(holds(ref::interval_pow(point(4), point(1.5)), ref::Rational(8)));
  BOOST_TEST(holds(ref::interval_pow(point(-3), point(2)), ref::Rational(9)));
  BOOST_CHECK_THROW(ref::interval_pow(point(-2), 0.5), spec::DomainError);
  BOOST_CHECK_THROW(ref::interval_pow(point(0), -1.0), spec::DomainError);
  BOOST_CHECK_THROW(ref::interval_pow(point(-2), point(0.5)), spec::DomainError);
}

// erf of an interval: endpoints rounded outward by MPFR. The exact erf of a
// random double, computed as a 512-bit MPFR value (so correct to far more
// bits than the 256-bit interval), must lie inside, and the width must be a
// few units of 2^-256 relative. Also a wide interval encloses erf of points inside.
BOOST_AUTO_TEST_CASE(erf_interval_encloses_high_precision_erf) {
  ref::IntervalPrecision precision;
  std::mt19937_64 r(11);
  std::uniform_real_distribution<double> mag(-8, 3);
  int checked = 0;
  for (int k = 0; k < 500; ++k) {
    const double x = (k % 2 ? -1 : 1) * std::pow(10.0, mag(r));
    const ref::Interval e = spec::math::erf(ref::to_interval(ref::exact(x)));
    mpfr_t hi_x, hi_e;
    mpfr_inits2(512, hi_x, hi_e, static_cast<mpfr_ptr>(nullptr));
    mpfr_set_d(hi_x, x, MPFR_RNDN);  // exact
    mpfr_erf(hi_e, hi_x, MPFR_RNDN);
    ref::BigFloat lo_b = boost::multiprecision::lower(e.raw()), up_b = boost::multiprecision::upper(e.raw());
    BOOST_TEST(mpfr_cmp(lo_b.backend().data(), hi_e) <= 0, "erf(" << x << ") lower end above the true value");
    BOOST_TEST(mpfr_cmp(up_b.backend().data(), hi_e) >= 0, "erf(" << x << ") upper end below the true value");
    mpfr_clears(hi_x, hi_e, static_cast<mpfr_ptr>(nullptr));
    BOOST_TEST(ref::relative_width(e) < 1e-75, "erf(" << x << ") = " << ref::to_string(e));
    ++checked;
  }
  BOOST_TEST(checked == 500);
  // Monotone: erf([-1/2, 3/4]) holds erf(-1/2) and erf(3/4), and is no wider than their span (+ rounding).
  const ref::Interval wide(ref::Interval::Raw(ref::BigFloat(-0.5), ref::BigFloat(0.75)));
  const ref::Interval w = spec::math::erf(wide);
  BOOST_TEST(boost::multiprecision::lower(w.raw()) <= std::erf(-0.5) + 1e-15);
  BOOST_TEST(boost::multiprecision::upper(w.raw()) >= std::erf(0.75) - 1e-15);
  BOOST_TEST(boost::multiprecision::lower(w.raw()) > -0.5206);  // erf(-1/2) = -0.52049...
  BOOST_TEST(boost::multiprecision::upper(w.raw()) < 0.7112);   // erf(3/4) = 0.71115...
  // Its derivative on duals is 2/sqrt(pi) exp(-x^2): at 0, 2/sqrt(pi).
  const auto d = spec::math::erf(ref::Dual<ref::Interval>{ref::Interval(0), ref::Interval(1)});
  BOOST_TEST(boost::multiprecision::abs(ref::BigFloat(boost::multiprecision::median(d.d.raw())) - 1.1283791670955126) < 1e-15);
  BOOST_TEST(ref::relative_width(d.d) < 1e-70);
}


BOOST_AUTO_TEST_CASE(planted_transcendental_bugs_are_unsound) {
  int detected = 0;
  detected += check<spec::mutants::SoftmaxNoSubtraction>({R({2, 4})}).verdict == Verdict::Unsound;
  detected += check<spec::mutants::TanhWrongSign>({R({2, 3})}).verdict == Verdict::Unsound;
  detected += check<spec::mutants::CrossEntropyNoMean>({R({3, 4}), targets({1, 1, 0})}).verdict == Verdict::Unsound;
  BOOST_TEST_MESSAGE(detected << " of 3 planted bugs detected");
  BOOST_TEST(detected == 3);
}

namespace {
// relu of exp(x) - exp(x): for a non-point enclosure of exp(x) the difference
// straddles 0, so relu's comparison is undecidable.
struct ReluOfDifference : spec::ops::Unary<ReluOfDifference> {
  static constexpr std::string_view name = "relu", math = "";
  static constexpr spec::Fragment fragment = spec::Fragment::Transcendental;
  template <class S> static S value(const S& x) { return spec::ops::Relu::value(S(spec::math::exp(x) - spec::math::exp(x))); }
  template <class S> static S grad(const S&, const S&, const S& g) { return g; }
};
}  // namespace

BOOST_AUTO_TEST_CASE(undecidable_comparisons_are_inconclusive_never_sound) {
  // relu at an input whose enclosure straddles 0 (x - x for an interval x
  // that is not a point) cannot be decided: the verdict must be inconclusive.
  BOOST_TEST(check<ReluOfDifference>({R({2})}).verdict == Verdict::Inconclusive);
}

namespace {
template <class Op>
ref::JacobianReport<Rational> exact_jacobian(std::vector<Dense<Rational>> xs, spec::AttrMap a = {}) {
  const auto rep = ref::full_jacobian<Op, Rational>(xs, a, out_shape<Op>(xs, a), Rational(0),
                                                    [](const Rational& p, const Rational& q) { return p == q; });
  BOOST_TEST_MESSAGE(Op::name << ": " << rep.entries << " entries, " << rep.mismatches << " mismatches " << rep.first_mismatch);
  return rep;
}
}  // namespace

BOOST_AUTO_TEST_CASE(full_jacobian_mode_is_exact_for_every_rational_op) {
  namespace o = spec::ops;
  std::int64_t entries = 0;
  auto ok = [&](const ref::JacobianReport<Rational>& r) {
    entries += r.entries;
    return r.mismatches == 0 && r.entries > 0;
  };
  BOOST_TEST(ok(exact_jacobian<o::Add>({R({2, 3}), R({3})})));
  BOOST_TEST(ok(exact_jacobian<o::Sub>({R({2, 1}), R({1, 3})})));
  BOOST_TEST(ok(exact_jacobian<o::Mul>({R({2, 3}), R({3})})));
  BOOST_TEST(ok(exact_jacobian<o::Div>({R({2, 3}), R({3})})));
  BOOST_TEST(ok(exact_jacobian<o::Maximum>({R({2, 3}), R({2, 3})})));
  BOOST_TEST(ok(exact_jacobian<o::Minimum>({R({2, 3}), R({3})})));
  BOOST_TEST(ok(exact_jacobian<o::Neg>({R({3})})));
  BOOST_TEST(ok(exact_jacobian<o::Square>({R({3})})));
  BOOST_TEST(ok(exact_jacobian<o::Relu>({R({4})})));
  BOOST_TEST(ok(exact_jacobian<o::Abs>({R({4})})));
  BOOST_TEST(ok(exact_jacobian<o::Clamp>({R({4})}, attrs({{"min", -0.7}, {"max", 0.9}}))));
  BOOST_TEST(ok(exact_jacobian<o::Matmul>({R({2, 2, 3}), R({3, 2})})));
  BOOST_TEST(ok(exact_jacobian<o::Linear>({R({3, 2}), R({2, 2}), R({2})})));
  BOOST_TEST(ok(exact_jacobian<o::Permute>({R({2, 3, 2})}, attrs({{"perm", spec::IntList{1, 2, 0}}}))));
  BOOST_TEST(ok(exact_jacobian<o::Transpose>({R({2, 3})})));
  BOOST_TEST(ok(exact_jacobian<o::Reshape>({R({2, 3})}, attrs({{"shape", spec::IntList{3, 2}}}))));
  BOOST_TEST(ok(exact_jacobian<o::BroadcastTo>({R({3, 1})}, attrs({{"shape", spec::IntList{2, 3, 2}}}))));
  BOOST_TEST(ok(exact_jacobian<o::Sum>({R({2, 3})}, attrs({{"axes", spec::IntList{1}}}))));
  BOOST_TEST(ok(exact_jacobian<o::Mean>({R({2, 3})})));
  BOOST_TEST(ok(exact_jacobian<o::Max>({R({2, 3})}, attrs({{"axis", std::int64_t{0}}}))));
  BOOST_TEST(ok(exact_jacobian<o::MseLoss>({R({2, 3}), R({2, 3})})));
  BOOST_TEST(ok(exact_jacobian<o::Dropout>({R({3, 4})}, attrs({{"p", 0.5}, {"seed", std::int64_t{9}}}))));
  BOOST_TEST_MESSAGE(entries << " Jacobian entries compared exactly");
}

BOOST_AUTO_TEST_CASE(full_jacobian_mode_with_intervals_for_transcendental_ops) {
  namespace o = spec::ops;
  ref::IntervalPrecision precision;
  auto to_i = [](const Dense<Rational>& d) {
    return ref::convert_dense<ref::Interval, Rational>(d, ref::Interval(0), &ref::to_interval);
  };
  auto run = [&]<class Op>(std::vector<Dense<Rational>> xs, spec::AttrMap a) {
    std::vector<Dense<ref::Interval>> xi;
    for (const auto& x : xs) xi.push_back(to_i(x));
    const auto rep = ref::full_jacobian<Op, ref::Interval>(xi, a, out_shape<Op>(xs, a), ref::Interval(0),
                                                           [](const ref::Interval& p, const ref::Interval& q) { return ref::overlap(p, q); });
    BOOST_TEST_MESSAGE(Op::name << ": " << rep.entries << " entries by intervals, " << rep.mismatches << " disjoint");
    return rep.mismatches == 0 && rep.entries > 0;
  };
  BOOST_TEST(run.operator()<o::Exp>({R({2, 2})}, {}));
  BOOST_TEST(run.operator()<o::Softmax>({R({2, 3})}, {}));
  BOOST_TEST(run.operator()<o::LogSoftmax>({R({2, 3})}, {}));
  BOOST_TEST(run.operator()<o::CrossEntropy>({R({2, 3}), targets({2, 0})}, {}));
  BOOST_TEST(!run.operator()<spec::mutants::SoftmaxNoSubtraction>({R({2, 3})}, {}));
}

// A bug in one Jacobian entry only: a random projection <g,Jv> can miss it
// when v or g is zero there; the full mode cannot.
BOOST_AUTO_TEST_CASE(full_jacobian_mode_finds_a_single_wrong_entry) {
  const auto rep = exact_jacobian<spec::mutants::AddWrongInOneEntry>({R({2, 3}), R({2, 3})});
  BOOST_TEST(rep.mismatches == 1);
  BOOST_TEST(rep.first_mismatch.find("d y[3] / d in0[3]") != std::string::npos, rep.first_mismatch);
}

// Non-smooth points: the VJP there must equal the documented convention
// exactly (PyTorch's), each as its own case.
BOOST_AUTO_TEST_CASE(conventions_at_non_smooth_points_hold_exactly) {
  namespace o = spec::ops;
  auto vjp = [](spec::OpId id, std::vector<Dense<Rational>> xs, Dense<Rational> g, spec::AttrMap a = {}) {
    std::vector<spec::TensorType> t;
    for (const auto& x : xs) t.push_back({spec::DType::f64, x.shape});
    const auto out = spec::infer_type(spec::op_info(id), t, a);
    std::vector<const Dense<Rational>*> in;
    for (const auto& x : xs) in.push_back(&x);
    Dense<Rational> y = Dense<Rational>::full(out.shape, Rational(0));
    spec::generic_forward<Rational>(id, in, a, y);
    std::vector<Dense<Rational>> dx;
    for (const auto& x : xs) dx.push_back(Dense<Rational>::full(x.shape, Rational(0)));
    std::vector<Dense<Rational>*> dp;
    for (auto& d : dx) dp.push_back(&d);
    spec::generic_vjp<Rational>(id, in, y, g, a, dp);
    return dx;
  };
  auto D = [](std::vector<Rational> v) {
    Dense<Rational> d = Dense<Rational>::full(Shape{static_cast<std::int64_t>(v.size())}, Rational(0));
    d.data = std::move(v);
    return d;
  };
  const Rational half(1, 2);
  BOOST_TEST(vjp(spec::op_id<o::Relu>, {D({0})}, D({1}))[0][0] == 0);  // relu'(0) = 0
  BOOST_TEST(vjp(spec::op_id<o::Abs>, {D({0})}, D({1}))[0][0] == 0);   // sgn(0) = 0
  const auto m = vjp(spec::op_id<o::Maximum>, {D({Rational(1, 3)}), D({Rational(1, 3)})}, D({1}));
  BOOST_TEST((m[0][0] == half && m[1][0] == half));  // ties split
  spec::AttrMap ax;
  ax.set("axis", std::int64_t{0});
  const auto mx = vjp(spec::op_id<o::Amax>, {D({2, 5, 5})}, Dense<Rational>::full(Shape{}, Rational(1)), ax);
  BOOST_TEST((mx[0][0] == 0 && mx[0][1] == half && mx[0][2] == half));  // amax: ties share
  const auto m1 = vjp(spec::op_id<o::Max>, {D({2, 5, 5})}, Dense<Rational>::full(Shape{}, Rational(1)), ax);
  BOOST_TEST((m1[0][0] == 0 && m1[0][1] == 1 && m1[0][2] == 0));  // max(x, dim): all to the first
  spec::AttrMap c;
  c.set("min", -0.5);
  c.set("max", 0.25);
  const auto cl = vjp(spec::op_id<o::Clamp>, {D({Rational(-1, 2), Rational(1, 4), Rational(1, 3)})}, D({1, 1, 1}), c);
  BOOST_TEST((cl[0][0] == 1 && cl[0][1] == 1 && cl[0][2] == 0));  // bounds pass the gradient
}
