#define BOOST_TEST_MODULE reference_audit
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <random>

#include "vt/reference/audit.hpp"
#include "vt/reference/contract_bounds.hpp"
#include "vt/spec/text_format.hpp"

// The audit: the generic float path meets every op's contract on every
// example graph; values or gradients nudged away from the truth are caught
// at the right node; bad data is a clear error.

using namespace vt;
namespace fs = std::filesystem;

namespace {
fs::path graphs() {
  const char* src = std::getenv("VT_SOURCE_DIR");
  return fs::path(src ? src : ".") / "examples" / "graphs";
}
std::map<std::string, std::vector<double>> inputs(const spec::GraphData& g, unsigned seed) {
  return ref::random_inputs(g, seed);
}
const ref::NodeAudit& node(const ref::AuditReport& r, const std::string& name) {
  for (const auto& n : r.nodes)
    if (n.node == name) return n;
  throw std::runtime_error("no node " + name);
}
double next_float(double v, int ulps) {
  float f = static_cast<float>(v);
  for (int i = 0; i < ulps; ++i) f = std::nextafter(f, INFINITY);
  return f;
}
}  // namespace

BOOST_AUTO_TEST_CASE(generic_float_path_meets_every_contract_on_every_example_graph) {
  int graphs_seen = 0;
  for (const auto& entry : fs::directory_iterator(graphs())) {
    const spec::GraphData g = spec::load_vtg_file(entry.path().string());
    for (unsigned seed : {1u, 2u}) {
      const auto data = ref::run_generic_float(g, inputs(g, seed));
      const auto rep = ref::audit(g, data);
      BOOST_TEST(rep.all_met(), g.name << ":\n" << ref::format_table(rep));
      for (const auto& n : rep.nodes) BOOST_TEST((n.verdict == ref::NodeVerdict::Met), g.name << " " << n.node << ": " << n.detail);
    }
    ++graphs_seen;
  }
  BOOST_TEST(graphs_seen >= 6);
}

BOOST_AUTO_TEST_CASE(a_value_nudged_off_the_truth_is_caught_at_its_node) {
  const spec::GraphData g = spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  const auto good = ref::run_generic_float(g, inputs(g, 3));
  // An exact op (relu) off by one ulp: violated, and named as the first violation.
  auto bad = good;
  auto& a = bad.values["a"];
  const auto pos = std::find_if(a.begin(), a.end(), [](double v) { return v > 0; }) - a.begin();
  a[static_cast<std::size_t>(pos)] = next_float(a[static_cast<std::size_t>(pos)], 1);
  auto rep = ref::audit(g, bad);
  BOOST_TEST(!rep.all_met());
  BOOST_TEST(rep.first_violation == "%a");
  BOOST_TEST((node(rep, "%a").verdict == ref::NodeVerdict::Violated));
  BOOST_TEST(node(rep, "%a").local.worst == pos);
  BOOST_TEST((node(rep, "%h").verdict == ref::NodeVerdict::Met));
  // A dot-product node off by far more than gamma_n sum|terms| allows.
  bad = good;
  bad.values["out"][5] = static_cast<float>(bad.values["out"][5] * 1.001);
  rep = ref::audit(g, bad);
  BOOST_TEST(rep.first_violation == "%out");
  BOOST_TEST(node(rep, "%out").detail.find("element 5") != std::string::npos, node(rep, "%out").detail);
}

