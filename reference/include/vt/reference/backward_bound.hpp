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
#include <vector>

#include "vt/reference/audit.hpp"
#include "vt/reference/magnitude.hpp"
#include "vt/spec/dense.hpp"

namespace vt::ref {

double backward_bound(const Mag& terms, spec::DType dtype, double slack = 0);

// Float values as exact Mag inputs (no rounding behind them yet), for running
// an op's generic VJP on them.
spec::Dense<Mag> exact_mags(const spec::Shape& shape, const std::vector<double>& values);

// |error| / bound, as NodeAudit::bound_use counts it: infinite for an error
// where the bound is 0, and 0 for no error.
double bound_use(double err, double bound);

// Where |f - x*| <= bound is certain (Met), impossible (Violated), or the
// enclosure of x* is too wide to tell (Inconclusive). `err` gets the largest
// |f - x| over the enclosure (infinite when f is not finite: Violated).
NodeVerdict check_within(double f, const Interval& exact, double bound, double& err);

}  // namespace vt::ref
