// Normal forms that let Z3's simplifier decide the provers' identities:
// comparisons made strict off their boundaries, guards canonicalised,
// nested guards collapsed and sums over one guard merged.
#include "guard_normal_form.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>

#include "vt/reference/rational.hpp"

namespace vt::contracts {

namespace {

// A guard as (canonical atom `t > 0`, polarity): off the boundaries a <= b,
// a < b, !(a >= b) and b - a > 0 are one atom, whichever way the simplifier
// wrote them. Guards that are not comparisons are their own atom.
using Atoms = GuardAtoms;

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
z3::expr identity_form(const z3::expr& goal, const z3::params& simp, GuardAtoms& atoms) {
  if (!goal.is_app()) return goal.simplify(simp);
  const auto k = goal.decl().decl_kind();
  if (k == Z3_OP_EQ && goal.arg(0).is_arith()) {
    std::vector<std::pair<unsigned, bool>> known;
    const z3::expr gap = collapse((goal.arg(0) - goal.arg(1)).simplify(simp), known, simp, atoms).simplify(simp);
    return (merge_guards(gap, simp, atoms) == 0).simplify(simp);
  }
  if (k == Z3_OP_AND) {
    z3::expr r = goal.ctx().bool_val(true);
    for (unsigned i = 0; i < goal.num_args(); ++i) r = r && identity_form(goal.arg(i), simp, atoms);
    return r.simplify(simp);
  }
  return goal.simplify(simp);
}

// Off the boundaries every comparison is strict, so each becomes one
// canonical atom `gap > 0` or its negation (gap = a - b or b - a, whichever
// Z3 numbers first): ite(x < 0, -v, v) and ite(x > 0, v, ite(x < 0, -v, 0))
// then reach the same term.
z3::expr off_boundary_form(const z3::expr& e, const z3::params& simp) {
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
        else r = e.ctx().bool_val(k == Z3_OP_DISTINCT);
      }
    } else {
      z3::expr_vector args(e.ctx());
      for (unsigned i = 0; i < x.num_args(); ++i) args.push_back(walk(x.arg(i), in_term || x.arg(i).is_arith()));
      r = x.decl()(args);
    }
    memo[in_term].emplace(x.id(), r);
    return r;
  };
  return walk(e, false);
}


}  // namespace vt::contracts