BOOST_AUTO_TEST_CASE(gradient_errors_are_measured_against_the_exact_gradient) {
  const spec::GraphData g = spec::load_vtg_file((graphs() / "softmax_classifier.vtg").string());
  const auto good = ref::run_generic_float(g, inputs(g, 4));
  const auto rep = ref::audit(g, good);
  BOOST_TEST(rep.gradients.size() == 3u);  // x, w, b (the i64 label has none)
  // Elementwise relative error is unbounded near zero entries (cancellation);
  // the normwise error is what a correct float gradient keeps small.
  for (const auto& gr : rep.gradients) {
    BOOST_TEST(gr.normwise < 1e-4, gr.arg << " normwise " << gr.normwise);
    BOOST_TEST((gr.verdict == ref::NodeVerdict::Met));
  }
  BOOST_TEST(rep.all_met());
  auto bad = good;
  // A sign error in the largest entry: the error is 2 max|g*|, against a scale
  // of max|g*| or the (larger) size of the terms summed into it: orders of
  // magnitude past sqrt(u) = 1.5e-8.
  auto& gw = bad.grads["w"];
  const auto big = std::max_element(gw.begin(), gw.end(), [](double a, double b) { return std::abs(a) < std::abs(b); }) - gw.begin();
  gw[static_cast<std::size_t>(big)] = -gw[static_cast<std::size_t>(big)];
  const auto rep2 = ref::audit(g, bad);
  BOOST_TEST(!rep2.all_met());
  BOOST_TEST(rep2.first_violation == "gradient %w");
  for (const auto& gr : rep2.gradients)
    if (gr.arg == "%w") {
      BOOST_TEST(gr.error.worst == big);
      BOOST_TEST(gr.normwise > 1e-3);
      BOOST_TEST((gr.verdict == ref::NodeVerdict::Violated));
    }
}

BOOST_AUTO_TEST_CASE(elementwise_nodes_of_the_generic_path_are_correctly_rounded) {
  // chain.vtg is mul/add/constant in f64: IEEE operations round correctly,
  // so every node is within half an ulp of the exact result on its inputs.
  const spec::GraphData g = spec::load_vtg_file((graphs() / "chain.vtg").string());
  ref::AuditData d = ref::run_generic_float(g, inputs(g, 5));
  const auto rep = ref::audit(g, d);
  BOOST_TEST(rep.all_met());
  for (const auto& n : rep.nodes) BOOST_TEST(n.local.max_ulp <= 0.5);
}

