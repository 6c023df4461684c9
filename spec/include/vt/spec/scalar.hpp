#pragma once
// ScalarTraits<S>: the few things generic op code needs from a scalar type
// beyond + - * / and comparisons. Op code never writes S(1): a symbolic or
// multi-precision scalar may need a context or precision taken from an existing
// value, so constants come from `K(like, num, den)`. Backends specialize the
// traits for their scalar types (reference/ for rationals and intervals,
// contracts/ for Z3 expressions); the primary template serves float, double
// and any type with std-style math found by argument-dependent lookup.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "vt/spec/hd.hpp"

namespace vt::spec {

template <class S>
struct ScalarTraits {
  // False for scalars without exp/log/sqrt/tanh/erf/pi (exact rationals): ops of the
  // transcendental fragment then refuse to run on them.
  static constexpr bool transcendental = true;

  VT_HD static S constant(const S& /*like*/, long num, long den) { return S(num) / S(den); }
  VT_HD static S from_double(const S& /*like*/, double v) { return static_cast<S>(v); }
  template <class C>
  VT_HD static S select(const C& cond, const S& a, const S& b) {
    // Plain floats are selected by value: a conditional move the vectorizer
    // can use, where choosing between two references is a branch.
    if constexpr (std::is_arithmetic_v<S>) {
      const S x = a, y = b;
      return cond ? x : y;
    } else {
      return cond ? a : b;
    }
  }
  // Whether b is the larger of two candidates for a shift that any choice
  // leaves mathematically unchanged (logsumexp's maximum): enclosure types
  // override it so that it never has to decide a comparison it cannot.
  VT_HD static bool prefer_second(const S& a, const S& b) { return b > a; }
  VT_HD static S exp(const S& x) { using std::exp; return exp(x); }
  VT_HD static S log(const S& x) { using std::log; return log(x); }
  VT_HD static S sqrt(const S& x) { using std::sqrt; return sqrt(x); }
  VT_HD static S tanh(const S& x) { using std::tanh; return tanh(x); }
  // log(1 + x) and exp(x) - 1 without the cancellation of 1 + x and exp(x) - 1 near 0.
  VT_HD static S log1p(const S& x) { using std::log1p; return log1p(x); }
  VT_HD static S expm1(const S& x) { using std::expm1; return expm1(x); }
  // x^e for a constant exponent (an attribute) and x^y for a tensor one.
  // Their derivatives differ: only the second has a log(x) term, which a
  // constant exponent must not evaluate (x <= 0 has no log).
  VT_HD static S pow_const(const S& x, double e) { using std::pow; return pow(x, static_cast<S>(e)); }
  VT_HD static S pow(const S& x, const S& y) { using std::pow; return pow(x, y); }
  // NaN test; enclosures and rationals are never NaN (and an interval
  // compared with itself is not a decidable equality).
  VT_HD static bool is_nan(const S& x) { return x != x; }
  // erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt (gelu's exact form).
  VT_HD static S erf(const S& x) { using std::erf; return erf(x); }
  // pi in the scalar's precision (gelu's constants, erf's derivative): acos(-1),
  // so that a multi-precision float gets pi to all of its digits, not a double's.
  VT_HD static S pi(const S& like) { using std::acos; return acos(constant(like, -1, 1)); }
  // The integer held by an index-valued scalar; `ok` is false when x is not
  // an integer (a class index stored in a float or rational tensor).
  static std::int64_t to_index(const S& x, bool& ok) {
    // Casting NaN or an out-of-range float is undefined: reject those first.
    ok = x >= static_cast<S>(-0x1p62) && x <= static_cast<S>(0x1p62);
    if (!ok) return 0;
    const auto i = static_cast<std::int64_t>(x);
    ok = static_cast<S>(i) == x;
    return i;
  }
};

// Short forms used by the op table.
template <class S>
VT_HD S K(const S& like, long num, long den = 1) { return ScalarTraits<S>::constant(like, num, den); }

namespace math {
template <class S, class C>
VT_HD S select(const C& cond, const S& a, const S& b) { return ScalarTraits<S>::select(cond, a, b); }
template <class S> VT_HD S exp(const S& x) { return ScalarTraits<S>::exp(x); }
template <class S> VT_HD S log(const S& x) { return ScalarTraits<S>::log(x); }
template <class S> VT_HD S sqrt(const S& x) { return ScalarTraits<S>::sqrt(x); }
template <class S> VT_HD S tanh(const S& x) { return ScalarTraits<S>::tanh(x); }
template <class S> VT_HD S log1p(const S& x) { return ScalarTraits<S>::log1p(x); }
template <class S> VT_HD S expm1(const S& x) { return ScalarTraits<S>::expm1(x); }
template <class S> VT_HD S pow_const(const S& x, double e) { return ScalarTraits<S>::pow_const(x, e); }
template <class S> VT_HD S pow(const S& x, const S& y) { return ScalarTraits<S>::pow(x, y); }
template <class S> VT_HD bool is_nan(const S& x) { return ScalarTraits<S>::is_nan(x); }
template <class S> VT_HD S erf(const S& x) { return ScalarTraits<S>::erf(x); }
template <class S> VT_HD S pi(const S& like) { return ScalarTraits<S>::pi(like); }
}  // namespace math

}  // namespace vt::spec
