#define BOOST_TEST_MODULE spec_conv_ops
#include <boost/test/unit_test.hpp>

#include <limits>

#include "spec/tests/support.hpp"

// conv2d, max_pool2d and avg_pool2d: values and gradients against
// torch.nn.functional (1.13, float64) on dyadic inputs, where both are exact,
// the full Jacobian against finite differences, the planted conv2d bugs, and
// the shape errors.

using namespace vt::spec;
using namespace vt::spec::testing;

namespace {
// The inputs the torch script used: element i = ((i % a) - b) / d.
Dense<double> pattern(Shape s, int a, int b, double d) {
  Dense<double> x = Dense<double>::full(std::move(s), 0.0);
  for (std::size_t i = 0; i < x.data.size(); ++i) x.data[i] = (static_cast<int>(i % static_cast<std::size_t>(a)) - b) / d;
  return x;
}
AttrMap attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  AttrMap a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}
TensorType f64(Shape s) { return TensorType{DType::f64, std::move(s)}; }
std::string infer_error(const char* op, std::vector<TensorType> in, AttrMap a) {
  try {
    infer_type(*find_op(op), in, a);
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "";
}

// conv2d(x [1,2,4,5], w [4,1,3,2], b) with stride [2,1], padding [1,2], dilation [1,2], groups 2.
AttrMap kConvAttrs = attrs({{"stride", IntList{2, 1}}, {"padding", IntList{1, 2}}, {"dilation", IntList{1, 2}}, {"groups", 2}});
std::vector<Dense<double>> conv_inputs() {
  Dense<double> b = Dense<double>::full(Shape{4}, 0.0);
  b.data = {0.5, -0.25, 1.0, 0.0};
  return {pattern({1, 2, 4, 5}, 7, 3, 4), pattern({4, 1, 3, 2}, 5, 2, 8), b};
}
}  // namespace

