#define BOOST_TEST_MODULE reference_rational_soundness
#include <boost/test/unit_test.hpp>

#include <random>

#include "vt/reference/rational.hpp"
#include "vt/reference/soundness.hpp"
#include "vt/spec/mutants.hpp"
#include "reference/tests/support.hpp"

// Exact per-node soundness of the rational fragment: < g, J v > computed by
// running each op's forward on dual rationals equals < VJP(g), v > from its
// hand-written rule, with no tolerance. Inputs are distinct, nonzero small
// rationals away from every kink and tie (those are conventions, tested in
// spec/tests/test_op_conventions.cpp).

using namespace vt;
using ref::Rational;
using spec::Dense;
using spec::Shape;
using namespace vt::ref::testing;

namespace {
std::mt19937 rng(11);

// Distinct nonzero rationals: odd numerator over 1..5, plus a per-element offset.
Dense<Rational> R(Shape s, int salt = 0) {
  std::uniform_int_distribution<int> num(-20, 20), den(1, 5);
  Dense<Rational> d = Dense<Rational>::full(std::move(s), Rational(0));
  for (std::int64_t k = 0; k < d.numel(); ++k) d[k] = Rational(2 * num(rng) + 1, den(rng)) + Rational(k + 1, 997) + Rational(salt, 101);
  return d;
}
template <class Op>
bool sound(std::vector<Dense<Rational>> xs, spec::AttrMap a = {}) {
  std::vector<Dense<Rational>> vs;
  for (std::size_t i = 0; i < xs.size(); ++i) vs.push_back(R(xs[i].shape, 50 + static_cast<int>(i)));
  const Dense<Rational> g = R(out_shape<Op>(xs, a), 99);
  const auto s = ref::soundness_sides<Op>(xs, vs, g, a);
  BOOST_TEST_MESSAGE(Op::name << ": <g,Jv> = " << s.jvp_side << ", <VJP g,v> = " << s.vjp_side);
  // 0 == 0 would prove nothing: the inputs must exercise the derivative.
  BOOST_TEST(s.jvp_side != 0, Op::name << ": degenerate check, <g,Jv> = 0");
  return s.jvp_side == s.vjp_side;
}
}  // namespace

BOOST_AUTO_TEST_CASE(elementwise_ops_are_exactly_sound) {
  namespace o = spec::ops;
  BOOST_TEST(sound<o::Neg>({R({2, 3})}));
  BOOST_TEST(sound<o::Square>({R({2, 3})}));
  BOOST_TEST(sound<o::Relu>({R({2, 3})}));
  BOOST_TEST(sound<o::Abs>({R({2, 3})}));
  BOOST_TEST(sound<o::Clamp>({R({3, 3})}, attrs({{"min", -2.6}, {"max", 3.3}})));
  BOOST_TEST(sound<o::Dropout>({R({4, 5})}, attrs({{"p", 0.3}, {"seed", std::int64_t{3}}})));  // p = 0.3 as a double, exactly
  BOOST_TEST(sound<o::Dropout>({R({4, 5})}, attrs({{"p", 0.3}, {"training", false}})));
  for (const auto& [sa, sb] : std::vector<std::pair<Shape, Shape>>{{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}}) {
    BOOST_TEST(sound<o::Add>({R(sa), R(sb, 1)}));
    BOOST_TEST(sound<o::Sub>({R(sa), R(sb, 1)}));
    BOOST_TEST(sound<o::Mul>({R(sa), R(sb, 1)}));
    BOOST_TEST(sound<o::Div>({R(sa), R(sb, 1)}));
    BOOST_TEST(sound<o::Maximum>({R(sa), R(sb, 1)}));
    BOOST_TEST(sound<o::Minimum>({R(sa), R(sb, 1)}));
  }
}

BOOST_AUTO_TEST_CASE(matrix_layout_reduction_and_loss_ops_are_exactly_sound) {
  namespace o = spec::ops;
  BOOST_TEST(sound<o::Matmul>({R({2, 3}), R({3, 4}, 1)}));
  BOOST_TEST(sound<o::Matmul>({R({2, 2, 3}), R({3, 2}, 1)}));
  BOOST_TEST(sound<o::Linear>({R({4, 3}), R({2, 3}, 1), R({2}, 2)}));
  BOOST_TEST(sound<o::Permute>({R({2, 3, 4})}, attrs({{"perm", spec::IntList{2, 0, 1}}})));
  BOOST_TEST(sound<o::Transpose>({R({2, 3})}));
  BOOST_TEST(sound<o::Reshape>({R({2, 3})}, attrs({{"shape", spec::IntList{3, -1}}})));
  BOOST_TEST(sound<o::BroadcastTo>({R({2, 1})}, attrs({{"shape", spec::IntList{2, 2, 3}}})));
  BOOST_TEST(sound<o::Sum>({R({2, 3, 2})}, attrs({{"axes", spec::IntList{0, 2}}})));
  BOOST_TEST(sound<o::Mean>({R({2, 3})}));
  BOOST_TEST(sound<o::Mean>({R({2, 3, 2})}, attrs({{"axes", spec::IntList{1}}, {"keepdim", true}})));
  BOOST_TEST(sound<o::Max>({R({3, 4})}, attrs({{"axis", std::int64_t{1}}})));
  BOOST_TEST(sound<o::MseLoss>({R({2, 3}), R({2, 3}, 1)}));
}

