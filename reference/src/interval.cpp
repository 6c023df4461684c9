#include "vt/reference/interval.hpp"

#include <cmath>
#include <sstream>

namespace vt::ref {

unsigned IntervalPrecision::digits10_for(unsigned bits) {
  // Boost sets precision in decimal digits; round up so at least `bits` bits are used.
  return static_cast<unsigned>(std::ceil(bits * 0.30102999566398120)) + 1;
}

IntervalPrecision::IntervalPrecision(unsigned bits)
    : saved_interval_(Interval::Raw::default_precision()), saved_float_(BigFloat::default_precision()) {
  Interval::Raw::default_precision(digits10_for(bits));
  BigFloat::default_precision(digits10_for(bits));
}

IntervalPrecision::~IntervalPrecision() {
  Interval::Raw::default_precision(saved_interval_);
  BigFloat::default_precision(saved_float_);
}

Interval to_interval(const Rational& q) {
  Interval::Raw r;
  mpfi_set_q(r.backend().data(), q.backend().data());  // outward rounded: encloses q
  return Interval(std::move(r));
}

Interval interval_erf(const Interval& x) {
  // erf is increasing on the reals, so its image of [lo, hi] is
  // [erf(lo), erf(hi)]: each endpoint correctly rounded outward.
  Interval::Raw r;  // current default precision
  mpfr_t lo, hi, e_lo, e_hi;
  const mpfr_prec_t prec = mpfi_get_prec(r.backend().data());
  mpfr_inits2(mpfi_get_prec(x.raw().backend().data()), lo, hi, static_cast<mpfr_ptr>(nullptr));
  mpfr_inits2(prec, e_lo, e_hi, static_cast<mpfr_ptr>(nullptr));
  mpfi_get_left(lo, x.raw().backend().data());
  mpfi_get_right(hi, x.raw().backend().data());
  mpfr_erf(e_lo, lo, MPFR_RNDD);
  mpfr_erf(e_hi, hi, MPFR_RNDU);
  mpfi_interv_fr(r.backend().data(), e_lo, e_hi);
  mpfr_clears(lo, hi, e_lo, e_hi, static_cast<mpfr_ptr>(nullptr));
  return Interval(std::move(r));
}

namespace {
bool is_point_zero(const Interval& x) {
  return boost::multiprecision::lower(x.raw()) == 0 && boost::multiprecision::upper(x.raw()) == 0;
}
bool contains_zero(const Interval& x) {
  return boost::multiprecision::lower(x.raw()) <= 0 && boost::multiprecision::upper(x.raw()) >= 0;
}
// exp(y log x) for x > 0.
Interval exp_log(const Interval& x, const Interval& y) {
  using boost::multiprecision::exp;
  using boost::multiprecision::log;
  return Interval(Interval::Raw(exp(Interval::Raw(y.raw() * log(x.raw())))));
}
}  // namespace

Interval interval_pow(const Interval& x, double e) {
  if (e == 0) return Interval(1);  // x^0 = 1 for every x, 0^0 included (torch.pow)
  const bool integer = std::floor(e) == e && std::abs(e) <= 0x1p53;
  if (integer) {
    if (e < 0 && contains_zero(x))
      throw spec::DomainError("pow of " + to_string(x) + " (reaching 0) to the negative power " + std::to_string(e) + ": a pole");
    // Square and multiply: each product encloses, so the result does.
    auto n = static_cast<std::uint64_t>(std::abs(e));
    Interval r(1), base = x;
    for (; n > 0; n >>= 1) {
      if (n & 1) r = r * base;
      if (n > 1) base = base * base;
    }
    return e < 0 ? Interval(1) / r : r;
  }
  if (boost::multiprecision::lower(x.raw()) < 0)
    throw spec::DomainError("pow of " + to_string(x) + ", which reaches below 0, to the non-integer power " + std::to_string(e));
  if (is_point_zero(x)) {
    if (e > 0) return Interval(0);
    throw spec::DomainError("pow of 0 to the negative power " + std::to_string(e) + ": a pole");
  }
  if (!(boost::multiprecision::lower(x.raw()) > 0))
    throw spec::DomainError("pow of " + to_string(x) + ", which reaches 0, to a non-integer power is undecidable at this precision",
                            /*undecided=*/true);
  return exp_log(x, to_interval(exact(e)));
}

Interval interval_pow(const Interval& x, const Interval& y) {
  using boost::multiprecision::lower;
  using boost::multiprecision::upper;
  if (lower(x.raw()) > 0) return exp_log(x, y);
  // A point integer exponent keeps the integer-power domain (any sign of x).
  if (lower(y.raw()) == upper(y.raw()) && abs(lower(y.raw())) <= 0x1p53 && floor(lower(y.raw())) == lower(y.raw()))
    return interval_pow(x, lower(y.raw()).convert_to<double>());
  throw spec::DomainError("pow of " + to_string(x) + ", which reaches <= 0, to the power " + to_string(y) +
                          " (a tensor exponent needs a positive base)");
}

Interval interval_pi() {
  Interval::Raw r;
  mpfi_const_pi(r.backend().data());
  return Interval(std::move(r));
}

int compare(const Interval& a, const Interval& b) {
  using boost::multiprecision::lower;
  using boost::multiprecision::upper;
  if (upper(a.v_) < lower(b.v_)) return -1;
  if (lower(a.v_) > upper(b.v_)) return 1;
  if (lower(a.v_) == upper(a.v_) && lower(b.v_) == upper(b.v_)) return 0;  // equal points
  throw spec::DomainError("comparison of overlapping intervals " + to_string(a) + " and " + to_string(b) +
                              " is undecidable at this precision",
                          /*undecided=*/true);
}

bool overlap(const Interval& a, const Interval& b) { return boost::multiprecision::overlap(a.raw(), b.raw()); }

std::ostream& operator<<(std::ostream& os, const Interval& x) { return os << to_string(x); }

std::string to_string(const Interval& x) {
  std::ostringstream os;
  os.precision(20);
  os << "[" << boost::multiprecision::lower(x.raw()) << ", " << boost::multiprecision::upper(x.raw()) << "]";
  return os.str();
}

double relative_width(const Interval& x) {
  const BigFloat w = boost::multiprecision::width(x.raw());
  if (w == 0) return 0;
  const BigFloat mag = boost::multiprecision::abs(boost::multiprecision::median(x.raw()));
  return (w / (mag > 0 ? mag : BigFloat(1e-300))).convert_to<double>();
}

bool finite(const Interval& x) {
  return boost::multiprecision::isfinite(boost::multiprecision::lower(x.raw())) &&
         boost::multiprecision::isfinite(boost::multiprecision::upper(x.raw()));
}

}  // namespace vt::ref
