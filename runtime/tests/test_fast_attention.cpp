#define BOOST_TEST_MODULE runtime_fast_attention
#include <boost/test/unit_test.hpp>

#include <random>

#include "vt/runtime/fast_kernels.hpp"
#include "vt/spec/generic_ops.hpp"
#include "runtime/tests/support.hpp"

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
      BOOST_TEST(rt::testing::worst_difference(yf, yg) < 1e-13);
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
        BOOST_TEST(rt::testing::worst_difference(df[i], dg[i]) < 1e-13, "d" << "qkv"[i] << " causal " << c.causal << " overwrite " << overwrite);
      }
    }
}

// The backward reuses the forward's probabilities only for bitwise the same
// q and k: an input rewritten in place between the sweeps is recomputed, and
// two attention nodes (forward, forward, then their backwards in reverse)
// each find their own.
BOOST_AUTO_TEST_CASE(saved_probabilities_are_reused_only_for_the_same_inputs) {
  std::mt19937 rng(11);
  const auto op = spec::op_id<Op>;
  const spec::AttrMap a;
  const spec::Shape qs{3, 6, 4}, vs{3, 6, 5};
  struct Node {
    Dense<double> q, k, v, y;
  };
  std::vector<Node> nodes;
  for (int n = 0; n < 2; ++n) {
    Node nd{R(qs, rng), R(qs, rng), R(vs, rng), Dense<double>::full(vs, 0.0)};
    nodes.push_back(std::move(nd));
  }
  for (auto& nd : nodes) {
    const std::vector<const Dense<double>*> in{&nd.q, &nd.k, &nd.v};
    BOOST_REQUIRE(rt::fast_forward<double>(op, in, a, nd.y));
  }
  nodes[0].k.data[7] += 0.5;  // rewritten in place after its forward
  for (int n = 1; n >= 0; --n) {
    Node& nd = nodes[static_cast<std::size_t>(n)];
    const std::vector<const Dense<double>*> in{&nd.q, &nd.k, &nd.v};
    const Dense<double> g = R(vs, rng);
    std::vector<Dense<double>> df, dg;
    for (const auto* x : in) df.push_back(Dense<double>::full(x->shape, 0.0)), dg.push_back(Dense<double>::full(x->shape, 0.0));
    std::vector<Dense<double>*> pf{&df[0], &df[1], &df[2]}, pg{&dg[0], &dg[1], &dg[2]};
    Dense<double> y = Dense<double>::full(vs, 0.0);
    spec::generic_forward<double>(op, in, a, y);
    spec::generic_vjp<double>(op, in, y, g, a, pg);
    BOOST_REQUIRE(rt::fast_vjp<double>(op, in, nd.y, g, a, pf));
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(rt::testing::worst_difference(df[i], dg[i]) < 1e-13, "node " << n << " d" << "qkv"[i]);
  }
}

// Past kAttentionMaxSaved (2^23) probabilities the forward keeps none, in a
// per-batch scratch instead, and the backward recomputes them: the one path
// the property suites' realistic shapes cannot reach (rt::kernel_paths()).
BOOST_AUTO_TEST_CASE(large_attention_recomputes_its_probabilities) {
  std::mt19937 rng(5);
  const auto op = spec::op_id<Op>;
  const spec::AttrMap a;
  const spec::Shape qs{2, 512, 2}, ks{2, 8193, 2};  // Z*L*S = 8,389,632 > 2^23
  const Dense<double> q = R(qs, rng), k = R(ks, rng), v = R(ks, rng);
  const std::vector<const Dense<double>*> in{&q, &k, &v};
  Dense<double> yf = Dense<double>::full(qs, 0.0), yg = yf;
  BOOST_REQUIRE(rt::fast_forward<double>(op, in, a, yf));
  spec::generic_forward<double>(op, in, a, yg);
  BOOST_TEST(rt::testing::worst_difference(yf, yg) < 1e-13);
  const Dense<double> g = R(qs, rng);
  std::vector<Dense<double>> df, dg;
  for (const auto* x : in) df.push_back(Dense<double>::full(x->shape, 0.0)), dg.push_back(Dense<double>::full(x->shape, 0.0));
  std::vector<Dense<double>*> pf{&df[0], &df[1], &df[2]}, pg{&dg[0], &dg[1], &dg[2]};
  spec::generic_vjp<double>(op, in, yg, g, a, pg);
  BOOST_REQUIRE(rt::fast_vjp<double>(op, in, yf, g, a, pf));
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(rt::testing::worst_difference(df[i], dg[i]) < 1e-13, "d" << "qkv"[i]);
}
