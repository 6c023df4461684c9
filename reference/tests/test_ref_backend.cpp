#define BOOST_TEST_MODULE reference_backend
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>

#include "vt/reference/ref_backend.hpp"
#include "vt/spec/builder.hpp"
#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"
#include "vt/spec/text_format.hpp"

// The reference runs the same graphs as every other backend, on the same
// generic tape: exactly (rationals) in the rational fragment, in certified
// intervals from the first transcendental op on.

using namespace vt;
using ref::RefBackend;
using ref::Rational;
using spec::Dense;

namespace {
std::string graph_path(const char* name) {
  const char* src = std::getenv("VT_SOURCE_DIR");
  return (std::filesystem::path(src ? src : ".") / "examples" / "graphs" / name).string();
}
// Deterministic float inputs: sin-based values, integer class labels.
std::vector<double> inputs_for(const spec::Arg& a, std::size_t salt) {
  std::vector<double> v(static_cast<std::size_t>(a.type.shape.numel()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = a.type.dtype == spec::DType::i64 ? static_cast<double>((i * 7 + salt) % 10)
                                             : static_cast<double>(static_cast<float>(std::sin(0.37 * static_cast<double>(i) + static_cast<double>(salt))));
  return v;
}
// Lowers g onto t, sets every argument to inputs_for, runs forward and backward.
spec::LoweredGraph run_lowered(const spec::GraphData& g, spec::Tape<RefBackend>& t) {
  const spec::LoweredGraph L = spec::lower(g, t);
  for (std::size_t a = 0; a < g.args.size(); ++a)
    t.leaf_value(L.arg_slots[a]) = ref::exact_tensor(g.args[a].type.shape, inputs_for(g.args[a], a));
  t.run_forward();
  t.backward(L.output_slots[0]);
  return L;
}
}  // namespace

BOOST_AUTO_TEST_CASE(rational_graph_runs_exactly_and_compiled_equals_eager) {
  const spec::GraphData g = spec::load_vtg_file(graph_path("mlp_mse.vtg"));
  RefBackend be;
  spec::Tape<RefBackend> compiled(be);
  const auto L = run_lowered(g, compiled);
  const auto& loss = compiled.value(L.output_slots[0]);
  BOOST_TEST(loss.exact());  // linear, relu, mse_loss: all rational

  // Eager: record node by node on a fresh tape.
  spec::Tape<RefBackend> eager(be);
  std::vector<spec::Slot> leaves;
  for (std::size_t a = 0; a < g.args.size(); ++a)
    leaves.push_back(eager.leaf(ref::exact_tensor(g.args[a].type.shape, inputs_for(g.args[a], a)), g.args[a].kind == spec::ArgKind::Param));
  const spec::LoweredGraph E = spec::record_graph(g, eager, std::move(leaves));
  const std::vector<spec::Slot>& slot = E.value_slots;
  const spec::Slot root = E.output_slots[0];
  eager.backward(root);
  BOOST_TEST(eager.value(root).rational().data == loss.rational().data);
  for (std::size_t a = 2; a < g.args.size(); ++a)
    BOOST_TEST(eager.grad(slot[a])->rational().data == compiled.grad(L.arg_slots[a])->rational().data);

  // The float64 generic path agrees with the exact loss to double rounding.
  spec::DenseBackend<double> fb;
  spec::Tape<spec::DenseBackend<double>> ft(fb);
  const auto FL = spec::lower(g, ft);
  for (std::size_t a = 0; a < g.args.size(); ++a) ft.leaf_value(FL.arg_slots[a]).data = inputs_for(g.args[a], a);
  ft.run_forward();
  const double exact = loss.rational()[0].convert_to<double>();
  BOOST_TEST(std::abs(ft.value(FL.output_slots[0])[0] - exact) <= 1e-14 * std::abs(exact));
}

BOOST_AUTO_TEST_CASE(transcendental_graph_switches_to_tight_intervals) {
  const spec::GraphData g = spec::load_vtg_file(graph_path("softmax_classifier.vtg"));
  RefBackend be;
  spec::Tape<RefBackend> t(be);
  const auto L = run_lowered(g, t);
  const auto& loss = t.value(L.output_slots[0]);
  BOOST_TEST(!loss.exact());
  BOOST_TEST(ref::relative_width(loss.intervals()[0]) < 1e-70);  // 256-bit enclosure
  const auto& gw = *t.grad(L.arg_slots[2]);
  BOOST_TEST(!gw.exact());
  for (std::int64_t i = 0; i < gw.numel(); ++i) BOOST_TEST(ref::relative_width(gw.intervals()[i]) < 1e-60);
  // The logits (a rational node before cross_entropy) stay exact.
  BOOST_TEST(t.value(L.value_slots[g.args.size()]).exact());
}

BOOST_AUTO_TEST_CASE(bad_values_are_errors_naming_node_op_and_value) {
  auto run = [](const std::string& text, std::vector<double> x) {
    const spec::GraphData g = spec::parse_vtg(text);
    RefBackend be;
    spec::Tape<RefBackend> t(be);
    const auto L = spec::lower(g, t);
    t.leaf_value(L.arg_slots[0]) = ref::exact_tensor(g.args[0].type.shape, x);
    t.run_forward();
  };
  auto expect = [&](const std::string& text, std::vector<double> x, const std::string& needle, bool inconclusive) {
    try {
      run(text, std::move(x));
      BOOST_FAIL("expected DomainError containing " << needle);
    } catch (const spec::DomainError& e) {
      BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
      BOOST_TEST(e.inconclusive == inconclusive);
    }
  };
  expect("graph g {\n  input %x : f64[2]\n  %q = div(%x, %x) : f64[2]\n  output %q\n}\n", {1, 0},
         "%q = div: op 'div': division by exact zero", false);
  expect("graph g {\n  input %x : f64[2]\n  %l = log(%x) : f64[2]\n  output %l\n}\n", {1, -2},
         "%l = log: log of [-2, -2], which reaches <= 0", false);
  expect("graph g {\n  input %x : f64[2]\n  %e = exp(%x) : f64[2]\n  %d = sub(%e, %e) : f64[2]\n  %r = relu(%d) : f64[2]\n  output %r\n}\n",
         {1, 2}, "%r = relu: comparison of overlapping intervals", true);
  expect("graph g {\n  input %x : f64[2]\n  %e = exp(%x) : f64[2]\n  %d = sub(%e, %e) : f64[2]\n  %q = div(%x, %d) : f64[2]\n  output %q\n}\n",
         {1, 2}, "%q = div: op 'div': result element 0 is", false);
}

BOOST_AUTO_TEST_CASE(precision_is_selectable) {
  ref::Interval narrow, wide;
  {
    ref::IntervalPrecision p(64);
    wide = spec::ScalarTraits<ref::Interval>::exp(ref::Interval(1));
  }
  {
    ref::IntervalPrecision p(512);
    narrow = spec::ScalarTraits<ref::Interval>::exp(ref::Interval(1));
  }
  BOOST_TEST(ref::relative_width(wide) > 1e-25);
  BOOST_TEST(ref::relative_width(narrow) < 1e-150);
  BOOST_TEST(ref::overlap(wide, narrow));
}
