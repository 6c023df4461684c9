#pragma once
// Soundness of one op on one case: for all real inputs x, tangents v and
// cotangents g, <g, J(x) v> == <VJP(x, g), v>. A counterexample is replayed
// with its concrete values through the exact reference and the float
// generic path, and the report says whether they confirm it.
#include <chrono>

#include "proof_families.hpp"
#include "vt/contracts/proofs.hpp"

namespace vt::contracts {

struct CaseOutcome {
  ProofResult result = ProofResult::proved;
  std::int64_t paths = 0;
  std::string detail;
  bool replay_confirms = false;  // for a counterexample: the exact replay violates the identity too
  bool per_basis_vector = false;  // proved at each cotangent basis vector g = e_j (see PathExplorer::basis_vars)
};

CaseOutcome prove_soundness_case(const spec::OpInfo& op, const ProofCase& c, unsigned timeout_ms,
                                 std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

}  // namespace vt::contracts
