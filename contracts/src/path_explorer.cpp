#include "path_explorer.hpp"

#include "vt/reference/rational.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

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
    if (identity_form(target, simp).is_true()) {  // an identity as polynomials over guarded monomials: no solver needed
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

namespace {

// A guard as (canonical atom `t > 0`, polarity): off the boundaries a <= b,
// a < b, !(a >= b) and b - a > 0 are one atom, whichever way the simplifier
// wrote them. Guards that are not comparisons are their own atom.
using Atoms = std::map<std::string, z3::expr>;

struct Guard {
  z3::expr atom;
  bool positive;
};

// t as a sum of coefficient * monomial (monomials as sorted leaf ids), or
// false when t is not of that form.
bool linear_terms(const z3::expr& t, std::map<std::string, ref::Rational>& out, const ref::Rational& scale) {
  std::string num;
  if (t.is_numeral(num)) {
    out[""] += scale * ref::Rational(num);
    return true;
  }
  if (!t.is_app()) return false;
  const auto k = t.decl().decl_kind();
  if (k == Z3_OP_ADD) {
    for (unsigned i = 0; i < t.num_args(); ++i)
      if (!linear_terms(t.arg(i), out, scale)) return false;
    return true;
  }
  if (k == Z3_OP_SUB) {
    for (unsigned i = 0; i < t.num_args(); ++i)
      if (!linear_terms(t.arg(i), out, i == 0 ? scale : ref::Rational(-scale))) return false;
    return true;
  }
  if (k == Z3_OP_UMINUS) return linear_terms(t.arg(0), out, -scale);
  if (k == Z3_OP_MUL && t.num_args() == 2 && t.arg(0).is_numeral(num)) return linear_terms(t.arg(1), out, scale * ref::Rational(num));
  if (k == Z3_OP_ADD || k == Z3_OP_MUL || k == Z3_OP_ITE || k == Z3_OP_DIV) return false;
  out[std::to_string(t.id())] += scale;  // a leaf: a variable or an uninterpreted function's value
  return true;
}

// The canonical atom for `t > 0`: t's terms with the first coefficient made
// positive, keyed by text; `flipped` when that took a sign change.
struct LinearKey {
  std::string text;
  bool flipped;
};
std::optional<LinearKey> linear_key(const z3::expr& t) {
  std::map<std::string, ref::Rational> terms;
  if (!linear_terms(t, terms, ref::Rational(1))) return std::nullopt;
  std::optional<bool> flipped;
  for (const auto& [mono, c] : terms)
    if (!mono.empty() && c != 0 && !flipped) flipped = c < 0;
  if (!flipped) return std::nullopt;  // a constant
  std::string text;
  for (const auto& [mono, c] : terms)
    if (c != 0) text += mono + ":" + (*flipped ? ref::Rational(-c) : c).str() + ";";
  return LinearKey{text, *flipped};
}

Guard guard_of(const z3::expr& cond, const z3::params& simp, Atoms& atoms) {
  z3::expr c = cond;
  bool positive = true;
  while (c.is_app() && c.decl().decl_kind() == Z3_OP_NOT) c = c.arg(0), positive = !positive;
  if (!c.is_app() || c.num_args() != 2 || !c.arg(0).is_arith()) return {c, positive};
  const auto k = c.decl().decl_kind();
  const bool greater = k == Z3_OP_GT || k == Z3_OP_GE, less = k == Z3_OP_LT || k == Z3_OP_LE;
  if (!greater && !less) return {c, positive};
  const z3::expr gap = (c.arg(0) - c.arg(1)).simplify(simp);  // the comparison says gap > 0 (greater) or gap < 0
  const auto key = linear_key(gap);
  if (!key) return {c, positive};
  // One representative atom per key: the first gap seen, oriented.
  auto it = atoms.find(key->text);
  if (it == atoms.end()) it = atoms.emplace(key->text, (key->flipped ? (-gap).simplify(simp) : gap) > 0).first;
  // Off the boundary: gap > 0 is "atom" unless flipped; gap < 0 the opposite.
  const bool says_atom = greater != key->flipped;
  return {it->second, says_atom == positive};
}

// Sums of guarded terms with the same guard become one guarded sum,
// ite(c, a, b) + k ite(c, p, q) = ite(c, a + k p, b + k q), so that Z3's
// simplifier can cancel inside the branches.
z3::expr merge_guards(const z3::expr& e, const z3::params& simp, Atoms& atoms) {
  if (!e.is_app()) return e;
  const auto k = e.decl().decl_kind();
  if (k == Z3_OP_ITE) return z3::ite(e.arg(0), merge_guards(e.arg(1), simp, atoms), merge_guards(e.arg(2), simp, atoms)).simplify(simp);
  if (k != Z3_OP_ADD) return e;
  z3::context& ctx = e.ctx();
  z3::expr rest = ctx.real_val(0);
  std::vector<std::pair<z3::expr, std::pair<z3::expr, z3::expr>>> groups;  // guard -> (then, else)
  for (unsigned i = 0; i < e.num_args(); ++i) {
    z3::expr t = e.arg(i), coef = ctx.real_val(1);
    if (t.is_app() && t.decl().decl_kind() == Z3_OP_MUL && t.num_args() == 2 && t.arg(0).is_numeral() && t.arg(1).is_app() &&
        t.arg(1).decl().decl_kind() == Z3_OP_ITE) {
      coef = t.arg(0);
      t = t.arg(1);
    }
    if (!(t.is_app() && t.decl().decl_kind() == Z3_OP_ITE)) {
      rest = rest + e.arg(i);
      continue;
    }
    const Guard gd = guard_of(t.arg(0), simp, atoms);
    const z3::expr yes = gd.positive ? t.arg(1) : t.arg(2), no = gd.positive ? t.arg(2) : t.arg(1);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first.id() == gd.atom.id(); });
    if (it == groups.end()) groups.push_back({gd.atom, {coef * yes, coef * no}});
    else it->second = {it->second.first + coef * yes, it->second.second + coef * no};
  }
  for (const auto& [guard, branches] : groups)
    rest = rest + z3::ite(guard, merge_guards(branches.first.simplify(simp), simp, atoms), merge_guards(branches.second.simplify(simp), simp, atoms));
  return rest.simplify(simp);
}

