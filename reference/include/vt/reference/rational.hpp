#pragma once
// Exact rationals (GMP via Boost.Multiprecision) as a scalar of the op table.
// Every finite float is a dyadic rational, so float inputs convert exactly;
// arithmetic never rounds. Transcendental ops (exp, log, sqrt, tanh, erf, pi)
// are refused: the traits below declare none of them (see generic_ops.hpp).
#include <boost/multiprecision/gmp.hpp>
#include <cmath>
#include <stdexcept>
#include <string>

#include "vt/spec/scalar.hpp"

namespace vt::ref {

using Rational = boost::multiprecision::mpq_rational;

// The exact value of a finite double; throws DomainError for NaN or infinity.
Rational exact(double v);

// A rational rounded to the nearest float of a dtype (ties to even, with
// subnormals and overflow to infinity as IEEE 754 does), and which way the
// rounding went: -1 rounded down, 0 exact, +1 rounded up.
struct Rounded {
  double value;  // a float32 value when rounding to f32, widened exactly
  int direction;
};
Rounded round_to(const Rational& q, bool to_float32);

}  // namespace vt::ref

namespace vt::spec {

template <>
struct ScalarTraits<ref::Rational> {
  using R = ref::Rational;
  static constexpr bool transcendental = false;
  static R constant(const R&, long num, long den) { return R(num, den); }
  static R from_double(const R&, double v) { return ref::exact(v); }
  template <class C>
  static R select(const C& cond, const R& a, const R& b) { return cond ? a : b; }
  static bool is_nan(const R&) { return false; }
  static std::int64_t to_index(const R& x, bool& ok) {
    ok = boost::multiprecision::denominator(x) == 1 && boost::multiprecision::abs(boost::multiprecision::numerator(x)) < (std::int64_t{1} << 62);
    return ok ? boost::multiprecision::numerator(x).convert_to<std::int64_t>() : 0;
  }
};

}  // namespace vt::spec
