#pragma once
// Checks of one generated case that the property suites assert: each returns
// "" when the property holds, else what failed (node, op, sides).
#include <cstdint>
#include <string>

#include "vt/proptests/coverage.hpp"
#include "vt/proptests/graph_gen.hpp"

namespace vt::proptests {

// Per node: <g, J v> == <VJP g, v> at the node's own inputs (its float64
// values, as exact rationals), exactly for rational ops and by interval
// overlap plus a high-precision finite difference for transcendental ones.
// Kinks are decided per element: where an input element sits at a kink
// (relu/abs at 0, clamp at a bound, ties of maximum/minimum/max/max_pool2d)
// its tangent is zero, so every other element is checked as usual, and the
// VJP at the kink element must equal the op's documented convention (exact,
// where the convention is per element). `coverage` counts, per op, the nodes
// decided, undecided (interval checks too wide) and wholly at kinks, and the
// kink elements. `seed` draws the tangents and cotangents.
std::string per_node_soundness(const GraphCase& c, std::uint64_t seed, Coverage* coverage = nullptr);

// The whole graph over exact rationals: <grad, v> summed over every float
// argument equals the directional derivative of output 0 along v, computed
// forward on dual numbers. Catches errors of the reverse sweep itself
// (accumulation, routing), not only of single rules. Rational-fragment
// graphs only; "" also when an input sits at a kink (then nothing is claimed,
// and `*skipped` is set).
std::string graph_gradient_soundness(const GraphCase& c, std::uint64_t seed, bool* skipped = nullptr);

}  // namespace vt::proptests
