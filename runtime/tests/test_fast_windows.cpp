#define BOOST_TEST_MODULE runtime_fast_windows
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "vt/runtime/fast_kernels.hpp"
#include "vt/spec/generic_ops.hpp"

// The windowed FastKernels (conv2d's im2col/col2im, max_pool2d, avg_pool2d)
// and the layout copies (reshape, flatten) against the op table's generic
// code, in f32 and f64, with gradients both accumulated onto earlier values
// and written over stale buffers (the tape's overwrite flag). Pooling and the
// copies visit the same elements in the same order: bitwise equal. conv2d
// sums through GEMM in another order: within 2 gamma_n sum|terms| (both are
// within gamma_n of the exact value).

using namespace vt;
using spec::AttrMap;
using spec::Dense;
using spec::IntList;
namespace ops = spec::ops;

namespace {

template <class S>
Dense<S> random(const spec::Shape& s, std::mt19937& rng, bool ties) {
  std::uniform_real_distribution<double> u(-2, 2);
  std::uniform_int_distribution<int> small(-1, 2);  // few distinct values: many ties
  Dense<S> d = Dense<S>::full(s, S(0));
  for (auto& v : d.data) v = ties ? S(small(rng)) : S(u(rng));
  return d;
}

template <class S>
Dense<S> abs_of(Dense<S> d) {
  for (auto& v : d.data) v = std::abs(v);
  return d;
}

template <class S>
constexpr spec::DType dtype_of = sizeof(S) == 4 ? spec::DType::f32 : spec::DType::f64;

// The op's output type (infer_type may normalize the attributes: a copy).
spec::TensorType out_type(spec::OpId op, const std::vector<spec::TensorType>& types, AttrMap attrs) {
  return spec::infer_type(spec::op_info(op), types, attrs);
}

struct Run {
  std::vector<double> y;
  std::vector<std::vector<double>> dx;
};

// Forward and VJP of op on xs through the fast or the generic path. Gradient
// buffers start at 0.25 (accumulated onto) or, with `stale`, at garbage that
// the overwrite flag says stands for zeros.
template <class S>
Run run(bool fast, spec::OpId op, const std::vector<Dense<S>>& xs, const AttrMap& attrs, const Dense<S>* g_in, bool stale) {
  std::vector<spec::TensorType> types;
  std::vector<const Dense<S>*> in;
  for (const auto& x : xs) types.push_back({dtype_of<S>, x.shape}), in.push_back(&x);
  const auto out = out_type(op, types, attrs);
  Dense<S> y = Dense<S>::full(out.shape, S(0));
  std::vector<Dense<S>> dx;
  for (const auto& x : xs) dx.push_back(Dense<S>::full(x.shape, stale ? S(-1e30) : S(0.25)));
  std::vector<Dense<S>*> dp;
  for (auto& d : dx) dp.push_back(&d);
  const std::vector<bool> flags(xs.size(), stale);
  const std::unique_ptr<bool[]> overwrite(new bool[xs.size()]);
  std::copy(flags.begin(), flags.end(), overwrite.get());
  const std::span<const bool> ow(overwrite.get(), xs.size());
  const Dense<S> g = g_in ? *g_in : Dense<S>::full(out.shape, S(1));
  BOOST_REQUIRE(g.shape == out.shape);
  if (fast) {
    BOOST_REQUIRE(rt::fast_forward<S>(op, in, attrs, y));
    BOOST_REQUIRE(rt::fast_vjp<S>(op, in, y, g, attrs, dp, ow));
  } else {
    spec::generic_forward<S>(op, in, attrs, y);
    for (auto& d : dx)
      if (stale) std::fill(d.data.begin(), d.data.end(), S(0));  // what the generic backend does
    spec::generic_vjp<S>(op, in, y, g, attrs, dp);
  }
  Run r{{y.data.begin(), y.data.end()}, {}};
  for (const auto& d : dx) r.dx.emplace_back(d.data.begin(), d.data.end());
  return r;
}

// e.g. "{kernel_size=[2], stride=[1]}" for failure messages.
std::string text(const AttrMap& a) {
  std::string s = "{";
  for (const auto& [name, v] : a.entries()) s += (s.size() > 1 ? ", " : "") + name + "=" + spec::to_string(v);
  return s + "}";
}

// Bitwise equality (NaN payloads and signed zeros included).
template <class S>
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const S x = static_cast<S>(a[i]), y = static_cast<S>(b[i]);
    if (std::memcmp(&x, &y, sizeof(S)) != 0) return false;
  }
  return true;
}

