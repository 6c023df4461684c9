#include "path_explorer.hpp"

#include "guard_normal_form.hpp"

namespace vt::contracts {

z3::solver PathExplorer::solver() const {
  z3::solver s(world_.ctx);
  z3::params p(world_.ctx);
  p.set("timeout", timeout_ms_);
  s.set(p);
  return s;
}

PathOutcome PathExplorer::explore(const std::function<z3::expr()>& body) {
  return explore(body, world_.ctx.bool_val(true));
}

PathOutcome PathExplorer::explore(const std::function<z3::expr()>& body, const z3::expr& assumption) {
  // The oracle below refers to this call's locals: put the world's own back on return.
  struct RestoreOracle {
    SymWorld& world;
    std::function<bool(const z3::expr&)> saved;
    ~RestoreOracle() { world.decide = std::move(saved); }
  } restore{world_, world_.decide};
  PathOutcome out;
  any_point = false;
  std::vector<Decision> prefix;
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      out.result = ProofResult::unknown;
      out.reason = "the time budget ran out after " + std::to_string(out.paths) + " paths";
      return out;
    }
    std::vector<Decision> taken;
    z3::solver path = solver();
    path.add(assumption);
    world_.decide = [&](const z3::expr& c) -> bool {
      bool value = true, other = false;
      if (taken.size() < prefix.size()) {
        value = prefix[taken.size()].taken;
        other = prefix[taken.size()].other_feasible;
      } else {
        // Unknown counts as feasible: exploring an impossible path costs time,
        // skipping a possible one would cost soundness.
        path.push();
        path.add(c);
        const bool can_true = path.check() != z3::unsat;
        path.pop();
        path.push();
        path.add(!c);
        const bool can_false = path.check() != z3::unsat;
        path.pop();
        value = can_true;
        other = can_true && can_false;
      }
      taken.push_back({c, value, other});
      path.add(value ? c : !c);
      return value;
    };
    world_.divisors.clear();
    world_.conditions.clear();
    const z3::expr goal = body();

    z3::params simp(world_.ctx);
    simp.set("som", true);
    simp.set("arith_lhs", true);
    const z3::expr target = off_boundaries ? off_boundary_form(goal, simp) : goal;
    if (identity_form(target, simp, atoms_).is_true()) {  // an identity as polynomials over guarded monomials: no solver needed
      ++out.paths, ++out.fast;
      if (!any_point) any_point = has_point_off_boundaries(assumption, taken, simp);
      if (!next_path(taken, prefix)) return finish(out);
      continue;
    }
    z3::solver s = path_solver(assumption, taken, simp);
    if (off_boundaries && !any_point) any_point = s.check() == z3::sat;  // this path has points off the boundaries
    s.add(!target);
    // Quotients: one cotangent component at a time from the start (see check_per_basis_vector).
    const bool per_basis = !basis_vars.empty() && !world_.divisors.empty();
    auto r = per_basis ? check_per_basis_vector(s, out) : s.check();
    if (r == z3::unknown && !per_basis && !basis_vars.empty()) r = check_per_basis_vector(s, out);
    if (r == z3::sat) {
      out.result = ProofResult::counterexample;
      if (!out.model) out.model = s.get_model();
      return out;
    }
    if (r == z3::unknown) {
      out.result = ProofResult::unknown;
      if (out.reason.empty()) out.reason = s.reason_unknown();
      return out;
    }
    ++out.paths;
    if (!off_boundaries) any_point = true;
    if (out.paths >= max_paths_) {
      out.result = ProofResult::unknown;
      out.reason = "more than " + std::to_string(max_paths_) + " branch paths";
      return out;
    }
    if (!next_path(taken, prefix)) return finish(out);
  }
}

