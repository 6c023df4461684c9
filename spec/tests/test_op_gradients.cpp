#define BOOST_TEST_MODULE spec_op_gradients
#include <boost/test/unit_test.hpp>

#include "spec/tests/support.hpp"
#include "vt/spec/mutants.hpp"

// Every op's generic VJP against finite differences of its generic forward,
// over the full Jacobian, at points away from kinks and ties (those are
// conventions, tested in test_op_conventions.cpp). Central differences with
// h = 1e-6 in double have truncation + rounding error far below 1e-6 relative
// for these smooth, O(1)-scaled inputs; a wrong VJP errs by O(1).

using namespace vt::spec;
using namespace vt::spec::testing;

namespace {
constexpr double kTol = 1e-6;

std::mt19937& rng() {
  static std::mt19937 r(20261125);
  return r;
}
Dense<double> R(Shape s, double lo = -2, double hi = 2) { return random_dense(std::move(s), lo, hi, rng()); }
// Values with |x| in [0.2, 2]: away from the kinks of relu/abs at 0.
Dense<double> away_from_zero(Shape s) {
  Dense<double> d = R(std::move(s), 0.2, 2);
  for (std::size_t i = 0; i < d.data.size(); i += 2) d.data[i] = -d.data[i];
  return d;
}
AttrMap attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  AttrMap a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

template <class Op>
void expect_sound(std::vector<Dense<double>> xs, AttrMap a = {}) {
  const auto r = gradcheck<Op>(std::move(xs), std::move(a));
  BOOST_TEST(r.worst < kTol, r.where << " (relative error " << r.worst << ")");
}
}  // namespace

BOOST_AUTO_TEST_CASE(unary_ops) {
  expect_sound<ops::Neg>({R({2, 3})});
  expect_sound<ops::Square>({R({2, 3})});
  expect_sound<ops::Exp>({R({2, 3})});
  expect_sound<ops::Log>({R({2, 3}, 0.3, 3)});
  expect_sound<ops::Sqrt>({R({2, 3}, 0.3, 3)});
  expect_sound<ops::Tanh>({R({2, 3})});
  expect_sound<ops::Sigmoid>({R({2, 3})});
  expect_sound<ops::Relu>({away_from_zero({2, 3})});
  expect_sound<ops::Abs>({away_from_zero({2, 3})});
  expect_sound<ops::Clamp>({away_from_zero({3, 3})}, attrs({{"min", -0.1}, {"max", 0.1}}));
  expect_sound<ops::Clamp>({away_from_zero({3, 3})}, attrs({{"min", -1.0}}));
  expect_sound<ops::Log1p>({R({2, 3}, -0.7, 3)});
  expect_sound<ops::Expm1>({R({2, 3})});
  for (double e : {2.0, 3.0, -1.0, 0.5, 1.5, -0.5, 2.5}) expect_sound<ops::Pow>({R({2, 3}, 0.3, 3)}, attrs({{"exponent", e}}));
  expect_sound<ops::Pow>({away_from_zero({2, 3})}, attrs({{"exponent", 3.0}}));  // integer powers of negative bases
  expect_sound<ops::Pow>({R({2, 3}, 0.3, 3), R({3}, -2, 2)});                     // tensor powers, broadcast
  expect_sound<ops::Pow>({R({3}, 0.3, 3), R({2, 3}, -2, 2)});
}

BOOST_AUTO_TEST_CASE(binary_ops_with_broadcasting) {
  const std::vector<std::pair<Shape, Shape>> shapes = {{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{}, {2, 2}}};
  for (const auto& [sa, sb] : shapes) {
    expect_sound<ops::Add>({R(sa), R(sb)});
    expect_sound<ops::Sub>({R(sa), R(sb)});
    expect_sound<ops::Mul>({R(sa), R(sb)});
    expect_sound<ops::Div>({R(sa), R(sb, 0.5, 2)});
    expect_sound<ops::Maximum>({R(sa), R(sb)});
    expect_sound<ops::Minimum>({R(sa), R(sb)});
  }
}

BOOST_AUTO_TEST_CASE(matrix_ops) {
  expect_sound<ops::Matmul>({R({2, 3}), R({3, 4})});
  expect_sound<ops::Matmul>({R({2, 2, 3}), R({3, 2})});
  expect_sound<ops::Matmul>({R({1, 2, 3}), R({2, 3, 2})});
  expect_sound<ops::Linear>({R({4, 3}), R({2, 3}), R({2})});
  expect_sound<ops::Linear>({R({4, 3}), R({2, 3})});
  expect_sound<ops::Linear>({R({2, 2, 3}), R({2, 3}), R({2})});
}

