#pragma once
// Mag: a value carried with the size of its terms, for rounding-error
// bounds of formulas written once as generic op code.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "vt/spec/scalar.hpp"

namespace vt::ref {

// A value with the size of its terms (running error analysis, Higham ch. 3):
// v is the value, m the sum of the magnitudes of every term that went into
// it, with a - b counted as |a| + |b|. A correctly rounded evaluation of the
// same formula is then off by at most about (operations) * u * m, which is
// why m, not |v|, is the scale that rounding errors are measured against:
// softmax's backward y*(g - sum(g*y)) cancels to a tiny value out of terms
// of size 1, and its float result may keep an error of size u, not u*|v|.
struct Mag {
  // z: how much an absolute error of one smallest subnormal (eta) in each
  // rounded intermediate can reach the value, to first order. Relative
  // error bounds (m) miss underflow: an intermediate that rounds to a
  // subnormal loses up to eta/2 absolute, and a later product with a large
  // factor (g * sigmoid(-x) at x = 100 in f32) magnifies that loss.
  // Sums of floats never underflow; products, quotients and functions may.
  //
  // k: the rounded operations on the longest path into v (Higham's <k>
  // counter, section 3.4): a sum adds one to the deeper operand's count, a
  // product or quotient adds one to the sum of both. Every term of v then
  // carries a relative error of at most gamma_k, so |v_float - v| <=
  // gamma_k * m. A sequential sum of n terms counts n - 1 additions: the
  // deepest any order of summation (pairwise, blocked, interleaved partial
  // sums) can reach, so the bound holds for a kernel that sums in another order.
  double v = 0, m = 0, z = 0, k = 0;
  friend Mag operator+(Mag a, Mag b) { return {a.v + b.v, a.m + b.m, a.z + b.z, std::max(a.k, b.k) + 1}; }
  friend Mag operator-(Mag a, Mag b) { return {a.v - b.v, a.m + b.m, a.z + b.z, std::max(a.k, b.k) + 1}; }
  friend Mag operator*(Mag a, Mag b) {
    return {a.v * b.v, a.m * b.m, a.z * std::abs(b.v) + b.z * std::abs(a.v) + 1, a.k + b.k + 1};
  }
  // First order: err(a/b) <= (err(a) + |a/b| err(b)) / |b|.
  friend Mag operator/(Mag a, Mag b) {
    const double q = a.v / b.v;
    return {q, (a.m + std::abs(q) * b.m) / std::abs(b.v), (a.z + std::abs(q) * b.z) / std::abs(b.v) + 1, a.k + b.k + 1};
  }
  friend Mag operator-(Mag a) { return {-a.v, a.m, a.z, a.k}; }
  Mag& operator+=(Mag b) { return *this = *this + b; }
  Mag& operator-=(Mag b) { return *this = *this - b; }
  Mag& operator*=(Mag b) { return *this = *this * b; }
  Mag& operator/=(Mag b) { return *this = *this / b; }
  friend bool operator<(Mag a, Mag b) { return a.v < b.v; }
  friend bool operator>(Mag a, Mag b) { return a.v > b.v; }
  friend bool operator<=(Mag a, Mag b) { return a.v <= b.v; }
  friend bool operator>=(Mag a, Mag b) { return a.v >= b.v; }
  friend bool operator==(Mag a, Mag b) { return a.v == b.v; }
  friend bool operator!=(Mag a, Mag b) { return a.v != b.v; }
};

inline Mag exact_input(double v) { return {v, std::abs(v), 0, 0}; }

// A function value (exp, log, sqrt, tanh, erf): its argument's roundings
// plus the library's own error, up to 2 ulp (what the forward contracts of
// exp and log state), that is 4 units of roundoff.
inline double function_depth(const Mag& x) { return x.k + 4; }

}  // namespace vt::ref

