#include "vt/reference/backward_bound.hpp"

#include <cmath>
#include <limits>

#include "vt/reference/contract_bounds.hpp"

namespace vt::ref {

double backward_bound(const Mag& terms, spec::DType dtype, double slack) {
  const double depth = terms.k + slack;
  return gamma(depth, unit_roundoff(dtype)) * terms.m + (depth + terms.z) * smallest_subnormal(dtype);
}

NodeVerdict check_within(double f, const Interval& exact, double bound, double& err) {
  if (!std::isfinite(f)) {
    err = std::numeric_limits<double>::infinity();
    return NodeVerdict::Violated;
  }
  using boost::multiprecision::lower;
  using boost::multiprecision::upper;
  const BigFloat F(f), lo(lower(exact.raw())), hi(upper(exact.raw()));
  const BigFloat far = boost::multiprecision::max(abs(F - lo), abs(F - hi));
  const BigFloat near = F < lo ? BigFloat(lo - F) : F > hi ? BigFloat(F - hi) : BigFloat(0);
  err = far.convert_to<double>();
  if (far <= bound) return NodeVerdict::Met;
  if (near > bound) return NodeVerdict::Violated;
  return NodeVerdict::Inconclusive;
}

}  // namespace vt::ref
