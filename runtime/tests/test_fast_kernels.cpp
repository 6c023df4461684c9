#define BOOST_TEST_MODULE runtime_fast_kernels
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <random>

#include "vt/reference/audit.hpp"
#include "vt/runtime/blas.hpp"
#include "vt/runtime/program.hpp"
#include "vt/spec/builder.hpp"
#include "vt/spec/text_format.hpp"
#include "runtime/tests/support.hpp"

// FastKernels are implementations of op-table entries: on every example
// graph, the compiled runtime with them on must meet every op's error
// contract against the exact reference, for values and gradients alike.

using namespace vt;
namespace fs = std::filesystem;
using namespace vt::rt::testing;

namespace {
// The example graphs checked in under examples/graphs.
fs::path graphs() { return rt::testing::source_path("examples/graphs"); }

std::map<std::string, std::vector<double>> inputs(const spec::GraphData& g, unsigned seed) {
  return ref::random_inputs(g, seed);
}

// Runs a program and collects what an audit needs: every node's value and
// the parameters' gradients of output 0.
template <class S>
ref::AuditData run(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast) {
  rt::Program<S> p(g, fast);
  for (const auto& [name, v] : args) {
    std::vector<S> s(v.begin(), v.end());
    p.set(name, s);
  }
  p.forward();
  ref::AuditData d;
  d.args = args;
  d.producer = fast ? "runtime (FastKernels)" : "runtime (generic)";
  for (const auto& n : g.nodes) d.values[n.name] = std::vector<double>(p.value(n.name).data.begin(), p.value(n.name).data.end());
  if (p.output().numel() == 1 && spec::is_float(g.nodes.back().type.dtype) && p.tape().requires_grad(p.tape().nodes().back().output)) {
    p.backward();
    for (const auto& a : g.args)
      if (a.kind == spec::ArgKind::Param && p.grad(a.name))
        d.grads[a.name] = std::vector<double>(p.grad(a.name)->data.begin(), p.grad(a.name)->data.end());
  }
  return d;
}
}  // namespace

BOOST_AUTO_TEST_CASE(fast_kernels_meet_every_contract_on_every_example_graph) {
  int audited = 0;
  for (const auto& entry : fs::directory_iterator(graphs())) {
    const spec::GraphData g = spec::load_vtg_file(entry.path().string());
    const auto args = inputs(g, 11);
    const auto data = ref::float_dtype(g) == spec::DType::f32 ? run<float>(g, args, true) : run<double>(g, args, true);
    const auto rep = ref::audit(g, data);
    BOOST_TEST(rep.all_met(), ref::format_table(rep));
    // Gradients agree with the exact ones normwise to a few roundings per term.
    for (const auto& gr : rep.gradients) BOOST_TEST(gr.normwise < 1e-4, g.name << " " << gr.arg << " " << gr.normwise);
    ++audited;
  }
  BOOST_TEST(audited >= 6);
}