BOOST_AUTO_TEST_CASE(bad_audit_data_is_a_clear_error) {
  const spec::GraphData g = spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  auto args = inputs(g, 6);
  args.erase("w2");
  BOOST_CHECK_EXCEPTION(ref::run_generic_float(g, args), spec::ShapeError,
                        [](const spec::ShapeError& e) { return std::string(e.what()) == "no values given for argument %w2"; });
  args = inputs(g, 6);
  args["b1"].pop_back();
  BOOST_CHECK_EXCEPTION(ref::audit(g, ref::AuditData{args, {}, {}, "t"}), spec::ShapeError, [](const spec::ShapeError& e) {
    return std::string(e.what()).find("%b1 : f32[32] needs 32 values, got 31") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(contract_bound_arithmetic) {
  BOOST_TEST(ref::ulp_of(1.0, spec::DType::f32) == 0x1p-23);
  BOOST_TEST(ref::ulp_of(0.75, spec::DType::f32) == 0x1p-24);
  BOOST_TEST(ref::ulp_of(0.0, spec::DType::f32) == 0x1p-149);
  BOOST_TEST(ref::ulp_of(1.0, spec::DType::f64) == 0x1p-52);
  BOOST_TEST(ref::gamma(2, 0x1p-24) == 2 * 0x1p-24 / (1 - 2 * 0x1p-24));
  BOOST_TEST(std::isinf(ref::gamma(1 << 25, 0x1p-24)));
}

BOOST_AUTO_TEST_CASE(an_audit_that_audits_nothing_does_not_pass) {
  const spec::GraphData g = spec::load_vtg_file((graphs() / "chain.vtg").string());
  ref::AuditData d{inputs(g, 7), {{"y3", {0.6}}}, {}, "test"};  // an output alone, without its inputs' values
  const auto rep = ref::audit(g, d);
  BOOST_TEST(!rep.all_met());
  BOOST_TEST(ref::format_table(rep).find("nothing could be audited") != std::string::npos);
  BOOST_TEST(node(rep, "%y3").end_to_end.max_ulp > 1e6);  // still measured end to end
}

namespace {
ref::AuditReport audit_text(const std::string& text, std::map<std::string, std::vector<double>> args,
                            std::map<std::string, std::vector<double>> values) {
  const spec::GraphData g = spec::parse_vtg(text);
  return ref::audit(g, ref::AuditData{std::move(args), std::move(values), {}, "test"});
}
}  // namespace

BOOST_AUTO_TEST_CASE(non_finite_results_never_meet_a_contract) {
  const std::string sum = "graph g {\n  input %x : f64[2]\n  %s = sum(%x) : f64[]\n  output %s\n}\n";
  // The sum of |terms| overflows: no finite bound, but a NaN or infinite result still fails.
  for (double y : {std::nan(""), std::numeric_limits<double>::infinity(), -5.0}) {
    const auto rep = audit_text(sum, {{"x", {1e308, 1e308}}}, {{"s", {y}}});
    BOOST_TEST(!rep.all_met(), y);
  }
  const auto nan = audit_text(sum, {{"x", {1, 2}}}, {{"s", {std::nan("")}}});
  BOOST_TEST((node(nan, "%s").verdict == ref::NodeVerdict::Violated));
}

BOOST_AUTO_TEST_CASE(correct_results_near_underflow_meet_their_contracts) {
  // softmax([0, -110]) in float32 is [1, 0]: exp(-110) underflows, as in PyTorch.
  const auto rep = audit_text("graph g {\n  input %x : f32[2]\n  %p = softmax(%x) : f32[2]\n  output %p\n}\n",
                              {{"x", {0, -110}}}, {{"p", {1, 0}}});
  BOOST_TEST(rep.all_met(), ref::format_table(rep));
  const auto mse = audit_text("graph g {\n  input %x : f32[1]\n  input %t : f32[1]\n  %l = mse_loss(%x, %t) : f32[]\n  output %l\n}\n",
                              {{"x", {static_cast<float>(1e-30)}}, {"t", {0}}}, {{"l", {0}}});
  BOOST_TEST(mse.all_met(), ref::format_table(mse));
}

BOOST_AUTO_TEST_CASE(float_attributes_take_the_nodes_dtype) {
  // clamp's bound 0.1 on an f32 node is 0.1f for float code and reference alike.
  const spec::GraphData g = spec::parse_vtg(
      "graph g {\n  input %x : f32[2]\n  %c = clamp(%x) {min = 0.1} : f32[2]\n  output %c\n}\n");
  const auto data = ref::run_generic_float(g, {{"x", {0, 1}}});
  BOOST_TEST(data.values.at("c")[0] == static_cast<double>(0.1f));
  BOOST_TEST(ref::audit(g, data).all_met());
}

BOOST_AUTO_TEST_CASE(duplicate_enclosures_do_not_make_softmax_inconclusive) {
  const auto g = spec::parse_vtg(
      "graph g {\n  input %x : f64[2]\n  %t = tanh(%x) : f64[2]\n  %p = softmax(%t) : f64[2]\n  %s = sum(%p) : f64[]\n  output %s\n}\n");
  const auto rep = ref::audit(g, ref::run_generic_float(g, {{"x", {0.5, 0.5}}}));
  BOOST_TEST(rep.all_met(), ref::format_table(rep));
}

BOOST_AUTO_TEST_CASE(inputs_must_be_values_of_their_dtype) {
  const std::string sub = "graph g {\n  input %x : f32[1]\n  input %z : f32[1]\n  %d = sub(%x, %z) : f32[1]\n  output %d\n}\n";
  BOOST_CHECK_EXCEPTION(audit_text(sub, {{"x", {1.00000005}}, {"z", {1}}}, {{"d", {0}}}), spec::ShapeError, [](const spec::ShapeError& e) {
    return std::string(e.what()) == "argument %x[0] = 1.00000005 is not a float32 value";
  });
  const std::string ce =
      "graph g {\n  input %x : f32[1, 2]\n  input %t : i64[1]\n  %l = cross_entropy(%x, %t) : f32[]\n  output %l\n}\n";
  BOOST_CHECK_THROW(audit_text(ce, {{"x", {0, 0}}, {"t", {1.5}}}, {{"l", {0.5}}}), spec::ShapeError);
}

// Another framework's per-node gradients (AuditData::node_grads): each
// node's backward is checked alone, against its exact VJP on the given
// values and cotangent; a value with several consumers against their sum.
BOOST_AUTO_TEST_CASE(given_node_gradients_are_audited_node_by_node) {
  const spec::GraphData g = spec::parse_vtg(R"(graph t {
  input %x : f64[3]
  %t = tanh(%x) : f64[3]
  %s = mul(%t, %t) : f64[3]
  %u = add(%s, %t) : f64[3]
  %l = sum(%u) : f64[]
  output %l
})");
  ref::AuditData d;
  d.args["x"] = {-0.75, 0.125, 1.5};
  std::vector<double> t, s, u, gt, gx;
  double l = 0;
  for (double x : d.args["x"]) {
    t.push_back(std::tanh(x));
    s.push_back(t.back() * t.back());
    u.push_back(s.back() + t.back());
    l += u.back();
    gt.push_back(2 * t.back() + 1);
    gx.push_back(gt.back() * (1 - t.back() * t.back()));
  }
  d.values = {{"t", t}, {"s", s}, {"u", u}, {"l", {l}}};
  d.node_grads = {{"t", gt}, {"s", {1, 1, 1}}, {"u", {1, 1, 1}}, {"l", {1}}};
  d.grads["x"] = gx;
  d.origins["t"] = "fx node tanh at model.py:3";
  const auto good = ref::audit(g, d);
  BOOST_TEST(good.all_met(), ref::format_table(good));
  BOOST_TEST((node(good, "%t (backward)").verdict == ref::NodeVerdict::Met));
  BOOST_TEST(node(good, "%t (gradient sum)").op == "mul+add");
  BOOST_TEST((node(good, "%u (backward)").verdict == ref::NodeVerdict::Met));
  BOOST_TEST(node(good, "%t (backward)").origin == "fx node tanh at model.py:3");

  auto wrong_rule = d;  // tanh's backward off by a relative 1e-9: far outside gamma_k * terms
  wrong_rule.grads["x"][1] *= 1 + 1e-9;
  const auto r1 = ref::audit(g, wrong_rule);
  BOOST_TEST((node(r1, "%t (backward)").verdict == ref::NodeVerdict::Violated));
  BOOST_TEST(node(r1, "%t (backward)").detail.find("gradient of %x element 1") == 0, node(r1, "%t (backward)").detail);
  BOOST_TEST((node(r1, "%t (gradient sum)").verdict == ref::NodeVerdict::Met));
  BOOST_TEST(r1.first_violation == "%t (backward)");

  auto wrong_sum = d;  // one consumer's term dropped from t's gradient
  wrong_sum.node_grads["t"][2] -= 1;
  const auto r2 = ref::audit(g, wrong_sum);
  BOOST_TEST((node(r2, "%t (gradient sum)").verdict == ref::NodeVerdict::Violated));

  auto partial = d;  // u's cotangent missing: the rows that need it say so
  partial.node_grads.erase("u");
  const auto r3 = ref::audit(g, partial);
  BOOST_TEST((node(r3, "%u (backward)").verdict == ref::NodeVerdict::NotAudited));
  BOOST_TEST(node(r3, "%u (backward)").detail == "gradient of %u not given");
  BOOST_TEST((node(r3, "%t (backward)").verdict == ref::NodeVerdict::Met));

  auto seed = d;  // d l / d l must be 1
  seed.node_grads["l"] = {2};
  BOOST_TEST((node(good, "%l (gradient seed)").verdict == ref::NodeVerdict::Met));
  BOOST_TEST((node(ref::audit(g, seed), "%l (gradient seed)").verdict == ref::NodeVerdict::Violated));
}