BOOST_AUTO_TEST_CASE(layout_and_index_ops_are_exactly_sound) {
  namespace o = spec::ops;
  const auto I = [](Shape s, std::vector<int> v) {
    Dense<Rational> d = Dense<Rational>::full(std::move(s), Rational(0));
    for (std::size_t k = 0; k < v.size(); ++k) d.data[k] = Rational(v[k]);
    return d;
  };
  const auto axis = [](std::int64_t k) { return attrs({{"axis", k}}); };
  BOOST_TEST(sound<o::Flatten>({R({2, 3, 2})}, attrs({{"start_dim", std::int64_t{0}}, {"end_dim", std::int64_t{1}}})));
  BOOST_TEST(sound<o::Concat>({R({2, 1}), R({2, 3}, 1), R({2, 1}, 2)}, axis(-1)));
  BOOST_TEST(sound<o::Narrow>({R({3, 4})}, attrs({{"axis", std::int64_t{0}}, {"start", std::int64_t{1}}, {"length", std::int64_t{2}}})));
  BOOST_TEST(sound<o::GatherOp>({R({3, 4}), I({2, 4}, {2, 0, 2, 1, 0, 0, 1, 1})}, axis(0)));
  BOOST_TEST(sound<o::ScatterAdd>({R({3, 2}), I({2, 2}, {1, 1, 0, 1}), R({2, 3}, 1)}, axis(0)));
  BOOST_TEST(sound<o::Embedding>({R({4, 3}), I({2, 2}, {3, 0, 3, 2})}));
}

BOOST_AUTO_TEST_CASE(transcendental_ops_are_refused_over_rationals) {
  Dense<Rational> x = R({2}), y = Dense<Rational>::full(Shape{2}, Rational(0));
  const Dense<Rational>* in[] = {&x};
  BOOST_CHECK_THROW(spec::generic_forward<Rational>(spec::op_id<spec::ops::Exp>, in, {}, y), spec::DomainError);
}

BOOST_AUTO_TEST_CASE(rationals_round_to_nearest_float_with_the_direction_reported) {
  const auto third = ref::round_to(Rational(1, 3), false);
  BOOST_TEST(third.value == 1.0 / 3.0);
  BOOST_TEST(third.direction == (ref::exact(1.0 / 3.0) > Rational(1, 3) ? 1 : -1));
  BOOST_TEST(ref::round_to(ref::exact(0.1), false).value == 0.1);
  BOOST_TEST(ref::round_to(ref::exact(0.1), false).direction == 0);
  const auto f = ref::round_to(ref::exact(0.1), true);  // 0.1 (double) to float: 0.1f, rounded up
  BOOST_TEST(f.value == static_cast<double>(0.1f));
  BOOST_TEST(f.direction == 1);
  // Ties go to even: 1 + 2^-24 lies halfway between 1 and 1 + 2^-23 in float32.
  BOOST_TEST(ref::round_to(Rational(1) + Rational(1, 1 << 24), true).value == 1.0);
  BOOST_TEST(ref::round_to(Rational(1) + Rational(3, 1 << 24), true).value == 1.0 + 0x1p-22);
  // Subnormals keep their reduced precision; overflow gives infinity.
  BOOST_TEST(ref::round_to(ref::exact(0x1p-149) * Rational(3, 2), true).value == 0x1p-148);
  BOOST_TEST(std::isinf(ref::round_to(ref::exact(0x1p127) * 4, true).value));
  BOOST_TEST(ref::round_to(ref::exact(0x1p127) * 4, true).direction == 1);
}

BOOST_AUTO_TEST_CASE(float_values_convert_exactly) {
  BOOST_TEST(ref::exact(0.1) != Rational(1, 10));  // 0.1 is not a dyadic rational
  BOOST_TEST(ref::exact(0.1) == Rational(3602879701896397, std::int64_t{1} << 55));
  BOOST_TEST(ref::exact(-0.375) == Rational(-3, 8));
  BOOST_CHECK_THROW(ref::exact(std::numeric_limits<double>::infinity()), spec::DomainError);
}


BOOST_AUTO_TEST_CASE(planted_bugs_fail_the_exact_check) {
  namespace m = spec::mutants;
  int detected = 0;
  detected += !sound<m::NegSameSign>({R({2, 3})});
  detected += !sound<m::MatmulNoTranspose>({R({2, 3}), R({3, 3}, 1)});
  detected += !sound<m::AddNoReduce>({R({2, 3}), R({3}, 1)});
  detected += !sound<m::MeanWrongCount>({R({2, 3})}, attrs({{"axes", spec::IntList{1}}}));
  // Negative inputs for certain, so a leaking relu gradient is exercised.
  Dense<Rational> mixed = R({2, 3});
  for (std::int64_t k = 0; k < mixed.numel(); ++k) mixed[k] = (k % 2 ? -1 : 1) * boost::multiprecision::abs(mixed[k]);
  detected += !sound<m::ReluLeaky>({mixed});
  BOOST_TEST_MESSAGE(detected << " of 5 planted bugs detected");
  BOOST_TEST(detected == 5);
}