BOOST_AUTO_TEST_CASE(layout_ops) {
  expect_sound<ops::Permute>({R({2, 3, 4})}, attrs({{"perm", IntList{2, 0, 1}}}));
  expect_sound<ops::Transpose>({R({2, 3})});
  expect_sound<ops::Transpose>({R({2, 3, 4})}, attrs({{"dim0", std::int64_t{0}}, {"dim1", std::int64_t{2}}}));
  expect_sound<ops::Reshape>({R({2, 3})}, attrs({{"shape", IntList{3, -1}}}));
  expect_sound<ops::BroadcastTo>({R({3})}, attrs({{"shape", IntList{2, 3}}}));
  expect_sound<ops::BroadcastTo>({R({2, 1})}, attrs({{"shape", IntList{2, 2, 3}}}));
}

BOOST_AUTO_TEST_CASE(reductions) {
  expect_sound<ops::Sum>({R({2, 3})});
  expect_sound<ops::Sum>({R({2, 3, 2})}, attrs({{"axes", IntList{0, 2}}}));
  expect_sound<ops::Sum>({R({2, 3})}, attrs({{"axes", IntList{-1}}, {"keepdim", true}}));
  expect_sound<ops::Mean>({R({2, 3})});
  expect_sound<ops::Mean>({R({2, 3, 2})}, attrs({{"axes", IntList{1}}}));
  expect_sound<ops::Max>({R({3, 4})}, attrs({{"axis", std::int64_t{1}}}));
  expect_sound<ops::Max>({R({3, 4})}, attrs({{"axis", std::int64_t{0}}, {"keepdim", true}}));
  expect_sound<ops::Max>({R({3, 4})});  // all axes
  expect_sound<ops::Min>({R({3, 4})}, attrs({{"axis", std::int64_t{-1}}}));
  expect_sound<ops::Min>({R({2, 3, 2})}, attrs({{"keepdim", true}}));
  expect_sound<ops::Amax>({R({3, 4})}, attrs({{"axis", std::int64_t{1}}}));
  expect_sound<ops::Amax>({R({3, 4})});
  expect_sound<ops::Amin>({R({3, 4})}, attrs({{"axis", std::int64_t{0}}}));
}

BOOST_AUTO_TEST_CASE(softmax_family_and_losses) {
  expect_sound<ops::Softmax>({R({2, 4})});
  expect_sound<ops::Softmax>({R({3, 2, 2})}, attrs({{"axis", std::int64_t{0}}}));
  expect_sound<ops::LogSoftmax>({R({2, 4})});
  expect_sound<ops::LogSoftmax>({R({2, 3, 2})}, attrs({{"axis", std::int64_t{1}}}));
  expect_sound<ops::MseLoss>({R({2, 3}), R({2, 3})});
  Dense<double> target = Dense<double>::full(Shape{3}, 0.0);
  target.data = {2, 0, 3};
  expect_sound<ops::CrossEntropy>({R({3, 4}), target});
}

BOOST_AUTO_TEST_CASE(layout_and_index_ops) {
  const auto I = [](Shape s, std::vector<double> v) {
    Dense<double> d = Dense<double>::full(std::move(s), 0.0);
    d.data = std::move(v);
    return d;
  };
  const auto axis = [](std::int64_t k) { return attrs({{"axis", k}}); };
  expect_sound<ops::Flatten>({R({2, 3, 4})});
  expect_sound<ops::Flatten>({R({2, 3, 4})}, attrs({{"start_dim", std::int64_t{0}}, {"end_dim", std::int64_t{-2}}}));
  expect_sound<ops::Concat>({R({2, 1}), R({2, 3}), R({2, 2})}, axis(1));
  expect_sound<ops::Concat>({R({1, 3}), R({2, 3})}, {});
  expect_sound<ops::Narrow>({R({3, 4, 2})}, attrs({{"axis", std::int64_t{1}}, {"start", std::int64_t{1}}, {"length", std::int64_t{2}}}));
  // repeated indices: gradients accumulate
  expect_sound<ops::GatherOp>({R({3, 4}), I({2, 4}, {2, 0, 1, 1, 0, 0, 2, 1})}, axis(0));
  expect_sound<ops::GatherOp>({R({3, 4}), I({2, 5}, {3, 3, 0, 1, 2, 0, 0, 0, 3, 1})}, axis(-1));
  expect_sound<ops::ScatterAdd>({R({3, 2}), I({2, 2}, {2, 0, 2, 2}), R({3, 2})}, axis(0));
  expect_sound<ops::ScatterAdd>({R({2, 4}), I({2, 3}, {3, 3, 0, 1, 1, 1}), R({2, 3})}, axis(1));
  expect_sound<ops::Embedding>({R({4, 3}), I({2, 3}, {3, 0, 3, 1, 1, 2})});
  expect_sound<ops::Embedding>({R({4, 3}), I({}, {2})});
}

