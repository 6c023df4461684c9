#define BOOST_TEST_MODULE contracts_runtime_contracts
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "vt/contracts/runtime_contracts.hpp"
#include "vt/spec/mutation.hpp"
#include "vt/spec/text_format.hpp"

// The runtime (FastKernels and generic kernels) meets every op's contract on
// the example graphs; a planted FastKernel bug does not.

namespace {
std::filesystem::path graphs() {
  const char* root = std::getenv("VT_SOURCE_DIR");
  return std::filesystem::path(root ? root : ".") / "examples" / "graphs";
}
}  // namespace

BOOST_AUTO_TEST_CASE(the_runtime_meets_the_contracts_on_every_example_graph) {
  int graphs_seen = 0;
  for (const auto& e : std::filesystem::directory_iterator(graphs())) {
    if (e.path().extension() != ".vtg") continue;
    const vt::spec::GraphData g = vt::spec::load_vtg_file(e.path().string());
    const auto args = vt::ref::random_inputs(g, 5);
    for (bool fast : {true, false}) {
      const auto r = vt::contracts::audit_runtime(g, args, fast);
      BOOST_TEST(r.all_met(), e.path().filename() << (fast ? " (FastKernels)" : " (generic)") << "\n" << vt::ref::format_table(r));
    }
    ++graphs_seen;
  }
  BOOST_TEST(graphs_seen >= 5);
}

BOOST_AUTO_TEST_CASE(a_gemm_with_a_wrong_leading_dimension_breaks_the_contract) {
  const vt::spec::GraphData g = vt::spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  const auto args = vt::ref::random_inputs(g, 5);
  const vt::spec::mutation::Plant bug(vt::spec::mutation::Mutant::fast_gemm_wrong_ld);
  const auto r = vt::contracts::audit_runtime(g, args, true);
  BOOST_TEST(!r.all_met());
  BOOST_TEST(!r.first_violation.empty());
}

BOOST_AUTO_TEST_CASE(the_per_node_backward_check_catches_a_backward_kernel_bug) {
  const vt::spec::GraphData g = vt::spec::load_vtg_file((graphs() / "mlp_mse.vtg").string());
  const auto args = vt::ref::random_inputs(g, 5);
  const auto clean = vt::contracts::audit_runtime(g, args, true);
  int backward_nodes = 0;
  for (const auto& n : clean.nodes) backward_nodes += n.node.find("(backward)") != std::string::npos;
  BOOST_TEST(backward_nodes >= 3);  // every node on the way to the loss
  const vt::spec::mutation::Plant bug(vt::spec::mutation::Mutant::fast_backward_drops_row);
  const auto r = vt::contracts::audit_runtime(g, args, true);
  bool caught = false;
  for (const auto& n : r.nodes)
    caught = caught || (n.node.find("(backward)") != std::string::npos && n.op == "linear" && n.verdict == vt::ref::NodeVerdict::Violated);
  BOOST_TEST(caught, vt::ref::format_table(r));
}

// A backward kernel that returns NaN where the exact gradient is finite is a
// violation (never an inconclusive comparison, never a discarded case): a
// layer_norm backward without eps divides 0 by 0 on a constant row.
BOOST_AUTO_TEST_CASE(a_non_finite_backward_element_is_a_violation) {
  const vt::spec::GraphData g = vt::spec::parse_vtg(R"(graph constant_row {
  input %x : f32[2, 4]
  param %w : f32[4]
  param %b : f32[4]
  %y = layer_norm(%x, %w, %b) {normalized_shape = [4]} : f32[2, 4]
  %sq = square(%y) : f32[2, 4]
  %loss = sum(%sq) : f32[]
  output %loss
})");
  const std::map<std::string, std::vector<double>> args{
      {"x", {1.5, 1.5, 1.5, 1.5, 0.25, -1, 2, 0.5}}, {"w", {1, -2, 0.5, 3}}, {"b", {0, 1, 0, -1}}};
  BOOST_TEST(vt::contracts::audit_runtime(g, args, true).all_met());
  const vt::spec::mutation::Plant bug(vt::spec::mutation::Mutant::fast_norm_backward_drops_eps);
  const auto r = vt::contracts::audit_runtime(g, args, true);
  bool non_finite = false;
  for (const auto& n : r.nodes)
    non_finite = non_finite || (n.verdict == vt::ref::NodeVerdict::Violated && n.detail.find("non-finite") != std::string::npos);
  BOOST_TEST(non_finite, vt::ref::format_table(r));
  BOOST_TEST(!r.all_met());
}