BOOST_AUTO_TEST_CASE(conv2d_matches_torch_with_stride_padding_dilation_and_groups) {
  const auto xs = conv_inputs();
  const Dense<double> y = run_forward<ops::Conv2d>(xs, kConvAttrs);
  BOOST_TEST(y.shape == (Shape{1, 4, 2, 7}));
  const std::vector<double> want{0.28125, 0.25, 0.78125, 0.8125, 0.40625, 0.375, 0.4375, 0.5625, 0.5, 0.40625, 0.34375, 0.5,
                                 0.6875, 0.6875, -0.5, -0.46875, -0.4375, -0.4375, 0.0, -0.125, -0.15625, -0.1875, -0.15625,
                                 -0.0625, -0.09375, -0.34375, -0.15625, -0.4375, 0.8125, 1.1875, 1.28125, 0.8125, 0.78125,
                                 1.03125, 1.0625, 1.09375, 1.0625, 1.0625, 0.84375, 0.84375, 1.125, 1.15625, -0.0625, 0.15625,
                                 -0.03125, 0.125, 0.0625, 0.0625, 0.0, 0.0, 0.0625, 0.21875, -0.1875, -0.15625, -0.21875, -0.25};
  BOOST_TEST(y.data == want, boost::test_tools::per_element());
  const auto d = vjp_of<ops::Conv2d>(xs, pattern({1, 4, 2, 7}, 3, 1, 2), kConvAttrs);
  const std::vector<double> dx{0.0625, -0.0625, 0.0,     0.0625,  -0.0625, 0.25,    -0.1875, -0.0625, 0.25,    -0.1875,
                               -0.0625, 0.0,    0.0625,  -0.0625, 0.0,     -0.1875, 0.0,     0.1875,  -0.1875, 0.0,
                               -0.1875, 0.0,    0.1875,  -0.1875, 0.0,     0.0,     0.0625,  -0.0625, 0.0,     0.0625,
                               0.0,     0.1875, -0.1875, 0.0,     0.1875,  0.0,     0.0,     0.0,     0.0,     0.0};
  const std::vector<double> dw{-0.375, 0.625, -0.375, -0.25, -0.125, -0.25,  -0.25, -0.375, 0.625, -0.375, 0.375, -0.125,
                               -0.375, -0.25, -0.25,  -0.375, 0.625, -0.625, 0.625, -0.375, 0.625, -0.25,  0.0,   0.625};
  BOOST_TEST(d[0].data == dx, boost::test_tools::per_element());
  BOOST_TEST(d[1].data == dw, boost::test_tools::per_element());
  BOOST_TEST(d[2].data == (std::vector<double>{-0.5, 0.0, 0.5, -0.5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_pool2d_gives_the_gradient_to_the_first_maximum_like_torch) {
  Dense<double> x = Dense<double>::full(Shape{1, 1, 4, 4}, 0.0);
  x.data = {1, 3, 2, 0, 4, 4, 1, -1, 0, 2, 5, 5, -2, 1, 3, 2};
  AttrMap a = attrs({{"kernel_size", IntList{2}}});
  BOOST_TEST(run_forward<ops::MaxPool2d>({x}, a).data == (std::vector<double>{4, 2, 2, 5}), boost::test_tools::per_element());
  Dense<double> g = Dense<double>::full(Shape{1, 1, 2, 2}, 0.0);
  g.data = {1, 2, 3, 4};
  BOOST_TEST(vjp_of<ops::MaxPool2d>({x}, g, a)[0].data == (std::vector<double>{0, 0, 2, 0, 1, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0}),
             boost::test_tools::per_element());
  // 4, 4 (window 0) and 5, 5 (window 3) tie: the rule is a convention at exactly those four elements.
  const std::vector<bool> ties = ops::MaxPool2d::tie_mask(x, a);
  BOOST_TEST(ties == (std::vector<bool>{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(avg_pool2d_counts_padding_like_torch) {
  Dense<double> x = Dense<double>::full(Shape{1, 1, 4, 4}, 0.0);
  x.data = {1, 3, 2, 0, 4, 4, 1, -1, 0, 2, 5, 5, -2, 1, 3, 2};
  AttrMap a = attrs({{"kernel_size", IntList{3}}, {"stride", IntList{2}}, {"padding", IntList{1}}});
  const Dense<double> y = run_forward<ops::AvgPool2d>({x}, a);
  BOOST_TEST(y.shape == (Shape{1, 1, 2, 2}));
  BOOST_TEST(y.data == (std::vector<double>{12.0 / 9, 1.0, 1.0, 22.0 / 9}), boost::test_tools::per_element());
  const auto d = vjp_of<ops::AvgPool2d>({x}, Dense<double>::full(Shape{1, 1, 2, 2}, 1.0), a);
  const double n = 1.0 / 9;
  BOOST_TEST(d[0].data == (std::vector<double>{n, 2 * n, n, n, 2 * n, 4 * n, 2 * n, 2 * n, n, 2 * n, n, n, n, 2 * n, n, n}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(conv_and_pool_gradients_match_finite_differences) {
  std::mt19937 rng(20261126);
  const auto R = [&](Shape s) { return random_dense(std::move(s), -2, 2, rng); };
  for (AttrMap a : {AttrMap{}, kConvAttrs, attrs({{"padding", IntList{1}}, {"stride", IntList{2}}})}) {
    const std::int64_t groups = a.get_int_or("groups", 1);
    const auto r = gradcheck<ops::Conv2d>({R({2, 2, 5, 4}), R({4, 2 / groups, 3, 2}), R({4})}, a);
    BOOST_TEST(r.worst < 1e-6, r.where << " (relative error " << r.worst << ")");
  }
  const auto rm = gradcheck<ops::MaxPool2d>({R({2, 3, 5, 4})}, attrs({{"kernel_size", IntList{2, 3}}, {"padding", IntList{1}}}));
  BOOST_TEST(rm.worst < 1e-6, rm.where);
  const auto ra = gradcheck<ops::AvgPool2d>({R({2, 3, 5, 4})}, attrs({{"kernel_size", IntList{3}}, {"stride", IntList{1, 2}},
                                                                         {"dilation", IntList{2, 1}}, {"padding", IntList{1}}}));
  BOOST_TEST(ra.worst < 1e-6, ra.where);
}

BOOST_AUTO_TEST_CASE(planted_conv2d_bugs_are_detected_by_the_gradient_check) {
  using mutation::Mutant;
  const auto xs = conv_inputs();
  const Dense<double> g = pattern({1, 4, 2, 7}, 3, 1, 2);
  const auto right = vjp_of<ops::Conv2d>(xs, g, kConvAttrs);
  for (Mutant m : {Mutant::conv2d_flipped_kernel, Mutant::conv2d_ignores_padding}) {
    const mutation::Plant bug(m);
    BOOST_TEST(vjp_of<ops::Conv2d>(xs, g, kConvAttrs)[0].data != right[0].data, mutation::to_string(m) << " changed nothing");
  }
}

BOOST_AUTO_TEST_CASE(bad_conv_and_pool_applications_name_the_problem) {
  const auto has = [](const std::string& msg, const std::string& part) {
    BOOST_TEST(msg.find(part) != std::string::npos, "'" << msg << "' lacks '" << part << "'");
  };
  has(infer_error("conv2d", {f64({1, 3, 4, 4}), f64({4, 3, 3, 3})}, attrs({{"groups", 2}})), "groups = 2 must divide");
  has(infer_error("conv2d", {f64({1, 3, 4, 4}), f64({4, 2, 3, 3})}, {}), "C/groups = 3");
  has(infer_error("conv2d", {f64({1, 1, 2, 2}), f64({1, 1, 3, 3})}, {}), "larger than the padded input 2x2");
  has(infer_error("conv2d", {f64({1, 1, 4, 4}), f64({1, 1, 3})}, {}), "must be [N, C, H, W]");
  has(infer_error("conv2d", {f64({1, 1, 4, 4}), f64({2, 1, 3, 3}), f64({3})}, {}), "bias must be [2]");
  has(infer_error("conv2d", {f64({1, 1, 4, 4}), f64({1, 1, 3, 3})}, attrs({{"stride", IntList{0}}})), "stride must be >= 1");
  has(infer_error("max_pool2d", {f64({1, 1, 4, 4})}, attrs({{"kernel_size", IntList{2}}, {"padding", IntList{2}}})),
      "at most half the kernel");
  has(infer_error("avg_pool2d", {f64({1, 1, 4, 4})}, attrs({{"kernel_size", IntList{1, 2, 3}}})), "kernel_size must be [v] or");
  has(infer_error("max_pool2d", {f64({1, 1, 4, 4})}, {}), "kernel_size");
  // Attribute arithmetic is overflow-checked: a dilation of 2^63 - 1 used to
  // wrap into a "valid" 7x7 output, a huge padding into a negative input size.
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  has(infer_error("conv2d", {f64({1, 1, 9, 9}), f64({1, 1, 3, 3})}, attrs({{"dilation", IntList{big}}})),
      "dilation x kernel overflows int64");
  has(infer_error("conv2d", {f64({1, 1, 9, 9}), f64({1, 1, 3, 3})}, attrs({{"padding", IntList{big / 2 + 1}}})), "padding overflows int64");
  has(infer_error("max_pool2d", {f64({1, 1, 9, 9})}, attrs({{"kernel_size", IntList{2}}, {"dilation", IntList{big}}})),
      "kernel extent overflows int64");
  // A huge stride is fine: one window per axis.
  BOOST_TEST(infer_error("avg_pool2d", {f64({1, 1, 9, 9})}, attrs({{"kernel_size", IntList{3}}, {"padding", IntList{1}}, {"stride", IntList{big}}})).empty());
}

BOOST_AUTO_TEST_CASE(max_pool2d_rejects_a_window_wholly_in_the_padding) {
  // kernel 2 with dilation 2 and padding 1 on a 1-row input: output row 0 reads rows -1 and 1.
  const std::string msg = infer_error("max_pool2d", {f64({1, 1, 1, 4})},
                                      attrs({{"kernel_size", IntList{2}}, {"dilation", IntList{2}}, {"padding", IntList{1}}}));
  BOOST_TEST(msg.find("window at output row 0 lies wholly in the padding") != std::string::npos, msg);
}