// Guards decided by an enclosing ite are replaced by their value:
// ite(c, ite(c, a, b), d) = ite(c, a, d). `known` holds (guard id, value).
z3::expr collapse(const z3::expr& e, std::vector<std::pair<unsigned, bool>>& known, const z3::params& simp, Atoms& atoms) {
  if (!e.is_app() || e.num_args() == 0 || !e.is_arith()) return e;
  if (e.decl().decl_kind() == Z3_OP_ITE) {
    const Guard gd = guard_of(e.arg(0), simp, atoms);
    for (const auto& [id, value] : known)
      if (id == gd.atom.id()) return collapse(e.arg(value == gd.positive ? 1 : 2), known, simp, atoms);
    known.emplace_back(gd.atom.id(), gd.positive);
    z3::expr a = collapse(e.arg(1), known, simp, atoms);
    known.back().second = !gd.positive;
    z3::expr b = collapse(e.arg(2), known, simp, atoms);
    known.pop_back();
    return gd.positive ? z3::ite(gd.atom, a, b) : z3::ite(gd.atom, b, a);
  }
  z3::expr_vector args(e.ctx());
  for (unsigned i = 0; i < e.num_args(); ++i) args.push_back(collapse(e.arg(i), known, simp, atoms));
  return e.decl()(args);
}

}  // namespace

// The goal with each equality a == b written as merge_guards(a - b) == 0, simplified.
z3::expr PathExplorer::identity_form(const z3::expr& goal, const z3::params& simp) {
  if (!goal.is_app()) return goal.simplify(simp);
  const auto k = goal.decl().decl_kind();
  if (k == Z3_OP_EQ && goal.arg(0).is_arith()) {
    std::vector<std::pair<unsigned, bool>> known;
    const z3::expr gap = collapse((goal.arg(0) - goal.arg(1)).simplify(simp), known, simp, atoms_).simplify(simp);
    return (merge_guards(gap, simp, atoms_) == 0).simplify(simp);
  }
  if (k == Z3_OP_AND) {
    z3::expr r = world_.ctx.bool_val(true);
    for (unsigned i = 0; i < goal.num_args(); ++i) r = r && identity_form(goal.arg(i), simp);
    return r.simplify(simp);
  }
  return goal.simplify(simp);
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

// Off the boundaries every comparison is strict, so each becomes one
// canonical atom `gap > 0` or its negation (gap = a - b or b - a, whichever
// Z3 numbers first): ite(x < 0, -v, v) and ite(x > 0, v, ite(x < 0, -v, 0))
// then reach the same term.
z3::expr PathExplorer::off_boundary_form(const z3::expr& e, const z3::params& simp) const {
  // Only the conditions inside arithmetic terms (ite guards) are rewritten;
  // the goal's own equalities are left as they are.
  std::unordered_map<unsigned, z3::expr> memo[2];
  const std::function<z3::expr(const z3::expr&, bool)> walk = [&](const z3::expr& x, bool in_term) -> z3::expr {
    if (!x.is_app() || x.num_args() == 0) return x;
    if (const auto it = memo[in_term].find(x.id()); it != memo[in_term].end()) return it->second;
    const auto k = x.decl().decl_kind();
    const bool compare = x.num_args() == 2 && x.arg(0).is_arith() &&
                         (k == Z3_OP_LT || k == Z3_OP_LE || k == Z3_OP_GT || k == Z3_OP_GE || k == Z3_OP_EQ || k == Z3_OP_DISTINCT);
    z3::expr r = x;
    if (compare && in_term) {
      const z3::expr a = walk(x.arg(0), true), b = walk(x.arg(1), true);
      const z3::expr up = (a - b).simplify(simp), down = (b - a).simplify(simp);
      if (up.is_numeral()) {
        r = x.decl()(a, b).simplify(simp);
      } else {
        const bool flip = down.id() < up.id();
        const z3::expr atom = (flip ? down : up) > 0;  // a > b, or b > a when flipped
        const bool greater = k == Z3_OP_GT || k == Z3_OP_GE, less = k == Z3_OP_LT || k == Z3_OP_LE;
        if (greater || less) r = (greater != flip) ? atom : !atom;
        else r = world_.ctx.bool_val(k == Z3_OP_DISTINCT);
      }
    } else {
      z3::expr_vector args(world_.ctx);
      for (unsigned i = 0; i < x.num_args(); ++i) args.push_back(walk(x.arg(i), in_term || x.arg(i).is_arith()));
      r = x.decl()(args);
    }
    memo[in_term].emplace(x.id(), r);
    return r;
  };
  return walk(e, false);
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
