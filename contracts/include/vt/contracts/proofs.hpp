#pragma once
// Z3 proofs (`veritape prove`): theorems about the op table, each proved for
// every case of a stated bounded family.
//   soundness   for all real x, v, g:  <g, J(x) v> == <VJP(x, g), v>, with J v
//               from the op's forward on dual numbers; transcendental ops
//               relative to the derivative table (see z3_scalar.hpp)
//   convention  the declared gradient at kinks and ties (relu'(0) = 0, ...)
//   index       offsets in bounds and maps injective, in bit-vector
//               arithmetic, for all shapes below stated limits
// A theorem is proved only when Z3 shows the negation unsatisfiable on every
// case and path; "unknown" is never reported as proved.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace vt::contracts {

enum class ProofResult { proved, counterexample, unknown };
const char* to_string(ProofResult r);
inline std::ostream& operator<<(std::ostream& os, ProofResult r) { return os << to_string(r); }

struct Theorem {
  std::string op;        // an op of the table, or an index map
  std::string kind;      // "soundness" | "convention" | "index"
  std::string property;  // what is proved
  std::string family;    // for which shapes (or values)
  ProofResult result = ProofResult::unknown;
  double seconds = 0;
  std::int64_t cases = 0;  // cases (shapes x attributes) proved
  std::int64_t paths = 0;  // feasible branch paths proved, over all cases
  std::string detail;      // the counterexample and its replay, or why unknown
  bool replay_confirmed = false;  // a soundness counterexample that the exact replay confirms
};

struct ProofOptions {
  std::optional<std::string> op;    // only theorems about this op or index map
  std::optional<std::string> kind;  // only this kind
  unsigned timeout_ms = 10000;      // per solver call
  double theorem_budget_s = 30;     // a soundness theorem still running after this is stopped: unknown
  bool quick = false;               // the CTest subset: rank <= 2, dims <= 2
  bool full = false;                // rank <= 3, dims <= 3 (default: rank <= 3, dims <= 2)
  std::optional<std::string> fragment = std::nullopt;  // only soundness theorems of "rational" or "transcendental" ops
};

// Every theorem the options select, in table order. Throws UsageError for an
// unknown op or kind.
std::vector<Theorem> run_proofs(const ProofOptions& options);

// The names the options accept.
std::vector<std::string> provable_ops();
std::vector<std::string> index_map_names();

}  // namespace vt::contracts

namespace vt::contracts {

// The planted bugs (spec/mutation.hpp) in the provers' scope: each touches a
// node VJP or an index map, and `veritape prove` must answer it with a
// counterexample on the named op.
struct ProvableMutant {
  std::string mutant;  // its name in spec::mutation::kMutantNames
  std::string op;      // the op whose theorems must fail
};
std::vector<ProvableMutant> provable_mutants();

struct MutantProof {
  ProvableMutant planted;
  bool caught = false;     // some theorem about the op found a counterexample
  bool confirmed = false;  // and replaying it exactly confirmed it (soundness theorems)
  std::string theorem;     // the kind and detail of the first counterexample
  double seconds = 0;
};
// Plants each in-scope mutant in turn and runs the op's theorems (quick families).
std::vector<MutantProof> prove_mutants(unsigned timeout_ms);

}  // namespace vt::contracts
