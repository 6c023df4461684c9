#pragma once
// Sym: a Z3 real-valued expression as a scalar of the op table, so that the
// ops' own forward<S>, vjp<S> and the dual-number forward Dual<S> run on
// symbols unchanged and Z3 can decide identities between their results.
//
// - Constants come through ScalarTraits (K(like, n, d)), as for every scalar.
// - math::select on a symbolic condition becomes an `ite`.
// - Where generic code branches with a C++ `if` on a comparison (argmax
//   scans, sigmoid's two forms), the comparison is decided by the current
//   SymWorld's oracle: the prover runs the code once per feasible path and
//   proves each path under its path condition (symbolic execution).
// - exp, log, sqrt, tanh, erf, log1p, expm1, pow are uninterpreted
//   functions: a proof over them trusts the derivative facts that the dual
//   rules (reference/dual.hpp) state, and says so.
// - Every division records its divisor: theorems hold where no divisor is 0.
// - Every comparison is recorded: soundness is proved off the comparisons'
//   boundaries (where the op is differentiable); what the ops do on them
//   (relu'(0) = 0, ties) is proved by the convention theorems.
#include <z3++.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vt/spec/scalar.hpp"

namespace vt::contracts {

// One symbolic run's world: its Z3 context, function symbols, recorded
// divisors and the branch oracle. A run installs one with SymWorld::Scope.
class SymWorld {
 public:
  z3::context ctx;
  std::vector<z3::expr> divisors;
  std::vector<z3::expr> conditions;  // every comparison a select decided (their boundaries are the kinks)
  // Decides a comparison that generic code branches on (see PathExplorer).
  std::function<bool(const z3::expr&)> decide;

  SymWorld();
  z3::expr apply(const char* fn, const z3::expr& x);
  z3::expr apply(const char* fn, const z3::expr& x, const z3::expr& y);
  z3::expr pi();
  // Functions applied so far, with their arguments (for reports).
  const std::vector<std::string>& functions_used() const { return used_; }

  static SymWorld& current();
  class Scope {
   public:
    explicit Scope(SymWorld& w);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    SymWorld* previous_;
  };

 private:
  z3::func_decl unary_fn(const char* fn);
  std::vector<std::pair<std::string, z3::func_decl>> fns_;
  std::vector<std::string> used_;
};

z3::expr distribute(const z3::expr& a, const z3::expr& b);

class SymBool {
 public:
  explicit SymBool(z3::expr e) : e_(std::move(e)) {}
  const z3::expr& expr() const { return e_; }
  // Generic code that branches on a comparison asks the world's oracle.
  operator bool() const;  // NOLINT(google-explicit-constructor): `if (a < b)` and `return a < b` in op code
  SymBool operator!() const { return SymBool(!e_); }

 private:
  z3::expr e_;
};

class Sym {
 public:
  Sym();  // 0 in the current world
  explicit Sym(z3::expr e) : e_(std::move(e)) {}
  const z3::expr& expr() const { return e_; }

  friend Sym operator+(const Sym& a, const Sym& b) { return Sym(a.e_ + b.e_); }
  friend Sym operator-(const Sym& a, const Sym& b) { return Sym(a.e_ - b.e_); }
  friend Sym operator*(const Sym& a, const Sym& b) { return Sym(distribute(a.e_, b.e_)); }
  friend Sym operator/(const Sym& a, const Sym& b);
  Sym operator-() const { return Sym(-e_); }
  Sym& operator+=(const Sym& b) { return *this = *this + b; }
  Sym& operator-=(const Sym& b) { return *this = *this - b; }
  Sym& operator*=(const Sym& b) { return *this = *this * b; }
  Sym& operator/=(const Sym& b) { return *this = *this / b; }
  friend SymBool operator<(const Sym& a, const Sym& b) { return SymBool(a.e_ < b.e_); }
  friend SymBool operator>(const Sym& a, const Sym& b) { return SymBool(a.e_ > b.e_); }
  friend SymBool operator<=(const Sym& a, const Sym& b) { return SymBool(a.e_ <= b.e_); }
  friend SymBool operator>=(const Sym& a, const Sym& b) { return SymBool(a.e_ >= b.e_); }
  friend SymBool operator==(const Sym& a, const Sym& b) { return SymBool(a.e_ == b.e_); }
  friend SymBool operator!=(const Sym& a, const Sym& b) { return SymBool(a.e_ != b.e_); }

 private:
  z3::expr e_;
};

// a * b with the product pushed into every `ite` and across every sum that
// holds one: g * ite(c, 0, v) becomes ite(c, 0, g * v). Both sides of an
// identity then reach the same sum of guarded monomials, which Z3's
// simplifier cancels without a solver call.

// The exact rational value of a double, as a Z3 real numeral.
z3::expr exact_real(z3::context& ctx, double v);

}  // namespace vt::contracts

namespace vt::spec {

template <>
struct ScalarTraits<contracts::Sym> {
  using Sym = contracts::Sym;
  using World = contracts::SymWorld;
  static constexpr bool transcendental = true;  // as uninterpreted functions

  static Sym constant(const Sym& like, long num, long den) {
    return Sym(like.expr().ctx().real_val((std::to_string(num) + "/" + std::to_string(den)).c_str()));
  }
  static Sym from_double(const Sym& like, double v) { return Sym(contracts::exact_real(like.expr().ctx(), v)); }
  static Sym select(const contracts::SymBool& c, const Sym& a, const Sym& b) {
    World::current().conditions.push_back(c.expr());
    return Sym(z3::ite(c.expr(), a.expr(), b.expr()));
  }
  static Sym select(bool c, const Sym& a, const Sym& b) { return c ? a : b; }
  // Either choice is exact (logsumexp's shift, sigmoid's two forms); both are explored.
  static bool prefer_second(const Sym& a, const Sym& b) { return b > a; }
  static Sym exp(const Sym& x) { return Sym(World::current().apply("exp", x.expr())); }
  static Sym log(const Sym& x) { return Sym(World::current().apply("log", x.expr())); }
  static Sym sqrt(const Sym& x) { return Sym(World::current().apply("sqrt", x.expr())); }
  static Sym tanh(const Sym& x) { return Sym(World::current().apply("tanh", x.expr())); }
  static Sym log1p(const Sym& x) { return Sym(World::current().apply("log1p", x.expr())); }
  static Sym expm1(const Sym& x) { return Sym(World::current().apply("expm1", x.expr())); }
  static Sym erf(const Sym& x) { return Sym(World::current().apply("erf", x.expr())); }
  static Sym pow_const(const Sym& x, double e) {
    return Sym(World::current().apply("pow", x.expr(), contracts::exact_real(x.expr().ctx(), e)));
  }
  static Sym pow(const Sym& x, const Sym& y) { return Sym(World::current().apply("pow", x.expr(), y.expr())); }
  static bool is_nan(const Sym&) { return false; }  // reals are never NaN
  static Sym pi(const Sym&) { return Sym(World::current().pi()); }
  // Index inputs are concrete numerals (theorems hold for given valid indices).
  static std::int64_t to_index(const Sym& x, bool& ok) {
    std::int64_t i = 0;
    ok = x.expr().is_numeral() && x.expr().is_numeral_i64(i);
    return i;
  }
};

}  // namespace vt::spec
