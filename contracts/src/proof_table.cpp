// The table of theorems `veritape prove` runs: soundness per op, the
// conventions at kinks and ties, and the index maps.
#include <algorithm>
#include <chrono>

#include "convention_proofs.hpp"
#include "index_proofs.hpp"
#include "proof_families.hpp"
#include "soundness_proofs.hpp"
#include "vt/contracts/proofs.hpp"
#include "vt/spec/error.hpp"

namespace vt::contracts {

const char* to_string(ProofResult r) {
  return r == ProofResult::proved ? "proved" : r == ProofResult::counterexample ? "COUNTEREXAMPLE" : "unknown";
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string soundness_property(const spec::OpInfo& op) {
  if (op.fragment == spec::Fragment::Rational)
    return "<g,Jv> == <VJP(x,g),v> for all real x, v, g (where no divisor is 0)";
  return "<g,Jv> == <VJP(x,g),v> relative to the derivative table: exp, log, sqrt, tanh, erf, log1p, expm1, pow "
         "uninterpreted, related only by the dual rules (where no divisor is 0)";
}

Theorem prove_soundness(const spec::OpInfo& op, const Family& family, unsigned timeout_ms, double budget_s) {
  const auto t0 = std::chrono::steady_clock::now();
  Theorem t;
  t.op = op.name, t.kind = "soundness", t.property = soundness_property(op);
  t.family = family.text + " (" + std::to_string(family.cases.size()) + " cases)";
  t.result = ProofResult::proved;
  std::int64_t basis = 0;
  for (const auto& c : family.cases) {
    if (seconds_since(t0) > budget_s) {
      t.result = ProofResult::unknown;
      t.detail = "stopped after " + std::to_string(t.cases) + " of " + std::to_string(family.cases.size()) +
                 " cases: the theorem's time budget of " + std::to_string(static_cast<int>(budget_s)) + " s is spent (--theorem-budget-s)";
      break;
    }
    const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(budget_s));
    const CaseOutcome r = prove_soundness_case(op, c, timeout_ms, deadline);
    t.paths += r.paths;
    basis += r.per_basis_vector;
    if (r.result != ProofResult::proved) {
      t.result = r.result;
      t.replay_confirmed = r.replay_confirms;
      t.detail = describe(op, c) + ": " + (r.result == ProofResult::unknown ? "solver says unknown: " : "") + r.detail;
      break;
    }
    ++t.cases;
  }
  if (basis > 0)
    t.property += "; " + std::to_string(basis) + " cases proved at each cotangent basis vector g = e_j (trusting the VJP to be linear in g)";
  t.seconds = seconds_since(t0);
  return t;
}

}  // namespace

std::vector<std::string> provable_ops() {
  std::vector<std::string> out;
  for (const auto& op : spec::all_ops())
    if (!soundness_family(op, FamilySize::quick).cases.empty()) out.emplace_back(op.name);
  return out;
}

std::vector<Theorem> run_proofs(const ProofOptions& o) {
  if (o.kind && *o.kind != "soundness" && *o.kind != "convention" && *o.kind != "index")
    throw spec::UsageError("unknown proof kind '" + *o.kind + "' (expected soundness, convention or index)");
  if (o.fragment && *o.fragment != "rational" && *o.fragment != "transcendental")
    throw spec::UsageError("unknown fragment '" + *o.fragment + "' (expected rational or transcendental)");
  const auto names = index_map_names();
  if (o.op && !spec::find_op(*o.op) && std::find(names.begin(), names.end(), *o.op) == names.end())
    throw spec::UsageError("'" + *o.op + "' is neither an op of the table nor an index map (see `veritape ops`)");
  const auto wanted = [&](std::string_view kind, std::string_view name) {
    return (!o.kind || *o.kind == kind) && (!o.op || *o.op == name);
  };
  std::vector<Theorem> out;
  for (const auto& op : spec::all_ops()) {
    if (!wanted("soundness", op.name)) continue;
    if (o.fragment && (*o.fragment == "rational") != (op.fragment == spec::Fragment::Rational)) continue;
    const Family f = soundness_family(op, o.quick ? FamilySize::quick : o.full ? FamilySize::full : FamilySize::standard);
    if (!f.cases.empty()) out.push_back(prove_soundness(op, f, o.timeout_ms, o.theorem_budget_s));
  }
  if (!o.kind || *o.kind == "convention")
    for (auto& t : convention_theorems(o.timeout_ms, o.op)) out.push_back(std::move(t));
  if (!o.kind || *o.kind == "index")
    for (auto& t : index_theorems(o.timeout_ms, o.quick, o.op)) out.push_back(std::move(t));
  return out;
}

}  // namespace vt::contracts
