#define BOOST_TEST_MODULE contracts_realistic_shapes
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "vt/contracts/realistic_graphs.hpp"
#include "vt/contracts/runtime_contracts.hpp"
#include "vt/spec/mutation.hpp"

// The backward kernels at the sizes models use (contracts/realistic_graphs.hpp),
// against bounds counted per element from each op's own VJP: every kernel,
// FastKernels and generic, within them on several seeds; kernels that keep
// only float16's or TF32's 11 significant bits, or a sum that leaves out its
// smallest term, outside them.

using namespace vt;
namespace mutation = spec::mutation;

namespace {

// The worst |error| / bound over the backward nodes of one run, and whether
// every node met its contract (a message naming the first that did not).
struct BackwardRun {
  double worst_use = 0;
  bool violated = false;
  std::string failure;
};

BackwardRun run_backward(const spec::GraphData& g, std::uint64_t seed, bool fast) {
  BackwardRun out;
  for (const ref::NodeAudit& a : contracts::audit_backward_kernels(g, ref::random_inputs(g, seed), fast)) {
    out.worst_use = std::max(out.worst_use, a.bound_use);
    out.violated = out.violated || a.verdict == ref::NodeVerdict::Violated;
    if (out.failure.empty() && a.verdict != ref::NodeVerdict::Met)
      out.failure = a.node + " " + ref::to_string(a.verdict) + ": " + a.detail;
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_backward_kernel_is_within_its_counted_bound_at_realistic_shapes) {
  std::uint64_t seed = 0;  // a new draw for each run
  for (const spec::DType dtype : {spec::DType::f32, spec::DType::f64})
    for (const contracts::RealisticCase& c : contracts::realistic_cases(dtype))
      for (const bool fast : {true, false}) {
        const BackwardRun r = run_backward(c.graph, ++seed, fast);
        BOOST_TEST(r.failure.empty(), c.name << " " << spec::to_string(dtype) << (fast ? " FastKernels" : " generic") << " seed " << seed
                                              << ": " << r.failure);
        BOOST_TEST(r.worst_use <= 1.0);
      }
}

BOOST_AUTO_TEST_CASE(reduced_precision_gemms_and_a_dropped_term_are_caught_at_realistic_shapes) {
  const auto cases = contracts::realistic_cases(spec::DType::f32);
  const auto linear = std::find_if(cases.begin(), cases.end(), [](const auto& c) { return c.op == "linear"; });
  BOOST_REQUIRE(linear != cases.end());
  for (const mutation::Mutant m :
       {mutation::Mutant::fast_gemm_tf32_inputs, mutation::Mutant::fast_gemm_fp16_inputs, mutation::Mutant::fast_sum_drops_smallest}) {
    const mutation::Plant bug(m);
    for (const std::uint64_t seed : {1, 2, 3}) {
      const BackwardRun r = run_backward(linear->graph, seed, true);
      BOOST_TEST(r.violated, mutation::to_string(m) << " seed " << seed << " was not caught");
      BOOST_TEST(r.worst_use > 1.0, mutation::to_string(m) << " used only " << r.worst_use << " of its bound");
    }
  }
}
