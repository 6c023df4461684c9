#include "vt/reference/rational.hpp"

#include <mpfr.h>

#include "vt/spec/error.hpp"

namespace vt::ref {

Rational exact(double v) {
  if (!std::isfinite(v)) throw spec::DomainError("cannot convert non-finite value " + std::to_string(v) + " to a rational");
  // mpq_set_d is exact: a double is m * 2^e with integer m.
  return Rational(v);
}

Rounded round_to(const Rational& q, bool to_float32) {
  // MPFR at the format's precision and exponent range rounds exactly as IEEE
  // does; subnormalize applies the reduced precision below the normal range.
  const mpfr_prec_t precision = to_float32 ? 24 : 53;
  const mpfr_exp_t emin = to_float32 ? -148 : -1073, emax = to_float32 ? 128 : 1024;
  const mpfr_exp_t saved_emin = mpfr_get_emin(), saved_emax = mpfr_get_emax();
  mpfr_set_emin(emin);
  mpfr_set_emax(emax);
  mpfr_t r;
  mpfr_init2(r, precision);
  int t = mpfr_set_q(r, q.backend().data(), MPFR_RNDN);
  t = mpfr_check_range(r, t, MPFR_RNDN);
  t = mpfr_subnormalize(r, t, MPFR_RNDN);
  const double v = mpfr_get_d(r, MPFR_RNDN);  // exact: r is a float of the format
  mpfr_clear(r);
  mpfr_set_emin(saved_emin);
  mpfr_set_emax(saved_emax);
  return {v, t > 0 ? 1 : t < 0 ? -1 : 0};
}

}  // namespace vt::ref
