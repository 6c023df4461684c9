#include "vt/reference/backward_bound.hpp"

#include <cmath>
#include <limits>

#include "vt/reference/contract_bounds.hpp"

namespace vt::ref {

double backward_bound(const Mag& terms, spec::DType dtype, double slack) {
  const double depth = terms.k + slack;
  return gamma(depth, unit_roundoff(dtype)) * terms.m + (depth + terms.z) * smallest_subnormal(dtype);
}

spec::Dense<Mag> exact_mags(const spec::Shape& shape, const std::vector<double>& values) {
  auto d = spec::Dense<Mag>::full(shape, Mag{});
  for (std::int64_t i = 0; i < d.numel(); ++i) d[i] = exact_input(values[static_cast<std::size_t>(i)]);
  return d;
}

double bound_use(double err, double bound) {
  if (bound > 0) return err / bound;
  return err > 0 ? std::numeric_limits<double>::infinity() : 0;
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
