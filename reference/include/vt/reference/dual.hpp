#pragma once
// Dual numbers v + d*eps (eps^2 = 0) over any scalar S. Running an op's
// generic forward on duals yields its JVP, so the JVP is never written by
// hand, and comparing it with the hand-written VJP is a real check.
// Comparisons look at the primal part only: at a kink the tangent follows the
// branch the forward takes. They return what S's comparison returns (bool, or
// a symbolic condition for Z3 expressions).
#include "vt/spec/scalar.hpp"

namespace vt::ref {

template <class S>
struct Dual {
  S v;  // primal
  S d;  // tangent

  friend Dual operator+(const Dual& a, const Dual& b) { return {S(a.v + b.v), S(a.d + b.d)}; }
  friend Dual operator-(const Dual& a, const Dual& b) { return {S(a.v - b.v), S(a.d - b.d)}; }
  friend Dual operator*(const Dual& a, const Dual& b) { return {S(a.v * b.v), S(a.d * b.v + a.v * b.d)}; }
  // (a/b)' = (a' b - a b') / b^2
  friend Dual operator/(const Dual& a, const Dual& b) { return {S(a.v / b.v), S((a.d * b.v - a.v * b.d) / (b.v * b.v))}; }
  Dual operator-() const { return {S(-v), S(-d)}; }
  Dual& operator+=(const Dual& b) { return *this = *this + b; }
  Dual& operator-=(const Dual& b) { return *this = *this - b; }
  friend auto operator<(const Dual& a, const Dual& b) { return a.v < b.v; }
  friend auto operator>(const Dual& a, const Dual& b) { return a.v > b.v; }
  friend auto operator<=(const Dual& a, const Dual& b) { return a.v <= b.v; }
  friend auto operator>=(const Dual& a, const Dual& b) { return a.v >= b.v; }
  friend auto operator==(const Dual& a, const Dual& b) { return a.v == b.v; }
  friend auto operator!=(const Dual& a, const Dual& b) { return a.v != b.v; }
};

}  // namespace vt::ref

namespace vt::spec {

template <class S>
struct ScalarTraits<ref::Dual<S>> {
  using D = ref::Dual<S>;
  using Base = ScalarTraits<S>;
  static constexpr bool transcendental = Base::transcendental;
  static D constant(const D& like, long num, long den) { return {Base::constant(like.v, num, den), Base::constant(like.v, 0, 1)}; }
  static D from_double(const D& like, double v) { return {Base::from_double(like.v, v), Base::constant(like.v, 0, 1)}; }
  template <class C>
  static D select(const C& cond, const D& a, const D& b) {
    if constexpr (std::is_same_v<C, bool>) return cond ? a : b;
    else return {Base::select(cond, a.v, b.v), Base::select(cond, a.d, b.d)};  // a symbolic condition: both parts
  }
  static bool prefer_second(const D& a, const D& b) { return Base::prefer_second(a.v, b.v); }
  // Chain rule: f(v + d eps) = f(v) + f'(v) d eps.
  static D exp(const D& x) {
    const S e = Base::exp(x.v);
    return {e, S(e * x.d)};
  }
  static D log(const D& x) { return {Base::log(x.v), S(x.d / x.v)}; }
  static D sqrt(const D& x) {
    const S r = Base::sqrt(x.v);
    return {r, S(x.d / (Base::constant(r, 2, 1) * r))};
  }
  static D tanh(const D& x) {
    const S t = Base::tanh(x.v);
    return {t, S((Base::constant(t, 1, 1) - t * t) * x.d)};
  }
  // erf'(x) = 2/sqrt(pi) exp(-x^2).
  static D erf(const D& x) {
    const S two = Base::constant(x.v, 2, 1);
    return {Base::erf(x.v), S(two / Base::sqrt(Base::pi(x.v)) * Base::exp(S(-(x.v * x.v))) * x.d)};
  }
  static D log1p(const D& x) { return {Base::log1p(x.v), S(x.d / (Base::constant(x.v, 1, 1) + x.v))}; }
  static D expm1(const D& x) {
    const S e = Base::expm1(x.v);
    return {e, S((e + Base::constant(e, 1, 1)) * x.d)};
  }
  // d(x^e) = e x^(e-1) dx; d(x^y) = y x^(y-1) dx + x^y log(x) dy.
  static D pow_const(const D& x, double e) {
    if (e == 0) return {Base::pow_const(x.v, 0), Base::constant(x.v, 0, 1)};
    return {Base::pow_const(x.v, e), S(Base::from_double(x.v, e) * Base::pow_const(x.v, e - 1) * x.d)};
  }
  static D pow(const D& x, const D& y) {
    const S p = Base::pow(x.v, y.v);
    return {p, S(y.v * Base::pow(x.v, S(y.v - Base::constant(y.v, 1, 1))) * x.d + p * Base::log(x.v) * y.d)};
  }
  static bool is_nan(const D& x) { return Base::is_nan(x.v); }
  static D pi(const D& like) { return {Base::pi(like.v), Base::constant(like.v, 0, 1)}; }
  static std::int64_t to_index(const D& x, bool& ok) { return Base::to_index(x.v, ok); }
};

}  // namespace vt::spec