namespace vt::spec {
template <>
struct ScalarTraits<ref::Mag> {
  using M = ref::Mag;
  static constexpr bool transcendental = true;
  // num/den is one rounding when the float kernel cannot hold it exactly
  // (1/3, 1/sqrt(E)'s pieces); a power-of-two denominator is exact.
  static M constant(const M&, long num, long den) {
    M c = ref::exact_input(static_cast<double>(num) / static_cast<double>(den));
    const unsigned long d = den < 0 ? static_cast<unsigned long>(-den) : static_cast<unsigned long>(den);
    if ((d & (d - 1)) != 0) c.k = 1;
    return c;
  }
  // A double constant (an eps of 1e-5) is one rounding in a float32 kernel.
  static M from_double(const M&, double v) {
    M c = ref::exact_input(v);
    if (static_cast<double>(static_cast<float>(v)) != v) c.k = 1;
    return c;
  }
  template <class C>
  static M select(const C& cond, const M& a, const M& b) { return cond ? a : b; }
  static bool prefer_second(const M& a, const M& b) { return b.v > a.v; }
  // A function value is one rounded term, plus its argument's error carried
  // through the derivative (first order): exp amplifies an absolute error
  // of its argument by exp(x), log by 1/x, sqrt by 1/(2 sqrt x), tanh by 1-y^2,
  // erf by 2/sqrt(pi) exp(-x^2).
  static M exp(const M& x) {
    const double e = std::exp(x.v);
    return {e, std::abs(e) * (1 + x.m), std::abs(e) * x.z + 1, ref::function_depth(x)};
  }
  static M log(const M& x) {
    return {std::log(x.v), std::abs(std::log(x.v)) + x.m / std::abs(x.v), x.z / std::abs(x.v) + 1, ref::function_depth(x)};
  }
  static M sqrt(const M& x) {
    const double r = std::sqrt(x.v);
    return {r, r > 0 ? r + x.m / (2 * r) : r, r > 0 ? x.z / (2 * r) + 1 : 1, ref::function_depth(x)};
  }
  static M tanh(const M& x) {
    const double y = std::tanh(x.v);
    return {y, std::abs(y) + (1 - y * y) * x.m, (1 - y * y) * x.z + 1, ref::function_depth(x)};
  }
  // erf amplifies its argument's error by erf'(x) = 2/sqrt(pi) exp(-x^2) <= 1.13.
  static M erf(const M& x) {
    const double y = std::erf(x.v);
    const double d = 1.1283791670955126 * std::exp(-x.v * x.v);
    return {y, std::abs(y) + d * x.m, d * x.z + 1, ref::function_depth(x)};
  }
  static M log1p(const M& x) {
    const double y = std::log1p(x.v), d = 1 / std::abs(1 + x.v);
    return {y, std::abs(y) + d * x.m, d * x.z + 1, ref::function_depth(x)};
  }
  static M expm1(const M& x) {
    const double y = std::expm1(x.v), d = std::exp(x.v);
    return {y, std::abs(y) + d * x.m, d * x.z + 1, ref::function_depth(x)};
  }
  // x^e amplifies its argument's error by |e x^(e-1)|; x^y adds |x^y log x| times y's.
  static M pow_const(const M& x, double e) {
    const double y = std::pow(x.v, e), d = e == 0 ? 0 : std::abs(e * std::pow(x.v, e - 1));
    return {y, std::abs(y) + d * x.m, d * x.z + 1, ref::function_depth(x)};
  }
  static M pow(const M& x, const M& e) {
    const double y = std::pow(x.v, e.v), dx = std::abs(e.v * std::pow(x.v, e.v - 1)), de = std::abs(y * std::log(x.v));
    return {y, std::abs(y) + dx * x.m + de * e.m, dx * x.z + de * e.z + 1, std::max(x.k, e.k) + 4};
  }
  static bool is_nan(const M& x) { return std::isnan(x.v); }
  static M pi(const M&) {
    M p = ref::exact_input(3.14159265358979323846);
    p.k = 1;
    return p;
  }
  static std::int64_t to_index(const M& x, bool& ok) { return ScalarTraits<double>::to_index(x.v, ok); }
};
}  // namespace vt::spec

