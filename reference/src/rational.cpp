#include "vt/reference/rational.hpp"

#include "vt/spec/error.hpp"

namespace vt::ref {

Rational exact(double v) {
  if (!std::isfinite(v)) throw spec::DomainError("cannot convert non-finite value " + std::to_string(v) + " to a rational");
  // mpq_set_d is exact: a double is m * 2^e with integer m.
  return Rational(v);
}

}  // namespace vt::ref
