#pragma once
// The per-element contract of a backward (VJP) result, shared by the runtime's
// backward-kernel checks (contracts/) and the audit of given gradients
// (another framework's, node by node).
//
// One VJP output element is bounded by gamma_k * m + (k + z) * eta, where m
// is the size of the terms of the op's own VJP formula and k the rounded
// operations on the longest path into that element (both from the generic
// rule run on Mag values, which also carry argument errors through
// exp/log/sqrt/tanh), plus `slack` roundings an implementation may spend
// beyond the formula's own; (k + z) smallest subnormals cover underflow, z
// the Mag's count of how far an underflowed intermediate is magnified. A
// non-finite element where the exact value is finite is a violation.
#include "vt/reference/audit.hpp"
#include "vt/reference/magnitude.hpp"

namespace vt::ref {

double backward_bound(const Mag& terms, spec::DType dtype, double slack = 0);

// Where |f - x*| <= bound is certain (Met), impossible (Violated), or the
// enclosure of x* is too wide to tell (Inconclusive). `err` gets the largest
// |f - x| over the enclosure (infinite when f is not finite: Violated).
NodeVerdict check_within(double f, const Interval& exact, double bound, double& err);

}  // namespace vt::ref