BOOST_AUTO_TEST_CASE(fast_and_generic_paths_agree_closely_and_decline_broadcasts) {
  const spec::GraphData g = spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  const auto args = inputs(g, 12);
  const auto fast = run<float>(g, args, true), generic = run<float>(g, args, false);
  for (const auto& [name, v] : generic.values) {
    const auto& f = fast.values.at(name);
    for (std::size_t i = 0; i < v.size(); ++i) BOOST_TEST(std::abs(f[i] - v[i]) <= 1e-5 * (1 + std::abs(v[i])), name << "[" << i << "]");
  }
  // relu is elementwise on equal shapes: the same scalar function, bitwise equal.
  const auto h_fast = fast.values.at("h"), h_gen = generic.values.at("h");
  std::vector<double> relu_of_fast_h(h_fast.size());
  for (std::size_t i = 0; i < h_fast.size(); ++i) relu_of_fast_h[i] = h_fast[i] <= 0 ? 0 : h_fast[i];
  BOOST_TEST(fast.values.at("a") == relu_of_fast_h, boost::test_tools::per_element());

  // A bias-like broadcast add (trailing axes) runs the fast loop, in the
  // generic rule's order: bitwise equal to generic.
  spec::GraphBuilder b("bcast");
  auto x = b.input("x", spec::DType::f32, {3, 4});
  auto c = b.param("c", spec::DType::f32, {4});
  b.output(b.sum(b.add(x, c)));
  const auto gb = b.build();
  const auto bargs = inputs(gb, 13);
  BOOST_TEST(run<float>(gb, bargs, true).values.at("v0") == run<float>(gb, bargs, false).values.at("v0"), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(program_misuse_is_a_clear_error) {
  const spec::GraphData g = spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  rt::Program<float> p(g);
  std::vector<float> three(3, 0.f);
  BOOST_CHECK_EXCEPTION(p.set("x", three), spec::ShapeError,
                        [](const spec::ShapeError& e) { return std::string(e.what()) == "%x has 2048 elements, got 3"; });
  BOOST_CHECK_THROW(p.set("nope", three), spec::UsageError);
  BOOST_CHECK_THROW(p.value("nope"), spec::UsageError);
}

BOOST_AUTO_TEST_CASE(compiled_training_reduces_the_loss) {
  const spec::GraphData g = spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  rt::Program<float> p(g);
  std::mt19937 rng(3);
  std::normal_distribution<float> init(0.f, 0.1f);
  for (const auto& a : g.args)
    for (auto& v : p.arg(a.name).data) v = a.kind == spec::ArgKind::Param ? init(rng) : std::abs(init(rng)) * 5;
  p.forward();
  const float first = p.output()[0];
  for (int step = 0; step < 50; ++step) {
    p.zero_grad();
    p.forward();
    p.backward();
    p.sgd_step(0.1f);
  }
  p.forward();
  BOOST_TEST(p.output()[0] < 0.5f * first);
}

BOOST_AUTO_TEST_CASE(a_kernel_with_an_off_by_one_inner_dimension_is_caught_by_the_audit) {
  // Planted bug: linear's GEMM summing over I - 1 inputs instead of I (strides
  // right, so BLAS accepts the call and silently drops the last column).
  const spec::GraphData g = spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  const auto args = inputs(g, 14);
  auto data = run<float>(g, args, true);
  const std::vector<float> x(args.at("x").begin(), args.at("x").end()), w(args.at("w1").begin(), args.at("w1").end()),
      b(args.at("b1").begin(), args.at("b1").end());
  const std::int64_t R = 32, O = 32, I = 64;
  std::vector<float> h(static_cast<std::size_t>(R * O));
  for (std::int64_t r = 0; r < R; ++r) std::copy(b.begin(), b.end(), h.begin() + r * O);
  rt::gemm<float>(false, true, R, O, I - 1, 1.f, x.data(), I, w.data(), I, 1.f, h.data(), O);
  data.values["h"] = std::vector<double>(h.begin(), h.end());
  const auto rep = ref::audit(g, data);
  BOOST_TEST(rep.first_violation == "%h", ref::format_table(rep));
}

BOOST_AUTO_TEST_CASE(lazily_zeroed_gradients_equal_fresh_ones) {
  // zero_grad() only marks gradients stale; kernels then overwrite them (GEMM
  // beta = 0) or zero them first. A second backward after zero_grad must give
  // exactly the first backward's gradients, on both paths.
  const spec::GraphData g = spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  const auto args = inputs(g, 15);
  for (bool fast : {true, false}) {
    rt::Program<float> p(g, fast);
    for (const auto& [name, v] : args) p.set(name, std::vector<float>(v.begin(), v.end()));
    p.forward();
    p.backward();
    std::map<std::string, std::vector<float>> first;
    for (const auto& a : g.args)
      if (a.kind == spec::ArgKind::Param) first[a.name] = p.grad(a.name)->data;
    for (int again = 0; again < 2; ++again) {
      p.zero_grad();
      p.forward();
      p.backward();
      for (const auto& [name, gr] : first) BOOST_TEST(p.grad(name)->data == gr, boost::test_tools::per_element());
    }
    p.zero_grad();  // and a read right after zero_grad sees zeros
    for (const auto& [name, gr] : first)
      BOOST_TEST(p.grad(name)->data == std::vector<float>(gr.size(), 0.f), boost::test_tools::per_element());
  }
}
