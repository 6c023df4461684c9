#define BOOST_TEST_MODULE runtime_fast_attention
#include <boost/test/unit_test.hpp>

#include <random>

#include "vt/runtime/fast_kernels.hpp"
#include "vt/spec/generic_ops.hpp"

// The fused attention kernel against the op table's generic code, in f64, on
// plain and causal attention, more keys than queries and fewer, and gradients
// both accumulated and written over stale buffers. The two sum in different
// orders, so they agree to rounding (1e-13 here, against O(1) for a wrong
// formula); the bound against the exact reference is the property suite's
// "runtime within contracts (FastKernels)".

using namespace vt;
using spec::Dense;
using Op = spec::ops::ScaledDotProductAttention;

namespace {
Dense<double> R(spec::Shape s, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-2, 2);
  Dense<double> d = Dense<double>::full(std::move(s), 0.0);
  for (auto& v : d.data) v = u(rng);
  return d;
}
double worst(const Dense<double>& a, const Dense<double>& b) {
  double w = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) w = std::max(w, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  return w;
}
}  // namespace

BOOST_AUTO_TEST_CASE(fused_attention_matches_the_generic_rule) {
  std::mt19937 rng(7);
  struct Case {
    spec::Shape q, k, v;
    bool causal;
    std::optional<double> scale;
  };
  const Case cases[] = {
      {{2, 3, 5, 4}, {2, 3, 7, 4}, {2, 3, 7, 6}, false, {}},  // more keys than queries
      {{2, 3, 5, 4}, {2, 3, 7, 4}, {2, 3, 7, 6}, true, {}},
      {{4, 8, 3}, {4, 2, 3}, {4, 2, 5}, true, 0.25},  // fewer keys: later rows see them all
      {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false, 2.0},
  };
  const auto op = spec::op_id<Op>;
  for (const Case& c : cases)
    for (const bool overwrite : {false, true}) {
      spec::AttrMap a;
      if (c.causal) a.set("causal", true);
      if (c.scale) a.set("scale", *c.scale);
      const Dense<double> q = R(c.q, rng), k = R(c.k, rng), v = R(c.v, rng);
      const std::vector<const Dense<double>*> in{&q, &k, &v};
      const std::vector<spec::TensorType> types{{spec::DType::f64, c.q}, {spec::DType::f64, c.k}, {spec::DType::f64, c.v}};
      const auto out = spec::infer_type(spec::op_info(op), types, a);
      Dense<double> yf = Dense<double>::full(out.shape, 0.0), yg = yf;
      BOOST_REQUIRE(rt::fast_forward<double>(op, in, a, yf));
      spec::generic_forward<double>(op, in, a, yg);
      BOOST_TEST(worst(yf, yg) < 1e-13);
      const Dense<double> g = R(out.shape, rng);
      // The generic rule accumulates onto 0.5; the fused one either does the
      // same or, told the buffers are stale, overwrites NaN garbage.
      std::vector<Dense<double>> dg, df;
      for (const auto* x : in) {
        dg.push_back(Dense<double>::full(x->shape, 0.5));
        df.push_back(Dense<double>::full(x->shape, overwrite ? std::nan("") : 0.5));
      }
      std::vector<Dense<double>*> pg{&dg[0], &dg[1], &dg[2]}, pf{&df[0], &df[1], &df[2]};
      spec::generic_vjp<double>(op, in, yg, g, a, pg);
      const bool flags[] = {overwrite, overwrite, overwrite};
      BOOST_REQUIRE(rt::fast_vjp<double>(op, in, yf, g, a, pf, flags));
      for (std::size_t i = 0; i < 3; ++i) {
        if (overwrite)
          for (auto& x : df[i].data) x += 0.5;
        BOOST_TEST(worst(df[i], dg[i]) < 1e-13, "d" << "qkv"[i] << " causal " << c.causal << " overwrite " << overwrite);
      }
    }
}
