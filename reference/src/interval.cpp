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