// <g, Jv> and <VJP g, v> compared at each g = e_j in turn: each query then
// holds only what output j depends on (a sum of quotients that Z3's
// nonlinear arithmetic refutes one at a time but not all at once).
z3::check_result PathExplorer::check_per_basis_vector(z3::solver& s, PathOutcome& out) {
  const z3::expr_vector assertions = s.assertions();
  z3::expr_vector from(world_.ctx);
  for (const auto& g : basis_vars) from.push_back(g);
  z3::params simp(world_.ctx);
  simp.set("som", true);
  z3::check_result r = z3::unsat;
  for (std::size_t j = 0; j < basis_vars.size() && r == z3::unsat; ++j) {
    // Substituted, not constrained: 0/b terms of the other outputs vanish.
    z3::expr_vector to(world_.ctx);
    for (std::size_t k = 0; k < basis_vars.size(); ++k) to.push_back(world_.ctx.real_val(k == j ? 1 : 0));
    z3::solver one = solver();
    for (unsigned i = 0; i < assertions.size(); ++i) one.add(assertions[i].substitute(from, to).simplify(simp));
    r = one.check();
    if (r == z3::sat) out.model = one.get_model(), out.basis_index = static_cast<std::int64_t>(j);
    if (r == z3::unknown) out.reason = one.reason_unknown();
  }
  if (r == z3::unsat) out.basis = true;
  return r;
}

bool PathExplorer::next_path(std::vector<Decision>& taken, std::vector<Decision>& prefix) {
  // Backtrack to the last branch point whose other side has not run.
  while (!taken.empty() && !(taken.back().other_feasible && taken.back().taken)) taken.pop_back();
  if (taken.empty()) return false;
  taken.back().taken = false;
  prefix = std::move(taken);
  return true;
}

PathOutcome PathExplorer::finish(PathOutcome out) const {
  if (!any_point) {
    out.result = ProofResult::unknown;
    out.reason = "vacuous: no path has a point off the comparisons' boundaries";
  }
  return out;
}

// The path's condition, the assumption, nonzero divisors and (when proving
// off the boundaries) a != b for every comparison the code made.
z3::solver PathExplorer::path_solver(const z3::expr& assumption, const std::vector<Decision>& taken, const z3::params& simp) const {
  z3::solver s = solver();
  s.add(assumption);
  for (const auto& d : taken) s.add(d.taken ? d.cond : !d.cond);
  for (const auto& d : world_.divisors) s.add(d != 0);
  if (off_boundaries) {
    for (const auto& d : taken) add_off_boundary(s, d.cond, simp);
    for (const auto& c : world_.conditions) add_off_boundary(s, c, simp);
  }
  return s;
}

bool PathExplorer::has_point_off_boundaries(const z3::expr& assumption, const std::vector<Decision>& taken,
                                           const z3::params& simp) const {
  return path_solver(assumption, taken, simp).check() == z3::sat;
}

void PathExplorer::add_off_boundary(z3::solver& s, const z3::expr& cond, const z3::params& simp) {
  z3::expr c = cond;
  while (c.is_app() && c.decl().decl_kind() == Z3_OP_NOT) c = c.arg(0);
  if (!c.is_app() || c.num_args() != 2 || !c.arg(0).is_arith()) return;
  const z3::expr gap = (c.arg(0) - c.arg(1)).simplify(simp);
  if (gap.is_numeral()) return;  // b == b, or a comparison with a constant outcome: no boundary
  s.add(gap != 0);
}

ref::Rational to_rational(std::string s) {
  if (!s.empty() && s.back() == '?') s.pop_back();  // an algebraic number's decimal approximation
  const auto dot = s.find('.');
  if (dot == std::string::npos) return ref::Rational(s);
  const std::string digits = s.substr(0, dot) + s.substr(dot + 1);
  ref::Rational q(digits);
  for (std::size_t i = dot + 1; i < s.size(); ++i) q /= 10;
  return q;
}

std::string model_value(const z3::model& m, const z3::expr& var) {
  const z3::expr v = m.eval(var, true);
  std::string s;
  if (v.is_numeral(s)) return s;
  if (v.is_algebraic()) return v.get_decimal_string(40);
  return v.to_string();
}

}  // namespace vt::contracts
