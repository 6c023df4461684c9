#define BOOST_TEST_MODULE spec_op_conventions
#include <boost/test/unit_test.hpp>

#include <limits>

#include "spec/tests/support.hpp"

// Hand-checked forward values and the documented conventions at non-smooth
// points (PyTorch's), each as its own case.

using namespace vt::spec;
using namespace vt::spec::testing;

namespace {
template <class Op>
std::vector<double> fwd(std::vector<Dense<double>> xs, AttrMap a = {}) {
  return run_forward<Op>(xs, a).data;
}
}  // namespace

BOOST_AUTO_TEST_CASE(relu_and_abs_have_zero_gradient_at_zero) {
  const auto g = D({3}, {1, 1, 1});
  BOOST_TEST(vjp_of<ops::Relu>({D({3}, {-1, 0, 2})}, g)[0].data == (std::vector<double>{0, 0, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(vjp_of<ops::Abs>({D({3}, {-1, 0, 2})}, g)[0].data == (std::vector<double>{-1, 0, 1}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(clamp_passes_gradient_at_its_bounds) {
  AttrMap a;
  a.set("min", -1.0);
  a.set("max", 1.0);
  BOOST_TEST(fwd<ops::Clamp>({D({4}, {-2, -1, 1, 3})}, a) == (std::vector<double>{-1, -1, 1, 1}),
             boost::test_tools::per_element());
  const auto dx = vjp_of<ops::Clamp>({D({4}, {-2, -1, 1, 3})}, D({4}, {1, 1, 1, 1}), a);
  BOOST_TEST(dx[0].data == (std::vector<double>{0, 1, 1, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(maximum_and_minimum_split_ties_evenly) {
  const auto g = D({2}, {1, 1});
  const auto dmax = vjp_of<ops::Maximum>({D({2}, {3, 1}), D({2}, {3, 2})}, g);
  BOOST_TEST(dmax[0].data == (std::vector<double>{0.5, 0}), boost::test_tools::per_element());
  BOOST_TEST(dmax[1].data == (std::vector<double>{0.5, 1}), boost::test_tools::per_element());
  const auto dmin = vjp_of<ops::Minimum>({D({2}, {3, 1}), D({2}, {3, 2})}, g);
  BOOST_TEST(dmin[0].data == (std::vector<double>{0.5, 1}), boost::test_tools::per_element());
  BOOST_TEST(dmin[1].data == (std::vector<double>{0.5, 0}), boost::test_tools::per_element());
}

// torch.amax(x, 1) and torch.max(x, 1) agree on values; on a tie amax
// shares the gradient and max sends it all to argmax's (first) index.
// torch 1.13: x = [[1, 5, 5], [7, 2, 3]]:
//   amax(x, 1).sum().backward() -> [[0, .5, .5], [1, 0, 0]]
//   max(x, 1).values.sum().backward() -> [[0, 1, 0], [1, 0, 0]]; argmax(x, 1) = [1, 0]
BOOST_AUTO_TEST_CASE(amax_shares_ties_and_max_over_an_axis_sends_all_to_the_first) {
  AttrMap a;
  a.set("axis", std::int64_t{1});
  const auto x = D({2, 3}, {1, 5, 5, 7, 2, 3});
  BOOST_TEST(fwd<ops::Amax>({x}, a) == (std::vector<double>{5, 7}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Max>({x}, a) == (std::vector<double>{5, 7}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Argmax>({x}, a) == (std::vector<double>{1, 0}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Argmin>({x}, a) == (std::vector<double>{0, 1}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Min>({x}, a) == (std::vector<double>{1, 2}), boost::test_tools::per_element());
  const auto g = D({2}, {1, 1});
  BOOST_TEST(vjp_of<ops::Amax>({x}, g, a)[0].data == (std::vector<double>{0, 0.5, 0.5, 1, 0, 0}), boost::test_tools::per_element());
  BOOST_TEST(vjp_of<ops::Max>({x}, g, a)[0].data == (std::vector<double>{0, 1, 0, 1, 0, 0}), boost::test_tools::per_element());
  // Over all axes (no axis): torch.max(x) shares ties, as amax does.
  const auto y = D({2, 2}, {4, 1, 4, 0});
  BOOST_TEST(fwd<ops::Max>({y}) == (std::vector<double>{4}), boost::test_tools::per_element());
  BOOST_TEST(vjp_of<ops::Max>({y}, D({}, {1}))[0].data == (std::vector<double>{0.5, 0, 0.5, 0}), boost::test_tools::per_element());
  BOOST_TEST(vjp_of<ops::Min>({y}, D({}, {1}))[0].data == (std::vector<double>{0, 0, 0, 1}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Argmax>({y}) == (std::vector<double>{0}), boost::test_tools::per_element());  // flattened index
  BOOST_TEST(fwd<ops::Argmin>({y}) == (std::vector<double>{3}), boost::test_tools::per_element());
  // keepdim keeps the reduced axis as 1; a negative axis counts from the end.
  AttrMap k;
  k.set("axis", std::int64_t{-2});
  k.set("keepdim", true);
  TensorType t{DType::f32, Shape{2, 3}};
  BOOST_TEST(to_string(infer_type(*find_op("argmax"), std::span(&t, 1), k)) == "i64[1, 3]");
  BOOST_TEST(fwd<ops::Argmax>({x}, k) == (std::vector<double>{1, 0, 0}), boost::test_tools::per_element());
  // A NaN wins (its first occurrence), as in torch.
  const double nan = std::nan("");
  const auto z = D({1, 3}, {1, nan, nan});
  BOOST_TEST(fwd<ops::Argmax>({z}, a)[0] == 1);
  BOOST_TEST(fwd<ops::Argmin>({z}, a)[0] == 1);
  BOOST_TEST(std::isnan(fwd<ops::Max>({z}, a)[0]));
  BOOST_TEST(vjp_of<ops::Max>({z}, D({1}, {1}), a)[0].data == (std::vector<double>{0, 1, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mse_loss_is_the_mean_over_all_elements) {
  // ((1-0)^2 + (2-0)^2 + (3-1)^2 + (4-4)^2) / 4 = 9/4
  const auto x = D({2, 2}, {1, 2, 3, 4}), t = D({2, 2}, {0, 0, 1, 4});
  BOOST_TEST(fwd<ops::MseLoss>({x, t})[0] == 2.25);
  const auto dx = vjp_of<ops::MseLoss>({x, t}, D({}, {1}));
  // 2 (x - t) / N
  BOOST_TEST(dx[0].data == (std::vector<double>{0.5, 1, 1, 0}), boost::test_tools::per_element());
  BOOST_TEST(dx[1].data == (std::vector<double>{-0.5, -1, -1, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cross_entropy_matches_the_closed_form) {
  // Row 0: logits (0, 0), target 1 -> log 2. Row 1: (ln 3, 0), target 0 -> log(4/3).
  const auto x = D({2, 2}, {0, 0, std::log(3.0), 0}), t = D({2}, {1, 0});
  BOOST_TEST(fwd<ops::CrossEntropy>({x, t})[0] == (std::log(2.0) + std::log(4.0 / 3.0)) / 2,
             boost::test_tools::tolerance(1e-15));
  const auto dx = vjp_of<ops::CrossEntropy>({x, t}, D({}, {1}));
  // (softmax - onehot) / N
  const std::vector<double> want{0.25, -0.25, (0.75 - 1) / 2, 0.125};
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(dx[0].data[i] == want[i], boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(cross_entropy_rejects_bad_targets_by_name) {
  const auto x = D({2, 3}, {0, 0, 0, 0, 0, 0});
  try {
    fwd<ops::CrossEntropy>({x, D({2}, {1, 3})});
    BOOST_FAIL("expected DomainError");
  } catch (const DomainError& e) {
    BOOST_TEST(std::string(e.what()).find("target[1]") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("got 3") != std::string::npos);
  }
  BOOST_CHECK_THROW(fwd<ops::CrossEntropy>({x, D({2}, {0.5, 1})}), DomainError);
}

BOOST_AUTO_TEST_CASE(softmax_and_matmul_values) {
  const auto s = fwd<ops::Softmax>({D({3}, {0, std::log(2.0), std::log(5.0)})});
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(s[i] == (std::vector<double>{0.125, 0.25, 0.625})[i], boost::test_tools::tolerance(1e-15));
  const auto ls = fwd<ops::LogSoftmax>({D({2}, {1000, 1000})});  // shifted: no overflow
  BOOST_TEST(ls[0] == -std::log(2.0), boost::test_tools::tolerance(1e-15));
  const auto m = fwd<ops::Matmul>({D({2, 2}, {1, 2, 3, 4}), D({2, 1}, {5, 6})});
  BOOST_TEST(m == (std::vector<double>{17, 39}), boost::test_tools::per_element());
  const auto l = fwd<ops::Linear>({D({1, 2}, {1, 2}), D({2, 2}, {1, 0, 1, 1}), D({2}, {10, 20})});
  BOOST_TEST(l == (std::vector<double>{11, 23}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mean_and_sum_over_axes) {
  AttrMap a;
  a.set("axes", IntList{0});
  const auto x = D({2, 3}, {1, 2, 3, 4, 5, 6});
  BOOST_TEST(fwd<ops::Sum>({x}, a) == (std::vector<double>{5, 7, 9}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Mean>({x}, a) == (std::vector<double>{2.5, 3.5, 4.5}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Mean>({x}) == (std::vector<double>{3.5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(shape_rules_reject_bad_applications_with_clear_messages) {
  AttrMap none;
  auto expect_error = [](auto f, const std::string& needle) {
    try {
      f();
      BOOST_FAIL("expected ShapeError containing: " << needle);
    } catch (const ShapeError& e) {
      BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  const TensorType a{DType::f32, Shape{2, 3}}, b{DType::f32, Shape{4, 5}}, d{DType::f64, Shape{2, 3}};
  expect_error([&] { AttrMap m; const TensorType in[] = {a, b}; infer_type(*find_op("matmul"), in, m); },
               "matmul(f32[2, 3], f32[4, 5]): matmul inner dimensions differ");
  expect_error([&] { AttrMap m; const TensorType in[] = {a, d}; infer_type(*find_op("add"), in, m); }, "dtype mismatch");
  expect_error([&] { AttrMap m; const TensorType in[] = {a}; infer_type(*find_op("add"), in, m); }, "takes 2 inputs, got 1");
  expect_error([&] { AttrMap m; m.set("axis", 2.5); const TensorType in[] = {a}; infer_type(*find_op("softmax"), in, m); },
               "attribute 'axis' must be int, got float");
  expect_error([&] { AttrMap m; m.set("bogus", true); const TensorType in[] = {a}; infer_type(*find_op("relu"), in, m); },
               "unknown attribute 'bogus'");
  expect_error([&] { AttrMap m; m.set("shape", IntList{4, -1}); const TensorType in[] = {a}; infer_type(*find_op("reshape"), in, m); },
               "cannot infer -1");
  expect_error([&] { AttrMap m; m.set("axis", std::int64_t{2}); const TensorType in[] = {a}; infer_type(*find_op("max"), in, m); },
               "axis 2 out of range");
  expect_error([&] { AttrMap m; const TensorType in[] = {{DType::f32, Shape{0, 3}}}; infer_type(*find_op("argmax"), in, m); },
               "argmax over an empty axis");
}

BOOST_AUTO_TEST_CASE(nan_propagates_through_relu_maximum_minimum_and_max_like_pytorch) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  BOOST_TEST(std::isnan(fwd<ops::Relu>({D({1}, {nan})})[0]));
  BOOST_TEST(!std::signbit(fwd<ops::Relu>({D({1}, {-0.0})})[0]));  // threshold: -0 -> +0
  const auto mx = fwd<ops::Maximum>({D({2}, {nan, 1}), D({2}, {1, nan})});
  BOOST_TEST((std::isnan(mx[0]) && std::isnan(mx[1])));
  const auto mn = fwd<ops::Minimum>({D({2}, {nan, 1}), D({2}, {1, nan})});
  BOOST_TEST((std::isnan(mn[0]) && std::isnan(mn[1])));
  AttrMap a;
  a.set("axis", std::int64_t{0});
  BOOST_TEST(std::isnan(fwd<ops::Max>({D({3}, {1, nan, 2})}, a)[0]));
  BOOST_TEST(std::isnan(fwd<ops::Max>({D({3}, {nan, 1, 2})}, a)[0]));
}

BOOST_AUTO_TEST_CASE(nan_inputs_get_pytorchs_gradients_in_relu_and_clamp) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // threshold_backward passes g at NaN; clamp's (x >= min) & (x <= max) gives 0.
  BOOST_TEST(vjp_of<ops::Relu>({D({1}, {nan})}, D({1}, {1}))[0][0] == 1);
  AttrMap a;
  a.set("min", -1.0);
  BOOST_TEST(vjp_of<ops::Clamp>({D({1}, {nan})}, D({1}, {1}), a)[0][0] == 0);
  // A class index of 1e300 or NaN is rejected, not cast (undefined behaviour).
  BOOST_CHECK_THROW(fwd<ops::CrossEntropy>({D({1, 2}, {0, 0}), D({1}, {1e300})}), DomainError);
  BOOST_CHECK_THROW(fwd<ops::CrossEntropy>({D({1, 2}, {0, 0}), D({1}, {nan})}), DomainError);
}

BOOST_AUTO_TEST_CASE(sigmoid_keeps_subnormal_results_far_below_zero) {
  // Found by the property suites: 1/(1+exp(100)) overflowed exp to inf in
  // float32 and returned 0; the true value 3.7e-44 is an f32 subnormal.
  // PyTorch returns 3.7835e-44 here.
  const float y = ops::Sigmoid::value(-100.0f);
  BOOST_TEST(y > 0.0f);
  BOOST_TEST(y == std::exp(-100.0f));  // e/(1+e) with e subnormal is e
  BOOST_TEST(ops::Sigmoid::value(-700.0) == std::exp(-700.0) / (1.0 + std::exp(-700.0)));  // f64, near its overflow
  BOOST_TEST(ops::Sigmoid::value(100.0f) == 1.0f);
  BOOST_TEST(ops::Sigmoid::value(0.0f) == 0.5f);
}

// ---- layout and indexing ops (expected values computed with torch 1.13)

namespace {
AttrMap ints(std::initializer_list<std::pair<const char*, std::int64_t>> kv) {
  AttrMap a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}
Dense<double> iota(Shape s, double from = 0) {
  Dense<double> d = Dense<double>::full(std::move(s), 0.0);
  for (std::size_t i = 0; i < d.data.size(); ++i) d.data[i] = from + static_cast<double>(i);
  return d;
}
Shape out_shape(std::string_view op, std::vector<TensorType> in, AttrMap a) { return infer_type(*find_op(op), in, a).shape; }
template <class Op>
std::string domain_error(std::vector<Dense<double>> xs, AttrMap a) {
  try {
    fwd<Op>(std::move(xs), std::move(a));
  } catch (const DomainError& e) {
    return e.what();
  }
  return "no error";
}
const TensorType f64(Shape s) { return TensorType{DType::f64, std::move(s)}; }
const TensorType i64(Shape s) { return TensorType{DType::i64, std::move(s)}; }
}  // namespace

BOOST_AUTO_TEST_CASE(flatten_follows_torch_flatten) {
  BOOST_TEST(out_shape("flatten", {f64({2, 3, 4})}, {}) == (Shape{2, 12}));
  BOOST_TEST(out_shape("flatten", {f64({2, 3, 4})}, ints({{"start_dim", 0}, {"end_dim", 1}})) == (Shape{6, 4}));
  BOOST_TEST(out_shape("flatten", {f64({2, 3, 4})}, ints({{"start_dim", -3}, {"end_dim", -2}})) == (Shape{6, 4}));
  BOOST_TEST(out_shape("flatten", {f64({})}, ints({{"start_dim", 0}})) == (Shape{1}));
  BOOST_TEST(out_shape("flatten", {f64({5})}, ints({{"start_dim", 0}})) == (Shape{5}));
  const auto x = iota({2, 3, 4});
  BOOST_TEST(fwd<ops::Flatten>({x}) == x.data, boost::test_tools::per_element());
  const auto dx = vjp_of<ops::Flatten>({x}, iota({2, 12}, 1));
  BOOST_TEST(dx[0].data == iota({2, 3, 4}, 1).data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(concat_follows_torch_cat) {
  const auto a = D({2, 1}, {1, 2}), b = D({2, 2}, {3, 4, 5, 6});
  BOOST_TEST(fwd<ops::Concat>({a, b}, ints({{"axis", 1}})) == (std::vector<double>{1, 3, 4, 2, 5, 6}), boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Concat>({a, b}, ints({{"axis", -1}})) == (std::vector<double>{1, 3, 4, 2, 5, 6}), boost::test_tools::per_element());
  const auto dx = vjp_of<ops::Concat>({a, b}, D({2, 3}, {10, 20, 30, 40, 50, 60}), ints({{"axis", 1}}));
  BOOST_TEST(dx[0].data == (std::vector<double>{10, 40}), boost::test_tools::per_element());
  BOOST_TEST(dx[1].data == (std::vector<double>{20, 30, 50, 60}), boost::test_tools::per_element());
  // default axis 0, one input, and the maximum of 8 inputs
  BOOST_TEST(out_shape("concat", {f64({2, 3}), f64({1, 3})}, {}) == (Shape{3, 3}));
  BOOST_TEST(out_shape("concat", {f64({2, 3})}, {}) == (Shape{2, 3}));
  BOOST_TEST(out_shape("concat", std::vector<TensorType>(8, f64({1, 2})), {}) == (Shape{8, 2}));
}

BOOST_AUTO_TEST_CASE(narrow_follows_torch_narrow) {
  const auto x = iota({3, 4});
  const AttrMap a = ints({{"axis", 1}, {"start", -3}, {"length", 2}});
  BOOST_TEST(fwd<ops::Narrow>({x}, a) == (std::vector<double>{1, 2, 5, 6, 9, 10}), boost::test_tools::per_element());
  const auto dx = vjp_of<ops::Narrow>({x}, D({3, 2}, {1, 2, 3, 4, 5, 6}), a);
  BOOST_TEST(dx[0].data == (std::vector<double>{0, 1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0}), boost::test_tools::per_element());
  BOOST_TEST(out_shape("narrow", {f64({3, 4})}, ints({{"axis", 0}, {"start", 3}, {"length", 0}})) == (Shape{0, 4}));
}

BOOST_AUTO_TEST_CASE(gather_follows_torch_gather_and_accumulates_repeats) {
  const auto x = D({2, 2}, {1, 2, 3, 4}), index = D({2, 2}, {0, 0, 1, 0});
  BOOST_TEST(fwd<ops::GatherOp>({x, index}, ints({{"axis", 1}})) == (std::vector<double>{1, 1, 4, 3}), boost::test_tools::per_element());
  const auto dx = vjp_of<ops::GatherOp>({x, index}, D({2, 2}, {1, 1, 1, 1}), ints({{"axis", 1}}));
  BOOST_TEST(dx[0].data == (std::vector<double>{2, 0, 1, 1}), boost::test_tools::per_element());
  // index smaller than x off the axis
  BOOST_TEST(fwd<ops::GatherOp>({iota({3, 2}), D({1, 2}, {2, 0})}, ints({{"axis", 0}})) == (std::vector<double>{4, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(out_shape("gather", {f64({3, 2}), i64({5, 1})}, ints({{"axis", 0}})) == (Shape{5, 1}));
}

BOOST_AUTO_TEST_CASE(scatter_add_follows_torch_and_its_vjp_is_a_gather) {
  const auto x = iota({2, 3}), index = D({1, 3}, {0, 1, 0}), src = D({2, 3}, {10, 11, 12, 13, 14, 15});
  const AttrMap a = ints({{"axis", 0}});
  BOOST_TEST(fwd<ops::ScatterAdd>({x, index, src}, a) == (std::vector<double>{10, 1, 14, 3, 15, 5}), boost::test_tools::per_element());
  const auto dx = vjp_of<ops::ScatterAdd>({x, index, src}, iota({2, 3}, 1), a);
  BOOST_TEST(dx[0].data == iota({2, 3}, 1).data, boost::test_tools::per_element());
  // dsrc = gather(g, index); src elements outside the index's shape get none
  BOOST_TEST(dx[2].data == (std::vector<double>{1, 5, 3, 0, 0, 0}), boost::test_tools::per_element());
  // repeated positions add up
  BOOST_TEST(fwd<ops::ScatterAdd>({D({1, 2}, {0, 0}), D({1, 2}, {0, 0}), D({1, 2}, {1, 2})}, ints({{"axis", 1}})) ==
                 (std::vector<double>{3, 0}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(embedding_reads_rows_and_accumulates_row_gradients) {
  const auto w = iota({3, 2}), indices = D({2, 2}, {2, 0, 2, 1});
  BOOST_TEST(out_shape("embedding", {f64({3, 2}), i64({2, 2})}, {}) == (Shape{2, 2, 2}));
  BOOST_TEST(out_shape("embedding", {f64({3, 2}), i64({})}, {}) == (Shape{2}));
  BOOST_TEST(fwd<ops::Embedding>({w, indices}) == (std::vector<double>{4, 5, 0, 1, 4, 5, 2, 3}), boost::test_tools::per_element());
  const auto dx = vjp_of<ops::Embedding>({w, indices}, D({2, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1}));
  BOOST_TEST(dx[0].data == (std::vector<double>{1, 1, 1, 1, 2, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(index_values_out_of_range_name_op_position_and_value) {
  const auto x = D({2, 2}, {1, 2, 3, 4});
  std::string e = domain_error<ops::GatherOp>({x, D({2, 2}, {0, 0, 5, 0})}, ints({{"axis", 1}}));
  BOOST_TEST(e.find("gather: index[1, 0] = 5 is out of range [0, 2)") != std::string::npos, e);
  e = domain_error<ops::GatherOp>({x, D({2, 2}, {0, -1, 1, 0})}, ints({{"axis", 0}}));
  BOOST_TEST(e.find("index[0, 1] = -1") != std::string::npos, e);
  e = domain_error<ops::GatherOp>({x, D({2, 2}, {0, 0.5, 1, 0})}, ints({{"axis", 0}}));
  BOOST_TEST(e.find("index[0, 1] is not an integer") != std::string::npos, e);
  e = domain_error<ops::ScatterAdd>({x, D({1, 2}, {0, 2}), x}, ints({{"axis", 0}}));
  BOOST_TEST(e.find("scatter_add: index[0, 1] = 2") != std::string::npos, e);
  e = domain_error<ops::Embedding>({iota({3, 2}), D({3}, {0, 3, 1})}, {});
  BOOST_TEST(e.find("embedding: indices[1] = 3 is out of range [0, 3)") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(layout_and_index_shape_rules_reject_bad_applications) {
  auto expect_error = [](std::string_view op, std::vector<TensorType> in, AttrMap a, const std::string& needle) {
    try {
      infer_type(*find_op(op), in, a);
      BOOST_FAIL("expected ShapeError containing: " << needle);
    } catch (const ShapeError& e) {
      BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  expect_error("flatten", {f64({2, 3})}, ints({{"start_dim", 2}}), "flatten: start_dim = 2 is out of range for rank 2");
  expect_error("flatten", {f64({2, 3, 4})}, ints({{"start_dim", 2}, {"end_dim", 1}}), "comes after end_dim");
  expect_error("concat", {f64({2, 3}), f64({2, 4})}, {}, "concat: input 1 f64[2, 4] does not match input 0 f64[2, 3] on every axis but 0");
  expect_error("concat", {f64({2, 3}), f64({2, 3, 1})}, ints({{"axis", 1}}), "does not match input 0");
  expect_error("concat", {f64({2, 3}), TensorType{DType::f32, Shape{2, 3}}}, {}, "dtype mismatch");
  expect_error("concat", std::vector<TensorType>(9, f64({1})), {}, "takes 1 to 8 inputs, got 9");
  expect_error("concat", {f64({2})}, ints({{"axis", 1}}), "concat: axis = 1 is out of range for rank 1");
  expect_error("narrow", {f64({3, 4})}, ints({{"axis", 1}, {"start", 3}, {"length", 2}}), "narrow: start 3 + length 2 exceeds size 4 of axis 1");
  expect_error("narrow", {f64({3, 4})}, ints({{"axis", 1}, {"start", -5}, {"length", 1}}), "narrow: start = -5 is out of range");
  expect_error("narrow", {f64({3, 4})}, ints({{"axis", 2}, {"start", 0}, {"length", 1}}), "narrow: axis = 2 is out of range");
  expect_error("narrow", {f64({3, 4})}, ints({{"axis", 0}, {"start", 0}}), "missing required attribute 'length'");
  expect_error("gather", {f64({3, 4}), f64({3, 4})}, ints({{"axis", 0}}), "gather: index (input 1) must be i64, got f64[3, 4]");
  expect_error("gather", {f64({3, 4}), i64({3})}, ints({{"axis", 0}}), "gather: index must have the rank of x (2), got i64[3]");
  expect_error("gather", {f64({3, 4}), i64({2, 5})}, ints({{"axis", 0}}), "gather: index size 5 at dim 1 exceeds x's 4");
  expect_error("gather", {f64({3, 4}), i64({2, 2})}, ints({{"axis", -3}}), "gather: axis = -3 is out of range for rank 2");
  expect_error("scatter_add", {f64({3, 4}), i64({2, 2}), f64({1, 2})}, ints({{"axis", 0}}), "scatter_add: index size 2 at dim 0 exceeds src's 1");
  expect_error("scatter_add", {f64({3, 4}), TensorType{DType::f32, Shape{2, 2}}, f64({2, 2})}, ints({{"axis", 0}}), "must be i64");
  expect_error("embedding", {f64({3}), i64({2})}, {}, "embedding: weight must be [V, D], got f64[3]");
  expect_error("embedding", {f64({3, 2}), f64({2})}, {}, "embedding: indices (input 1) must be i64, got f64[2]");
}

// ---- Normalization: values and gradients printed by PyTorch 1.13 (f64),
// torch.nn.functional.layer_norm / batch_norm, eps = 1e-5.
namespace {
void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol = 1e-12) {
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    BOOST_TEST(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])), "element " << i << ": " << got[i] << " vs " << want[i]);
}
AttrMap norm_attrs(IntList ns) {
  AttrMap a;
  a.set("normalized_shape", ns);
  return a;
}
}  // namespace

BOOST_AUTO_TEST_CASE(layer_norm_matches_torch_with_affine) {
  const auto x = D({2, 3}, {1, 2, 4, 0.5, -1, 3});
  const auto w = D({3}, {1.5, -0.5, 2}), b = D({3}, {0.25, 1, -1});
  const AttrMap a = norm_attrs({3});
  expect_close(fwd<ops::LayerNorm>({x, w, b}, a), {-1.3535622971754468, 1.1336301914312874, 1.6726038286257436,
                                                  -0.05304520675252933, 1.5555828790463038, 1.6263917918552542});
  const auto d = vjp_of<ops::LayerNorm>({x, w, b}, D({2, 3}, {1, -1, 0.5, 2, 0, -1}), a);
  expect_close(d[0].data, {0.2863511465347939, -0.4295254312336285, 0.14317428469883486, 1.4843035381503809,
                           -0.9276867427487859, -0.5566167954015947});
  expect_close(d[1].data, {-1.473101807120337, 0.2672603828625746, -0.6450449387711912});
  expect_close(d[2].data, {3.0, -1.0, -0.5});
}

BOOST_AUTO_TEST_CASE(layer_norm_over_two_trailing_axes_and_a_constant_group) {
  // The second group is [-1, 3, 0, 0]; a constant group would normalize to 0 (eps keeps s > 0).
  expect_close(fwd<ops::LayerNorm>({D({2, 2, 2}, {1, 2, 4, 0.5, -1, 3, 0, 0})}, norm_attrs({2, 2})),
               {-0.6527515494186091, 0.09325022134551575, 1.5852537628737655, -1.0257524348006717, -0.9999977777851852,
                1.6666629629753085, -0.3333325925950617, -0.3333325925950617});
  expect_close(fwd<ops::LayerNorm>({D({1, 3}, {2, 2, 2})}, norm_attrs({3})), {0, 0, 0});
}

BOOST_AUTO_TEST_CASE(batch_norm_training_and_eval_match_torch) {
  const auto x = D({2, 2, 3}, {1, 2, 4, 0.5, -1, 3, -2, 0, 1, 2, 2.5, -0.5});
  const auto w = D({2}, {1.5, -0.5}), b = D({2}, {0.25, 1}), rm = D({2}, {0.1, -0.2}), rv = D({2}, {1, 0.5});
  AttrMap train;
  train.set("training", true);
  expect_close(fwd<ops::BatchNorm>({x, w, b, rm, rv}, train),
               {0.25, 1.0715826038847676, 2.714747811654303, 1.1929608239623661, 1.6891457998655934, 0.36598586412365414,
                -2.214747811654303, -0.5715826038847676, 0.25, 0.696775848059139, 0.5313808560913965, 1.523750807897851});
  const auto d = vjp_of<ops::BatchNorm>({x, w, b, rm, rv}, D({2, 2, 3}, {1, -1, 0.5, 2, 0, -1, 0.25, 1, -2, 1, 1, 0.5}), train);
  expect_close(d[0].data, {0.8558152123799664, -0.7360012366930471, 0.599070186527148, -0.44691847753277375,
                           0.27046320387604356, 0.4524486183772678, 0.08558198337682492, 0.8044664536834444,
                           -1.6089325992743366, -0.17193020713513674, -0.19053077831441928, 0.08646764072901858});
  expect_close(d[1].data, {-0.684652169903973, -1.0199357838010779});
  expect_close(d[2].data, {-0.25, 3.5});
  BOOST_TEST(d[3].data == (std::vector<double>{0, 0}), boost::test_tools::per_element());  // not differentiable
  BOOST_TEST(!ops::BatchNorm::differentiable(3));
  BOOST_TEST(!ops::BatchNorm::differentiable(4));
  AttrMap eval;
  eval.set("training", false);
  expect_close(fwd<ops::BatchNorm>({x, w, b, rm, rv}, eval),
               {1.5999932500506246, 3.099985750106874, 6.099970750219373, 0.50503020284264, 1.56567976817984,
                -1.26271907271936, -2.899984250118124, 0.10000074999437504, 1.5999932500506246, -0.55561936249456,
                -0.90916921760696, 1.21212991306744});
}

BOOST_AUTO_TEST_CASE(normalization_shape_rules_name_the_shapes) {
  const TensorType x{DType::f32, Shape{2, 3}}, w4{DType::f32, Shape{4}}, c3{DType::f32, Shape{3}};
  auto message = [](const char* op, std::vector<TensorType> in, AttrMap a) {
    try {
      infer_type(*find_op(op), in, a);
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  BOOST_TEST(message("layer_norm", {x, w4}, norm_attrs({3})) ==
             "layer_norm(f32[2, 3], f32[4]): layer_norm weight f32[4] does not match normalized_shape [3]");
  BOOST_TEST(message("layer_norm", {x}, norm_attrs({2})) ==
             "layer_norm(f32[2, 3]): layer_norm normalized_shape [2] does not match the trailing axes of input f32[2, 3]");
  BOOST_TEST(message("layer_norm", {x}, AttrMap{}).find("normalized_shape") != std::string::npos);
  AttrMap bad_eps = norm_attrs({3});
  bad_eps.set("eps", 0.0);
  BOOST_TEST(message("layer_norm", {x}, bad_eps).find("eps > 0") != std::string::npos);
  const TensorType xb{DType::f32, Shape{2, 3, 4}};
  BOOST_TEST(message("batch_norm", {xb, c3, c3, c3, w4}, AttrMap{}).find("running_var must be [3]") != std::string::npos);
  AttrMap train;
  train.set("training", true);
  const TensorType one{DType::f32, Shape{1, 3}};
  BOOST_TEST(message("batch_norm", {one, c3, c3, c3, c3}, train).find("more than one value per channel") != std::string::npos);
}

// ---- activations (values from torch 2.x in float64: F.softplus, F.gelu, F.silu, F.logsigmoid)
namespace {
const std::vector<double> kActX = {-30, -3, -0.5, 0, 0.5, 3, 25};
AttrMap act_attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  AttrMap a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}
// Forward and VJP (cotangent 1) of Op at kActX against torch's numbers, within a few ulp.
template <class Op>
void expect_torch(const std::vector<double>& y, const std::vector<double>& dx, AttrMap a = {}) {
  const auto x = D({7}, kActX);
  const auto got = fwd<Op>({x}, a);
  const auto grad = vjp_of<Op>({x}, D({7}, std::vector<double>(7, 1.0)), a)[0].data;
  for (std::size_t i = 0; i < y.size(); ++i) {
    BOOST_TEST(std::abs(got[i] - y[i]) <= 4e-16 * std::abs(y[i]) + 1e-300, Op::name << " y at x = " << kActX[i] << ": " << got[i] << " vs torch " << y[i]);
    // Gradients get 1e-13: torch's vectorized tanh/exp may differ from libm by
    // an ulp, and gelu-tanh's 1 - t^2 cancels (t = -0.997 at x = -3: x170).
    BOOST_TEST(std::abs(grad[i] - dx[i]) <= 1e-13 * std::abs(dx[i]) + 1e-300, Op::name << " dx at x = " << kActX[i] << ": " << grad[i] << " vs torch " << dx[i]);
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(softplus_matches_torch_including_threshold_and_beta) {
  expect_torch<ops::Softplus>(
      {9.357622968839737e-14, 0.04858735157374206, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067, 3.048587351573742, 25.0},
      {9.3576229688393e-14, 0.04742587317756679, 0.37754066879814546, 0.5, 0.6224593312018546, 0.9525741268224333, 1.0});
  // beta = 2, threshold = 4: x = 3 has beta x = 6 > 4, so y = x and dx = g.
  expect_torch<ops::Softplus>(
      {4.37825538134826e-27, 0.0012378425688652247, 0.15663084375911143, 0.34657359027997264, 0.6566308437591114, 3.0, 25.0},
      {8.75651076269652e-27, 0.0024726231566347748, 0.2689414213699951, 0.5, 0.7310585786300049, 1.0, 1.0},
      act_attrs({{"beta", 2.0}, {"threshold", 4.0}}));
  // At beta x == threshold exactly the log branch is taken (torch: x*beta > threshold).
  const auto at = fwd<ops::Softplus>({D({1}, {2})}, act_attrs({{"beta", 2.0}, {"threshold", 4.0}}));
  BOOST_TEST(std::abs(at[0] - 2.0090749639589047) <= 4e-16 * 2.0090749639589047);  // torch: F.softplus(2., 2, 4)
  // Stable where log(1 + exp(x)) is not: no overflow at 1000 (threshold off), tiny values kept at -700.
  BOOST_TEST(fwd<ops::Softplus>({D({1}, {1000})}, act_attrs({{"threshold", 1e6}}))[0] == 1000);
  BOOST_TEST(fwd<ops::Softplus>({D({1}, {-700})})[0] == std::exp(-700.0));
  BOOST_TEST(ops::act::log1p(1e-20) == 1e-20);
  BOOST_TEST(ops::act::log1p(1e-10f) == std::log1p(1e-10f));
}

BOOST_AUTO_TEST_CASE(gelu_erf_and_tanh_forms_match_torch) {
  const std::vector<double> erf_y = {-0.0, -0.00404969409489031, -0.15426876936299344, 0.0, 0.34573123063700656, 2.99595030590511, 25.0};
  const std::vector<double> erf_d = {-4.420938404635643e-195, -0.01194564720418392, 0.13250487534383712, 0.5, 0.8674951246561629, 1.011945647204184, 1.0};
  expect_torch<ops::Gelu>(erf_y, erf_d);
  expect_torch<ops::Gelu>(erf_y, erf_d, act_attrs({{"approximate", std::string("none")}}));
  expect_torch<ops::Gelu>(
      {-0.0, -0.0036373920817729943, -0.15428599017485606, 0.0, 0.34571400982514394, 2.996362607918227, 25.0},
      {0.0, -0.011584166630969648, 0.13263009646535764, 0.5, 0.8673699035346424, 1.0115841666309695, 1.0},
      act_attrs({{"approximate", std::string("tanh")}}));
}

BOOST_AUTO_TEST_CASE(silu_and_log_sigmoid_match_torch) {
  expect_torch<ops::Silu>(
      {-2.8072868906517896e-12, -0.14227761953270035, -0.1887703343990727, 0.0, 0.3112296656009273, 2.8577223804672998, 24.9999999996528},
      {-2.713710660963134e-12, -0.08810410601516962, 0.2600388126973482, 0.5, 0.7399611873026519, 1.0881041060151693, 1.000000000333312});
  expect_torch<ops::LogSigmoid>(
      {-30.000000000000092, -3.048587351573742, -0.9740769841801067, -0.6931471805599453, -0.4740769841801067, -0.04858735157374206,
       -1.3887943864867583e-11},
      {0.9999999999999064, 0.9525741268224333, 0.6224593312018545, 0.5, 0.37754066879814546, 0.04742587317756679, 1.3887943864771146e-11});
  // Far out: no overflow, and the tiny values of log(sigmoid(x)) for large x survive.
  BOOST_TEST(fwd<ops::LogSigmoid>({D({1}, {-1000})})[0] == -1000);
  BOOST_TEST(fwd<ops::LogSigmoid>({D({1}, {700})})[0] == -std::exp(-700.0));
  BOOST_TEST(ops::LogSigmoid::value(100.0f) == -std::exp(-100.0f));  // an f32 subnormal
}

BOOST_AUTO_TEST_CASE(dropout_mask_is_a_function_of_seed_and_index) {
  // splitmix64 reference values (Vigna's splitmix64.c from state 0: first output).
  BOOST_TEST(ops::Dropout::splitmix64(0) == 0xe220a8397b1dcdafULL);
  const auto x = D({1000}, std::vector<double>(1000, 3.0));
  const auto a = act_attrs({{"p", 0.25}, {"seed", std::int64_t{7}}});
  const auto y = fwd<ops::Dropout>({x}, a);
  const auto dx = vjp_of<ops::Dropout>({x}, D({1000}, std::vector<double>(1000, 1.0)), a)[0].data;
  int kept = 0;
  for (std::int64_t i = 0; i < 1000; ++i) {
    const bool keep = ops::Dropout::uniform(7, i) >= 0.25;
    kept += keep;
    BOOST_TEST(y[static_cast<std::size_t>(i)] == (keep ? 4.0 : 0.0));  // 3 / (1 - 0.25)
    BOOST_TEST(dx[static_cast<std::size_t>(i)] == (keep ? 4.0 / 3 : 0.0));
  }
  BOOST_TEST(kept > 700);
  BOOST_TEST(kept < 800);
  // Same seed, same mask; another seed, another mask.
  BOOST_TEST(fwd<ops::Dropout>({x}, a) == y, boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Dropout>({x}, act_attrs({{"p", 0.25}, {"seed", std::int64_t{8}}})) != y);
  // Identity in eval mode and at p = 0.
  BOOST_TEST(fwd<ops::Dropout>({x}, act_attrs({{"p", 0.25}, {"training", false}})) == x.data, boost::test_tools::per_element());
  BOOST_TEST(fwd<ops::Dropout>({x}, act_attrs({{"p", 0.0}})) == x.data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_activation_attributes_are_errors_naming_op_and_value) {
  const auto expect_error = [](std::string_view op, AttrMap a, DType t, const std::string& want) {
    try {
      infer_type(*find_op(op), std::vector<TensorType>{TensorType{t, Shape{2}}}, a);
      BOOST_ERROR(std::string(op) << ": no error for bad attributes");
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      BOOST_TEST((msg.find(std::string(op) + "(") != std::string::npos && msg.find(want) != std::string::npos), msg);
    }
  };
  expect_error("dropout", act_attrs({{"p", 1.5}}), DType::f64, "'p' = 1.5");
  expect_error("dropout", act_attrs({{"p", 1.0}}), DType::f64, "[0, 1)");
  expect_error("dropout", act_attrs({{"p", -0.1}}), DType::f64, "'p' = -0.1");
  expect_error("dropout", act_attrs({{"p", 0.99999999999}}), DType::f32, "rounds to 1 in f32");
  expect_error("gelu", act_attrs({{"approximate", std::string("sigmoid")}}), DType::f32, "'approximate' = sigmoid");
  expect_error("softplus", act_attrs({{"beta", 0.0}}), DType::f32, "'beta' = 0.0");
  expect_error("softplus", act_attrs({{"beta", 1e-50}}), DType::f32, "nonzero");
  AttrMap ok = act_attrs({{"p", 0.3}, {"seed", std::int64_t{1}}});
  BOOST_TEST((infer_type(*find_op("dropout"), std::vector<TensorType>{TensorType{DType::f32, Shape{2}}}, ok) == TensorType{DType::f32, Shape{2}}));
  BOOST_TEST(ok.get_float("p") == static_cast<double>(0.3f));  // rounded to the node's dtype
}

// torch 1.13, float64: log1p and expm1 keep the digits of tiny x (where
// log(1 + x) and exp(x) - 1 would cancel them), and their gradients.
BOOST_AUTO_TEST_CASE(log1p_and_expm1_match_torch_near_zero) {
  const auto x = D({6}, {-0.5, -1e-10, 0.0, 1e-10, 0.75, 3.0});
  const std::vector<double> ly = {-0.6931471805599453, -1.00000000005e-10, 0.0, 9.999999999500001e-11, 0.5596157879354227, 1.3862943611198906},
                            ld = {2.0, 1.0000000001, 1.0, 0.9999999999, 0.5714285714285714, 0.25},
                            ey = {-0.3934693402873666, -9.999999999500001e-11, 0.0, 1.00000000005e-10, 1.1170000166126746, 19.085536923187668},
                            ed = {0.6065306597126334, 0.9999999999, 1.0, 1.0000000001, 2.117000016612675, 20.085536923187668};
  const auto g = D({6}, std::vector<double>(6, 1.0));
  const auto close = [](double a, double b) { return std::abs(a - b) <= 4e-16 * std::abs(b); };
  const auto l = fwd<ops::Log1p>({x}), e = fwd<ops::Expm1>({x});
  const auto dl = vjp_of<ops::Log1p>({x}, g)[0].data, de = vjp_of<ops::Expm1>({x}, g)[0].data;
  for (std::size_t i = 0; i < 6; ++i) {
    BOOST_TEST(close(l[i], ly[i]), "log1p(" << x[i] << ") = " << l[i] << " vs torch " << ly[i]);
    BOOST_TEST(close(dl[i], ld[i]), "log1p' " << dl[i] << " vs torch " << ld[i]);
    BOOST_TEST(close(e[i], ey[i]), "expm1(" << x[i] << ") = " << e[i] << " vs torch " << ey[i]);
    BOOST_TEST(close(de[i], ed[i]), "expm1' " << de[i] << " vs torch " << ed[i]);
  }
}

// torch 1.13, float64, at x = [-2, 0, 0.5, 3]: the conventions at 0 (0^0 = 1
// with no gradient; 0^e for e < 1 has an infinite slope) and NaN for a
// negative base to a non-integer power.
BOOST_AUTO_TEST_CASE(pow_matches_torch_at_zero_and_negative_bases) {
  const auto x = D({4}, {-2, 0, 0.5, 3});
  const auto g = D({4}, {1, 1, 1, 1});
  const double inf = std::numeric_limits<double>::infinity();
  struct Row {
    double e;
    std::vector<double> y, dx;
  };
  const Row rows[] = {{0.0, {1, 1, 1, 1}, {0, 0, 0, 0}},
                      {2.0, {4, 0, 0.25, 9}, {-4, 0, 1, 6}},
                      {-1.0, {-0.5, inf, 2, 0.3333333333333333}, {-0.25, -inf, -4, -0.1111111111111111}},
                      {3.0, {-8, 0, 0.125, 27}, {12, 0, 0.75, 27}},
                      {0.5, {NAN, 0, 0.7071067811865476, 1.7320508075688772}, {NAN, inf, 0.7071067811865475, 0.2886751345948129}},
                      {1.5, {NAN, 0, 0.3535533905932738, 5.196152422706632}, {NAN, 0, 1.0606601717798214, 2.598076211353316}}};
  const auto same = [](double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b || std::abs(a - b) <= 4e-16 * std::abs(b);
  };
  for (const Row& r : rows) {
    AttrMap a;
    a.set("exponent", r.e);
    const auto y = fwd<ops::Pow>({x}, a);
    const auto dx = vjp_of<ops::Pow>({x}, g, a)[0].data;
    for (std::size_t i = 0; i < 4; ++i) {
      BOOST_TEST(same(y[i], r.y[i]), x[i] << "^" << r.e << " = " << y[i] << " vs torch " << r.y[i]);
      BOOST_TEST(same(dx[i], r.dx[i]), "d/dx " << x[i] << "^" << r.e << " = " << dx[i] << " vs torch " << r.dx[i]);
    }
  }
  // Tensor powers: 0^b for b >= 0 gives db = 0, a^0 gives da = 0 (torch's masks).
  const auto A = D({6}, {0, 0, 2, 2, 0.5, -2}), B = D({6}, {2, 0, 0, 3, -1.5, 2});
  const auto y = fwd<ops::Pow>({A, B});
  const auto d = vjp_of<ops::Pow>({A, B}, D({6}, std::vector<double>(6, 1.0)));
  const std::vector<double> ty = {0, 1, 1, 8, 2.8284271247461903, 4}, tda = {0, 0, 0, 12, -8.485281374238571, -4},
                            tdb = {0, 0, 0.6931471805599453, 5.545177444479562, -1.9605162869370945, NAN};
  for (std::size_t i = 0; i < 6; ++i) {
    BOOST_TEST(same(y[i], ty[i]), A[i] << "^" << B[i] << " = " << y[i] << " vs torch " << ty[i]);
    BOOST_TEST(same(d[0][i], tda[i]), "da " << d[0][i] << " vs torch " << tda[i]);
    BOOST_TEST(same(d[1][i], tdb[i]), "db " << d[1][i] << " vs torch " << tdb[i]);
  }
  // One form or the other: both, or neither, is an error that says so.
  const TensorType t{DType::f64, Shape{2}};
  const TensorType two[] = {t, t};
  AttrMap none, e;
  e.set("exponent", 2.0);
  BOOST_CHECK_EXCEPTION(infer_type(*find_op("pow"), std::span(&t, 1), none), ShapeError, [](const ShapeError& x) {
    return std::string(x.what()).find("needs attribute 'exponent'") != std::string::npos;
  });
  BOOST_CHECK_EXCEPTION(infer_type(*find_op("pow"), two, e), ShapeError, [](const ShapeError& x) {
    return std::string(x.what()).find("pow(a, b) takes its powers from b") != std::string::npos;
  });
}

// torch.tensor, torch.full and torch.arange (torch 1.13).
BOOST_AUTO_TEST_CASE(constants_full_and_arange_match_torch) {
  AttrMap c;
  c.set("value", FloatList{1.5, -2, 0.25, 4, 5, 6});
  c.set("shape", IntList{2, 3});
  c.set("dtype", std::string("f64"));
  BOOST_TEST(fwd<ops::Constant>({}, c) == (std::vector<double>{1.5, -2, 0.25, 4, 5, 6}), boost::test_tools::per_element());
  AttrMap f;
  f.set("shape", IntList{2, 2});
  f.set("value", -0.5);
  BOOST_TEST(fwd<ops::Full>({}, f) == (std::vector<double>(4, -0.5)), boost::test_tools::per_element());
  const auto arange = [](double start, double end, double step, const char* dtype) {
    AttrMap a;
    a.set("start", start);
    a.set("end", end);
    a.set("step", step);
    a.set("dtype", std::string(dtype));
    const TensorType t = infer_type(*find_op("arange"), {}, a);  // rounds an f32 node's attributes
    Dense<double> y = Dense<double>::full(t.shape, 0.0);
    ops::Arange::forward<double>({}, a, y);
    return y.data;
  };
  BOOST_TEST(arange(0, 1, 0.25, "f64") == (std::vector<double>{0, 0.25, 0.5, 0.75}), boost::test_tools::per_element());
  BOOST_TEST(arange(0, 5, 1, "i64") == (std::vector<double>{0, 1, 2, 3, 4}), boost::test_tools::per_element());
  BOOST_TEST(arange(1, -2, -1, "f64") == (std::vector<double>{1, 0, -1}), boost::test_tools::per_element());
  // f32: each element rounded once to f32 (torch.arange(0, 1, 0.1, dtype=torch.float32)).
  BOOST_TEST(arange(0, 1, 0.1, "f32") ==
                 (std::vector<double>{0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896, 0.4000000059604645, 0.5,
                                      0.6000000238418579, 0.699999988079071, 0.800000011920929, 0.8999999761581421}),
             boost::test_tools::per_element());
  const auto fails = [](const char* op, AttrMap a, const std::string& needle) {
    try {
      infer_type(*find_op(op), {}, a);
      BOOST_FAIL(op << ": expected an error containing " << needle);
    } catch (const ShapeError& e) {
      BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  AttrMap zero_step, away, bad_count, half_int;
  zero_step.set("end", 3.0), zero_step.set("step", 0.0);
  away.set("end", -3.0);
  bad_count.set("value", FloatList{1, 2, 3}), bad_count.set("shape", IntList{2, 2});
  half_int.set("value", 0.5), half_int.set("dtype", std::string("i64"));
  fails("arange", zero_step, "attribute 'step' must be nonzero");
  fails("arange", away, "step 1.0 points away from end -3.0");
  fails("constant", bad_count, "attribute 'value' has 3 elements but shape [2, 2] holds 4");
  fails("constant", half_int, "is not an integer (the dtype is i64)");
  // arange's attributes stay f64 on an f32 node, so their f32 range is its own check.
  AttrMap huge;
  huge.set("start", 1e39), huge.set("end", 2e39), huge.set("step", 1e39), huge.set("dtype", std::string("f32"));
  fails("arange", huge, "attribute 'start' = 1e+39 overflows f32");
}