AttrMap pool(IntList k, IntList stride = {}, IntList padding = {0}, IntList dilation = {1}) {
  AttrMap a = ops::Pool2dOptions{.kernel_size = std::move(k), .stride = std::move(stride), .padding = std::move(padding)}.attrs();
  if (dilation != IntList{1}) a.set("dilation", dilation);
  return a;
}

struct PoolCase {
  spec::Shape x;
  AttrMap attrs;
};
// Odd sizes, N = 1, stride 2, padding, dilation, overlapping windows (stride
// below the kernel: taps shared between windows, so dx's order matters). The
// 2x2 stride 2 cases take max_pool2d's non-overlapping path, with odd H or W
// leaving rows or columns no window covers.
std::vector<PoolCase> pool_cases() {
  return {
      {{2, 3, 4, 4}, pool({2})},
      {{2, 3, 5, 7}, pool({2})},
      {{1, 2, 7, 6}, pool({3}, {2}, {1})},
      {{3, 2, 6, 5}, pool({2}, {1})},
      {{2, 2, 9, 9}, pool({3, 2}, {2, 1}, {1, 1}, {2, 1})},
      {{1, 3, 5, 5}, pool({2}, {1}, {1}, {2})},
      {{1, 1, 4, 4}, pool({4})},
      {{2, 1, 8, 3}, pool({3, 1}, {1, 2}, {1, 0})},
      {{1, 4, 8, 8}, pool({2}, {2})},
      {{3, 2, 7, 10}, pool({2})},
      {{2, 3, 6, 17}, pool({2})},
  };
}

template <class S>
void check_pools() {
  std::mt19937 rng(7);
  int checked = 0;
  for (const auto& c : pool_cases())
    for (const spec::OpId op : {spec::op_id<ops::MaxPool2d>, spec::op_id<ops::AvgPool2d>})
      for (const bool ties : {false, true})
        for (const bool stale : {false, true}) {
          const std::vector<Dense<S>> xs{random<S>(c.x, rng, ties)};
          const auto out = out_type(op, {{dtype_of<S>, c.x}}, c.attrs);
          Dense<S> g = random<S>(out.shape, rng, false);
          g.data[0] = S(-0.0);  // a stale dx must come out +0 there, as 0 + (-0)
          const Run f = run<S>(true, op, xs, c.attrs, &g, stale), s = run<S>(false, op, xs, c.attrs, &g, stale);
          const std::string what = std::string(spec::op_info(op).name) + " " + spec::to_string(c.x) + " " +
                                   text(c.attrs) + (ties ? " ties" : "") + (stale ? " stale" : "");
          BOOST_TEST(same_bits<S>(f.y, s.y), what << " forward");
          BOOST_TEST(same_bits<S>(f.dx[0], s.dx[0]), what << " dx");
          ++checked;
        }
  BOOST_TEST(checked == static_cast<int>(pool_cases().size()) * 2 * 2 * 2);
}

}  // namespace

BOOST_AUTO_TEST_CASE(pooling_kernels_equal_the_generic_code_bitwise_f32) { check_pools<float>(); }
BOOST_AUTO_TEST_CASE(pooling_kernels_equal_the_generic_code_bitwise_f64) { check_pools<double>(); }

BOOST_AUTO_TEST_CASE(max_pool_picks_the_first_nan_and_the_first_of_tied_maxima) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // One 2x4 plane, 2x2 windows: [1 1 | 3 nan]  first window tie 1,1,1,1 -> tap (0,0);
  //                             [1 1 | nan 3]  second window: first NaN (0,3) wins.
  Dense<double> x{spec::Shape{1, 1, 2, 4}, {1, 1, 3, nan, 1, 1, nan, 3}};
  const Dense<double> g{spec::Shape{1, 1, 1, 2}, {5, 7}};
  const AttrMap a = pool({2});
  for (const bool fast : {true, false}) {
    const Run r = run<double>(fast, spec::op_id<ops::MaxPool2d>, {x}, a, &g, false);
    BOOST_TEST(r.y[0] == 1);
    BOOST_TEST(std::isnan(r.y[1]));
    const std::vector<double> dx{5.25, 0.25, 0.25, 7.25, 0.25, 0.25, 0.25, 0.25};
    BOOST_TEST(r.dx[0] == dx, boost::test_tools::per_element());
  }
  // And bitwise equal on random planes strewn with NaNs, f32 and f64.
  std::mt19937 rng(9);
  for (const auto& c : pool_cases()) {
    Dense<float> xf = random<float>(c.x, rng, true);
    for (std::size_t i = 0; i < xf.data.size(); i += 5) xf.data[i] = std::numeric_limits<float>::quiet_NaN();
    const Run f = run<float>(true, spec::op_id<ops::MaxPool2d>, {xf}, c.attrs, nullptr, false);
    const Run s = run<float>(false, spec::op_id<ops::MaxPool2d>, {xf}, c.attrs, nullptr, false);
    BOOST_TEST(same_bits<float>(f.y, s.y), spec::to_string(c.x));
    BOOST_TEST(same_bits<float>(f.dx[0], s.dx[0]), spec::to_string(c.x));
  }
}