BOOST_AUTO_TEST_CASE(normalization) {
  const auto ns = [](IntList v) { return attrs({{"normalized_shape", v}}); };
  expect_sound<ops::LayerNorm>({R({2, 4})}, ns({4}));
  expect_sound<ops::LayerNorm>({R({3, 2, 3})}, ns({2, 3}));
  expect_sound<ops::LayerNorm>({R({2, 4}), R({4}), R({4})}, ns({4}));
  expect_sound<ops::LayerNorm>({R({2, 3}), R({3})}, attrs({{"normalized_shape", IntList{3}}, {"eps", 0.25}}));
  const Dense<double> rv = R({3}, 0.3, 2);
  expect_sound<ops::BatchNorm>({R({2, 3, 2}), R({3}), R({3}), R({3}), rv}, attrs({{"training", true}}));
  expect_sound<ops::BatchNorm>({R({4, 3}), R({3}), R({3}), R({3}), rv}, attrs({{"training", true}}));
  expect_sound<ops::BatchNorm>({R({2, 3, 2}), R({3}), R({3}), R({3}), rv}, attrs({{"training", false}}));
}

// ---- The check must be able to fail: planted bugs (spec/mutants.hpp). ----

BOOST_AUTO_TEST_CASE(activations) {
  expect_sound<ops::Softplus>({R({2, 3})});
  expect_sound<ops::Softplus>({R({2, 3}, -4, 4)}, attrs({{"beta", 0.7}, {"threshold", 50.0}}));
  // beta x away from the threshold switch at 1 (a convention, not a derivative).
  Dense<double> sx = away_from_zero({2, 3});
  for (double& v : sx.data) v = v > 0 ? v + 0.6 : v;  // beta x in [-4, -0.4] or [1.6, 5.2]
  expect_sound<ops::Softplus>({sx}, attrs({{"beta", 2.0}, {"threshold", 1.0}}));
  expect_sound<ops::Gelu>({R({2, 3}, -3, 3)});
  expect_sound<ops::Gelu>({R({2, 3}, -3, 3)}, attrs({{"approximate", std::string("tanh")}}));
  expect_sound<ops::Silu>({R({2, 3}, -4, 4)});
  expect_sound<ops::LogSigmoid>({R({2, 3}, -4, 4)});
  expect_sound<ops::Dropout>({R({4, 5})}, attrs({{"p", 0.3}, {"seed", std::int64_t{5}}}));
  expect_sound<ops::Dropout>({R({4, 5})}, attrs({{"p", 0.3}, {"training", false}}));
}

BOOST_AUTO_TEST_CASE(planted_bugs_are_detected) {
  int detected = 0, planted = 0;
  auto expect_caught = [&](const GradcheckResult& r, const char* what) {
    ++planted;
    const bool caught = r.worst > kTol;
    detected += caught;
    BOOST_TEST(caught, "planted bug not detected: " << what);
  };
  expect_caught(gradcheck<mutants::NegSameSign>({R({2, 3})}, {}), "wrong sign in neg");
  expect_caught(gradcheck<mutants::ReluLeaky>({away_from_zero({2, 3})}, {}), "relu gradient at x<0");
  expect_caught(gradcheck<mutants::MeanWrongCount>({R({2, 3})}, attrs({{"axes", IntList{1}}})), "mean count");
  expect_caught(gradcheck<mutants::MatmulNoTranspose>({R({2, 3}), R({3, 3})}, {}), "matmul transpose");
  expect_caught(gradcheck<mutants::SoftmaxNoSubtraction>({R({2, 4})}, {}), "softmax backward subtraction term");
  expect_caught(gradcheck<mutants::AddNoReduce>({R({2, 3}), R({3})}, {}), "broadcast reduction");
  expect_caught(gradcheck<mutants::LayerNormDropsMeanTerm>({R({2, 4})}, attrs({{"normalized_shape", IntList{4}}})),
                "layer_norm backward mean-of-g term");
  BOOST_TEST_MESSAGE(detected << " of " << planted << " planted bugs detected");
  BOOST_TEST(detected == planted);
}
