#define BOOST_TEST_MODULE reference_attention
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "vt/reference/ref_backend.hpp"
#include "vt/spec/attention_graphs.hpp"
#include "vt/spec/lower.hpp"

// The scaled_dot_product_attention op and the composite of primitives that
// defines it compute the same function: run through the exact reference on
// the same inputs, every value and gradient of one encloses a point of the
// other's enclosure (the intervals overlap), and both are tight. The same for
// multi-head attention built on either form.

using namespace vt;
using spec::GraphBuilder;
using spec::GValue;

namespace {

constexpr auto f64 = spec::DType::f64;

// Deterministic, non-dyadic-looking float inputs.
std::vector<double> values_for(const spec::Arg& a, std::size_t salt) {
  std::vector<double> v(static_cast<std::size_t>(a.type.shape.numel()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<double>(static_cast<float>(std::sin(0.61 * static_cast<double>(i) + 1.7 * static_cast<double>(salt))));
  return v;
}

struct Result {
  ref::RefTensor loss;
  std::vector<ref::RefTensor> grads;  // per argument (empty for inputs)
};

Result run(const spec::GraphData& g) {
  ref::RefBackend be;
  spec::Tape<ref::RefBackend> t(be);
  const auto L = spec::lower(g, t);
  for (std::size_t a = 0; a < g.args.size(); ++a) t.leaf_value(L.arg_slots[a]) = ref::exact_tensor(g.args[a].type.shape, values_for(g.args[a], a));
  t.run_forward();
  t.backward(L.output_slots[0]);
  Result r{t.value(L.output_slots[0]), {}};
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    const ref::RefTensor* d = g.args[a].kind == spec::ArgKind::Param ? t.grad(L.arg_slots[a]) : nullptr;
    r.grads.push_back(d ? *d : ref::RefTensor{});
  }
  return r;
}

void same_function(const ref::RefTensor& a, const ref::RefTensor& b, const std::string& what) {
  const auto ia = a.to_intervals(), ib = b.to_intervals();
  BOOST_REQUIRE_EQUAL(ia.numel(), ib.numel());
  for (std::int64_t i = 0; i < ia.numel(); ++i) {
    BOOST_TEST(ref::overlap(ia[i], ib[i]), what << "[" << i << "] differs");
    // Tight: relative to the value, or to 1 where the value is 0 (the key
    // bias's gradient is exactly 0: it shifts a whole softmax row).
    const double width = boost::multiprecision::width(ia[i].raw()).convert_to<double>();
    BOOST_TEST((ref::relative_width(ia[i]) < 1e-50 || width < 1e-50), what << "[" << i << "] is not tight: " << ia[i]);
  }
}

// loss = sum(attention(q, k, v) * w), so that every output element carries its own weight.
spec::GraphData attention_graph(bool fused, std::optional<double> scale) {
  GraphBuilder b(fused ? "fused" : "primitives");
  const GValue q = b.param("q", f64, {2, 3, 5}), k = b.param("k", f64, {2, 4, 5}), v = b.param("v", f64, {2, 4, 3});
  const GValue w = b.input("w", f64, {2, 3, 3});
  const GValue y = fused ? b.scaled_dot_product_attention(q, k, v, scale) : spec::attention_from_primitives(b, q, k, v, scale);
  b.output(b.sum(b.mul(y, w)));
  return b.build();
}

spec::GraphData mha_graph(bool fused) {
  GraphBuilder b(fused ? "mha_fused" : "mha_primitives");
  const GValue x = b.input("x", f64, {2, 3, 8});
  const auto p = spec::multi_head_params(b, "attn.", f64, 8);
  const GValue y = spec::multi_head_attention(b, x, p, 2, false, fused);
  b.output(b.sum(b.mul(y, y)));
  return b.build();
}

}  // namespace

BOOST_AUTO_TEST_CASE(attention_op_equals_its_composite_of_primitives) {
  // E = 5: the default scale 1/sqrt(5) is irrational, built the same way in both.
  for (const std::optional<double> scale : {std::optional<double>{}, std::optional<double>{0.3}}) {
    const spec::GraphData fused = attention_graph(true, scale), prims = attention_graph(false, scale);
    BOOST_TEST(fused.nodes.size() < prims.nodes.size());
    const Result a = run(fused), b = run(prims);
    same_function(a.loss, b.loss, "loss");
    for (std::size_t i = 0; i < 3; ++i) same_function(a.grads[i], b.grads[i], "d" + fused.args[i].name);
  }
}

BOOST_AUTO_TEST_CASE(multi_head_attention_fused_equals_primitives) {
  const spec::GraphData fused = mha_graph(true), prims = mha_graph(false);
  const Result a = run(fused), b = run(prims);
  same_function(a.loss, b.loss, "loss");
  for (std::size_t i = 1; i < fused.args.size(); ++i) same_function(a.grads[i], b.grads[i], "d" + fused.args[i].name);
}

BOOST_AUTO_TEST_CASE(multi_head_attention_rejects_what_it_cannot_build) {
  GraphBuilder b("bad");
  const GValue x = b.input("x", f64, {2, 3, 8});
  const auto p = spec::multi_head_params(b, "a.", f64, 8);
  BOOST_CHECK_THROW(spec::multi_head_attention(b, x, p, 3), spec::ShapeError);  // 3 heads do not divide 8
  BOOST_CHECK_THROW(spec::multi_head_attention(b, x, p, 2, true, false), std::invalid_argument);  // causal composite
  const GValue flat = b.input("flat", f64, {6, 8});
  BOOST_CHECK_THROW(spec::multi_head_attention(b, flat, p, 2), spec::ShapeError);
}
