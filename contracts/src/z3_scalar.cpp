#include "vt/contracts/z3_scalar.hpp"

#include <cmath>
#include <stdexcept>

#include "vt/reference/rational.hpp"

namespace vt::contracts {

namespace {
thread_local SymWorld* g_current = nullptr;
}

SymWorld::SymWorld() {
  decide = [](const z3::expr& c) -> bool {
    throw std::logic_error("generic code branched on a symbolic comparison outside a path exploration: " + c.to_string());
  };
}

SymWorld& SymWorld::current() {
  if (!g_current) throw std::logic_error("a Sym scalar was used outside a SymWorld::Scope");
  return *g_current;
}

SymWorld::Scope::Scope(SymWorld& w) : previous_(g_current) { g_current = &w; }
SymWorld::Scope::~Scope() { g_current = previous_; }

z3::func_decl SymWorld::unary_fn(const char* fn) {
  for (auto& [name, decl] : fns_)
    if (name == fn) return decl;
  fns_.emplace_back(fn, ctx.function(fn, ctx.real_sort(), ctx.real_sort()));
  used_.emplace_back(fn);
  return fns_.back().second;
}

z3::expr SymWorld::apply(const char* fn, const z3::expr& x) { return unary_fn(fn)(x); }

z3::expr SymWorld::apply(const char* fn, const z3::expr& x, const z3::expr& y) {
  const std::string key = std::string(fn) + "/2";
  for (auto& [name, decl] : fns_)
    if (name == key) return decl(x, y);
  fns_.emplace_back(key, ctx.function(fn, ctx.real_sort(), ctx.real_sort(), ctx.real_sort()));
  used_.emplace_back(fn);
  return fns_.back().second(x, y);
}

z3::expr SymWorld::pi() {
  for (auto& [name, decl] : fns_)
    if (name == "pi") return decl();
  fns_.emplace_back("pi", ctx.function("pi", 0, nullptr, ctx.real_sort()));
  used_.emplace_back("pi");
  return fns_.back().second();
}

SymBool::operator bool() const { return SymWorld::current().decide(e_); }

Sym::Sym() : e_(SymWorld::current().ctx.real_val(0)) {}

Sym operator/(const Sym& a, const Sym& b) {
  // A nonzero numeral needs no hypothesis (mean's 1/n, the ties' 1/t).
  std::string s;
  if (!(b.e_.is_numeral(s) && s != "0")) SymWorld::current().divisors.push_back(b.e_);
  return Sym(a.e_ / b.e_);
}

namespace {
bool has_ite(const z3::expr& e) {
  if (!e.is_app()) return false;
  if (e.decl().decl_kind() == Z3_OP_ITE) return true;
  if (e.decl().decl_kind() != Z3_OP_ADD && e.decl().decl_kind() != Z3_OP_SUB && e.decl().decl_kind() != Z3_OP_UMINUS &&
      e.decl().decl_kind() != Z3_OP_MUL)
    return false;
  for (unsigned i = 0; i < e.num_args(); ++i)
    if (has_ite(e.arg(i))) return true;
  return false;
}
}  // namespace

z3::expr distribute(const z3::expr& a, const z3::expr& b) {
  if (has_ite(b) && !has_ite(a)) return distribute(b, a);
  if (!has_ite(a)) return a * b;
  const auto k = a.decl().decl_kind();
  if (k == Z3_OP_ITE) return z3::ite(a.arg(0), distribute(a.arg(1), b), distribute(a.arg(2), b));
  if (k == Z3_OP_UMINUS) return -distribute(a.arg(0), b);
  if (k == Z3_OP_ADD || k == Z3_OP_SUB) {
    z3::expr r = distribute(a.arg(0), b);
    for (unsigned i = 1; i < a.num_args(); ++i) r = k == Z3_OP_ADD ? r + distribute(a.arg(i), b) : r - distribute(a.arg(i), b);
    return r;
  }
  // A product holding an ite: distribute over its first factor that has one.
  z3::expr rest = a.ctx().real_val(1);
  int at = -1;
  for (unsigned i = 0; i < a.num_args(); ++i)
    if (at < 0 && has_ite(a.arg(i))) at = static_cast<int>(i);
    else rest = rest * a.arg(i);
  return distribute(a.arg(static_cast<unsigned>(at)), rest * b);
}

z3::expr exact_real(z3::context& ctx, double v) {
  if (!std::isfinite(v)) throw std::domain_error("a non-finite attribute has no exact real value");
  const ref::Rational q(v);  // exact: every finite double is a dyadic rational
  return ctx.real_val(q.str().c_str());
}

}  // namespace vt::contracts
