#pragma once
// Certified intervals (MPFI via Boost.Multiprecision) as a scalar of the op
// table: every result encloses the true real value. The precision is set per
// scope with IntervalPrecision (default 256 bits). Comparisons decide only
// when the answer holds for every pair of values in the operands; otherwise
// they throw a DomainError marked inconclusive, which the reference reports as
// "inconclusive", never as a pass. (Boost's own comparison throws from a
// noexcept function on overlap, which would abort the process; hence the wrapper.)
#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <ostream>
#include <string>

#include "vt/reference/rational.hpp"
#include "vt/spec/error.hpp"
#include "vt/spec/scalar.hpp"

namespace vt::ref {

class Interval {
 public:
  using Raw = boost::multiprecision::mpfi_float;

  Interval() = default;
  Interval(long v) : v_(v) {}  // NOLINT: integers convert exactly, as for builtin scalars
  explicit Interval(Raw r) : v_(std::move(r)) {}
  const Raw& raw() const { return v_; }

  friend Interval operator+(const Interval& a, const Interval& b) { return Interval(Raw(a.v_ + b.v_)); }
  friend Interval operator-(const Interval& a, const Interval& b) { return Interval(Raw(a.v_ - b.v_)); }
  friend Interval operator*(const Interval& a, const Interval& b) { return Interval(Raw(a.v_ * b.v_)); }
  friend Interval operator/(const Interval& a, const Interval& b) { return Interval(Raw(a.v_ / b.v_)); }
  Interval operator-() const { return Interval(Raw(-v_)); }
  Interval& operator+=(const Interval& b) { v_ += b.v_; return *this; }
  Interval& operator-=(const Interval& b) { v_ -= b.v_; return *this; }
  Interval& operator*=(const Interval& b) { v_ *= b.v_; return *this; }
  Interval& operator/=(const Interval& b) { v_ /= b.v_; return *this; }

  // -1, 0 or 1 when certain (0 only for equal points); throws an
  // inconclusive DomainError when the operands overlap otherwise.
  friend int compare(const Interval& a, const Interval& b);
  friend bool operator<(const Interval& a, const Interval& b) { return compare(a, b) < 0; }
  friend bool operator>(const Interval& a, const Interval& b) { return compare(a, b) > 0; }
  friend bool operator<=(const Interval& a, const Interval& b) { return compare(a, b) <= 0; }
  friend bool operator>=(const Interval& a, const Interval& b) { return compare(a, b) >= 0; }
  friend bool operator==(const Interval& a, const Interval& b) { return compare(a, b) == 0; }
  friend bool operator!=(const Interval& a, const Interval& b) { return compare(a, b) != 0; }

 private:
  Raw v_;
};

using BigFloat = boost::multiprecision::mpfr_float;  // high-precision point arithmetic (finite differences)

inline constexpr unsigned kDefaultIntervalBits = 256;

// Sets the working precision (in bits) of new Interval and BigFloat values
// for its lifetime, restoring the previous precision afterwards.
class IntervalPrecision {
 public:
  explicit IntervalPrecision(unsigned bits = kDefaultIntervalBits);
  ~IntervalPrecision();
  IntervalPrecision(const IntervalPrecision&) = delete;
  IntervalPrecision& operator=(const IntervalPrecision&) = delete;
  static unsigned digits10_for(unsigned bits);

 private:
  unsigned saved_interval_, saved_float_;
};

// Enclosures of erf(x) (endpoints rounded outward) and of pi, at the current precision.
Interval interval_erf(const Interval& x);
Interval interval_pi();
// The exact enclosure of a rational (a point interval when it is dyadic).
Interval to_interval(const Rational& q);
// "[lo, hi]" with 20 significant digits, for messages.
std::string to_string(const Interval& x);
// Width relative to the magnitude: width / max(|mid|, tiny). 0 for points.
double relative_width(const Interval& x);
bool finite(const Interval& x);
// x^e for a float exponent: an integer e by repeated products (any sign of x;
// 0^e for e < 0 is refused), any other e as exp(e log x) on x >= 0 (0^e = 0
// for e > 0). x^y for an interval exponent: exp(y log x) on x > 0 only.
// Out of the domain (what is NaN or inf in floats) throws DomainError.
Interval interval_pow(const Interval& x, double e);
Interval interval_pow(const Interval& x, const Interval& y);
bool overlap(const Interval& a, const Interval& b);
std::ostream& operator<<(std::ostream& os, const Interval& x);

}  // namespace vt::ref

namespace vt::spec {

template <>
struct ScalarTraits<ref::Interval> {
  using I = ref::Interval;
  static constexpr bool transcendental = true;
  static I constant(const I&, long num, long den) { return I(num) / I(den); }
  static I from_double(const I&, double v) { return ref::to_interval(ref::exact(v)); }
  template <class C>
  static I select(const C& cond, const I& a, const I& b) { return cond ? a : b; }
  // By midpoint: never an undecidable comparison (the choice cannot change the value).
  static bool prefer_second(const I& a, const I& b) {
    return boost::multiprecision::median(b.raw()) > boost::multiprecision::median(a.raw());
  }
  static I exp(const I& x) { return I(I::Raw(boost::multiprecision::exp(x.raw()))); }
  // log and sqrt refuse intervals that reach outside their domain rather than
  // return NaN bounds: the message names the offending interval.
  static I log(const I& x) {
    if (!(boost::multiprecision::lower(x.raw()) > 0))
      throw DomainError("log of " + ref::to_string(x) + ", which reaches <= 0 (a singularity)");
    return I(I::Raw(boost::multiprecision::log(x.raw())));
  }
  static I sqrt(const I& x) {
    if (boost::multiprecision::lower(x.raw()) < 0)
      throw DomainError("sqrt of " + ref::to_string(x) + ", which reaches below 0");
    return I(I::Raw(boost::multiprecision::sqrt(x.raw())));
  }
  static I tanh(const I& x) { return I(I::Raw(boost::multiprecision::tanh(x.raw()))); }
  static I log1p(const I& x) {
    if (!(boost::multiprecision::lower(x.raw()) > -1))
      throw DomainError("log1p of " + ref::to_string(x) + ", which reaches <= -1 (a singularity)");
    return I(I::Raw(boost::multiprecision::log1p(x.raw())));
  }
  static I expm1(const I& x) { return I(I::Raw(boost::multiprecision::expm1(x.raw()))); }
  static I pow_const(const I& x, double e) { return ref::interval_pow(x, e); }
  static I pow(const I& x, const I& y) { return ref::interval_pow(x, y); }
  static bool is_nan(const I&) { return false; }
  // erf is increasing: [erf(lo) rounded down, erf(hi) rounded up] (MPFR's
  // correctly rounded mpfr_erf; MPFI has no erf of its own).
  static I erf(const I& x) { return ref::interval_erf(x); }
  static I pi(const I&) { return ref::interval_pi(); }
  static std::int64_t to_index(const I& x, bool& ok) {
    using boost::multiprecision::lower;
    using boost::multiprecision::upper;
    const auto lo = lower(x.raw());
    ok = lo == upper(x.raw()) && lo >= -0x1p62 && lo <= 0x1p62 && floor(lo) == lo;
    return ok ? lo.convert_to<std::int64_t>() : 0;
  }
};

}  // namespace vt::spec
