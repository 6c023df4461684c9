// Planted bugs against the provers: each must yield a counterexample.
#include <chrono>

#include "vt/contracts/proofs.hpp"
#include "vt/spec/mutation.hpp"

namespace vt::contracts {

std::vector<ProvableMutant> provable_mutants() {
  return {{"vjp_wrong_sign", "neg"},
          {"matmul_no_transpose", "matmul"},
          {"broadcast_no_reduce", "add"},
          {"mean_wrong_count", "mean"},
          {"relu_grad_below_zero", "relu"},
          {"relu_grad_at_zero", "relu"},
          {"conv2d_flipped_kernel", "conv2d"},
          {"conv2d_ignores_padding", "conv2d"},
          {"softmax_no_subtraction", "softmax"},
          {"layer_norm_drops_mean_term", "layer_norm"},
          {"attention_drops_softmax_correction", "scaled_dot_product_attention"}};
}

namespace {
spec::mutation::Mutant mutant_named(const std::string& name) {
  for (const auto& m : spec::mutation::kMutantNames)
    if (m.name == name) return m.mutant;
  throw std::logic_error("no planted bug named " + name);
}
}  // namespace

std::vector<MutantProof> prove_mutants(unsigned timeout_ms) {
  std::vector<MutantProof> out;
  for (const auto& pm : provable_mutants()) {
    const auto t0 = std::chrono::steady_clock::now();
    MutantProof r;
    r.planted = pm;
    {
      spec::mutation::Plant plant(mutant_named(pm.mutant));
      for (const auto& t : run_proofs({.op = pm.op, .kind = std::nullopt, .timeout_ms = timeout_ms, .quick = true})) {
        if (t.result != ProofResult::counterexample) continue;
        r.caught = true;
        r.confirmed = t.replay_confirmed;
        r.theorem = t.kind + ": " + t.detail;
        break;
      }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace vt::contracts