BOOST_AUTO_TEST_CASE(reshape_and_flatten_copy_bitwise) {
  std::mt19937 rng(3);
  AttrMap rs;
  rs.set("shape", IntList{6, -1});
  AttrMap fl;
  fl.set("start_dim", std::int64_t{1});
  for (const bool stale : {false, true}) {
    const std::vector<Dense<float>> xs{random<float>({2, 3, 4, 5}, rng, false)};
    for (const auto& [op, a] : {std::pair{spec::op_id<ops::Reshape>, rs}, std::pair{spec::op_id<ops::Flatten>, fl}}) {
      const auto out = out_type(op, {{spec::DType::f32, xs[0].shape}}, a);
      Dense<float> g = random<float>(out.shape, rng, false);
      g.data[1] = -0.f;  // a stale dx must come out +0 there, as 0 + (-0)
      const Run f = run<float>(true, op, xs, a, &g, stale), s = run<float>(false, op, xs, a, &g, stale);
      BOOST_TEST(same_bits<float>(f.y, s.y));
      BOOST_TEST(same_bits<float>(f.dx[0], s.dx[0]));
    }
  }
}

namespace {

struct ConvCase {
  spec::Shape x, w;
  ops::Conv2dOptions o;
  bool bias;
};

// |fast - generic| <= 2 gamma_n sum|terms| per element, n the longest sum
// (plus one for the value accumulated onto).
template <class S>
void close(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& terms, double n,
           const std::string& what) {
  const double u = std::numeric_limits<S>::epsilon() / 2, gamma = n * u / (1 - n * u);
  BOOST_REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST(std::abs(a[i] - b[i]) <= 2 * gamma * terms[i] + 1e-300, what << "[" << i << "]");
}

template <class S>
void check_convs() {
  std::mt19937 rng(5);
  const std::vector<ConvCase> cases{
      {{2, 3, 5, 7}, {4, 3, 3, 3}, {.padding = {1}}, true},
      {{1, 2, 7, 6}, {3, 2, 3, 2}, {.stride = {2}, .padding = {1, 0}}, true},
      {{2, 4, 9, 8}, {6, 2, 3, 3}, {.stride = {2, 1}, .padding = {2}, .dilation = {2}, .groups = 2}, false},
      {{3, 1, 8, 8}, {16, 1, 3, 3}, {.padding = {1}}, true},
      {{1, 2, 4, 5}, {2, 2, 1, 3}, {.stride = {1, 3}, .padding = {0, 2}, .dilation = {1, 2}}, true},
      {{2, 3, 6, 6}, {3, 1, 5, 5}, {.stride = {3}, .padding = {2}, .groups = 3}, true},
      {{3, 16, 8, 8}, {32, 16, 3, 3}, {.padding = {1}}, true},  // the example CNN's second layer
      {{5, 4, 6, 5}, {6, 2, 2, 3}, {.stride = {1, 2}, .groups = 2}, true},
      // stride 1, output as wide as the input: im2col's shifted-plane path
      {{2, 3, 7, 7}, {4, 3, 3, 3}, {.padding = {2}, .dilation = {2}}, true},
      {{2, 3, 6, 5}, {4, 3, 3, 3}, {.padding = {0, 1}}, false},
      {{1, 2, 4, 5}, {2, 2, 1, 3}, {.padding = {0, 1}}, true},
      {{2, 2, 3, 4}, {3, 2, 5, 5}, {.padding = {3, 2}}, true},  // padding wider than half the kernel
      {{2, 16, 6, 6}, {8, 8, 3, 3}, {.padding = {1}, .groups = 2}, true},
  };
  for (const auto& c : cases)
    for (const bool stale : {false, true}) {
      const AttrMap a = c.o.attrs();
      std::vector<Dense<S>> xs{random<S>(c.x, rng, false), random<S>(c.w, rng, false)};
      if (c.bias) xs.push_back(random<S>({c.w[0]}, rng, false));
      std::vector<spec::TensorType> types;
      for (const auto& x : xs) types.push_back({dtype_of<S>, x.shape});
      const auto out = out_type(spec::op_id<ops::Conv2d>, types, a);
      const Dense<S> g = random<S>(out.shape, rng, false);
      const Run f = run<S>(true, spec::op_id<ops::Conv2d>, xs, a, &g, stale);
      const Run s = run<S>(false, spec::op_id<ops::Conv2d>, xs, a, &g, stale);
      std::vector<Dense<S>> abs_xs;
      for (const auto& x : xs) abs_xs.push_back(abs_of(x));
      const Dense<S> abs_g = abs_of(g);
      Run t = run<S>(false, spec::op_id<ops::Conv2d>, abs_xs, a, &abs_g, true);
      const std::string what = spec::to_string(c.x) + " * " + spec::to_string(c.w) + " " + text(a) +
                               (stale ? " stale" : "");
      const double taps = double(c.w[1] * c.w[2] * c.w[3]);
      close<S>(f.y, s.y, t.y, taps + 1, what + " y");
      // dx: at most O*kh*kw products per element; dw: N*Ho*Wo; db: N*Ho*Wo.
      const double longest = double(std::max(c.w[0] * c.w[2] * c.w[3], out.shape.numel() / out.shape[1])) + 1;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        if (!stale)
          for (auto& v : t.dx[i]) v += 0.25;  // the value accumulated onto
        close<S>(f.dx[i], s.dx[i], t.dx[i], longest, what + " dx" + std::to_string(i));
      }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(conv2d_kernel_agrees_with_the_generic_code_within_the_dot_contract_f32) { check_convs<float>(); }
BOOST_AUTO_TEST_CASE(conv2d_kernel_agrees_with_the_generic_code_within_the_dot_contract_f64) { check_convs<double>(); }

BOOST_AUTO_TEST_CASE(conv2d_backward_rebuilds_columns_when_the_input_changed_in_place) {
  // The kernel keeps the forward's columns for the weight gradient, keyed by
  // a copy of the input: an input rewritten in place after the forward must
  // give the gradient of the new input, bitwise as a fresh call does. With
  // one group and with several (columns kept per image and group).
  for (const std::int64_t groups : {1, 3}) {
    std::mt19937 rng(11);
    Dense<float> x = random<float>({2, 3, 6, 6}, rng, false);
    const Dense<float> w = random<float>({6, 3 / groups, 3, 3}, rng, false);
    const AttrMap a = ops::Conv2dOptions{.padding = {1}, .groups = groups}.attrs();
    const auto out = out_type(spec::op_id<ops::Conv2d>, {{spec::DType::f32, x.shape}, {spec::DType::f32, w.shape}}, a);
    const Dense<float> g = random<float>(out.shape, rng, false);
    auto dw_of = [&](bool forward_first, const Dense<float>& before) {
      Dense<float> y = Dense<float>::full(out.shape, 0.f), dw = Dense<float>::full(w.shape, 0.f);
      const std::vector<const Dense<float>*> fin{&before, &w}, in{&x, &w};
      if (forward_first) BOOST_REQUIRE(rt::fast_forward<float>(spec::op_id<ops::Conv2d>, fin, a, y));
      const std::vector<Dense<float>*> dx{nullptr, &dw};
      BOOST_REQUIRE(rt::fast_vjp<float>(spec::op_id<ops::Conv2d>, in, y, g, a, dx));
      return dw.data;
    };
    const std::vector<float> fresh_before = dw_of(false, x);
    Dense<float> old = x;
    x.data[7] += 1.f;  // rewritten in place: same buffer, new bits
    const std::vector<float> fresh = dw_of(false, x);
    BOOST_TEST(fresh != fresh_before);
    // forward on the old values (cached), then the same buffer rewritten
    Dense<float>& buffer = old;
    Dense<float> y = Dense<float>::full(out.shape, 0.f), dw = Dense<float>::full(w.shape, 0.f);
    BOOST_REQUIRE(rt::fast_forward<float>(spec::op_id<ops::Conv2d>, std::vector<const Dense<float>*>{&buffer, &w}, a, y));
    buffer.data[7] += 1.f;
    BOOST_REQUIRE(rt::fast_vjp<float>(spec::op_id<ops::Conv2d>, std::vector<const Dense<float>*>{&buffer, &w}, y, g, a,
                                      std::vector<Dense<float>*>{nullptr, &dw}));
    BOOST_TEST(dw.data == fresh, boost::test_tools::per_element());
  }
}
