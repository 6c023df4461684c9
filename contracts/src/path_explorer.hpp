#pragma once
// Symbolic execution of generic op code on Sym scalars. Where the code
// branches with a C++ `if` on a comparison, the explorer decides the branch:
// a direction the path so far makes impossible is never taken, and when both
// are possible it takes one now and the other on a later run. Each complete
// path's goal is proved under its path condition and the hypothesis that no
// divisor is zero. Proved means: every feasible path proved.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vt/contracts/proofs.hpp"
#include "vt/contracts/z3_scalar.hpp"
#include "vt/reference/rational.hpp"

namespace vt::contracts {

struct PathOutcome {
  ProofResult result = ProofResult::proved;
  std::int64_t paths = 0;
  std::int64_t fast = 0;  // paths whose goal Z3's simplifier reduced to true
  bool basis = false;     // some path was proved one cotangent basis vector at a time
  std::int64_t basis_index = -1;  // a counterexample found at g = e_j: j (the model then holds no g)
  std::string reason;                // why unknown
  std::optional<z3::model> model;    // a counterexample
};

class PathExplorer {
 public:
  PathExplorer(SymWorld& world, unsigned timeout_ms, std::int64_t max_paths = 20000)
      : world_(world), timeout_ms_(timeout_ms), max_paths_(max_paths) {}
  // body() runs the code under test and returns the goal that must hold
  // wherever `assumption` holds (it also prunes the paths).
  PathOutcome explore(const std::function<z3::expr()>& body);
  PathOutcome explore(const std::function<z3::expr()>& body, const z3::expr& assumption);
  // Prove the goal only off the boundaries of the comparisons the code made
  // (a != b for each a < b it decided), and require that some path has points
  // there (no vacuous proof).
  bool off_boundaries = false;
  // Where the whole identity is beyond the solver, prove it at each g = e_j
  // of these cotangent variables instead (sound for VJPs linear in g).
  std::vector<z3::expr> basis_vars;
  // Past this time the exploration stops with unknown (a theorem's time budget).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

 private:
  struct Decision {
    z3::expr cond;
    bool taken;
    bool other_feasible;  // a branch point whose other side is still to run
  };
  z3::solver solver() const;
  z3::check_result check_per_basis_vector(z3::solver& s, PathOutcome& out);
  static bool next_path(std::vector<Decision>& taken, std::vector<Decision>& prefix);
  PathOutcome finish(PathOutcome out) const;
  static void add_off_boundary(z3::solver& s, const z3::expr& cond, const z3::params& simp);
  z3::solver path_solver(const z3::expr& assumption, const std::vector<Decision>& taken, const z3::params& simp) const;
  bool has_point_off_boundaries(const z3::expr& assumption, const std::vector<Decision>& taken, const z3::params& simp) const;
  bool any_point = false;
  std::map<std::string, z3::expr> atoms_;  // one canonical `t > 0` per linear guard (guard_normal_form.hpp)

  SymWorld& world_;
  unsigned timeout_ms_;
  std::int64_t max_paths_;
};

// The value Z3's model gives a variable, as an exact rational "n/d" (an
// algebraic number is given to 40 digits, a rational approximation).
std::string model_value(const z3::model& m, const z3::expr& var);
// A model value ("n/d", or a decimal ending in '?') as an exact rational.
ref::Rational to_rational(std::string s);

}  // namespace vt::contracts
