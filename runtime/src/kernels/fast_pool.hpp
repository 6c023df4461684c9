#pragma once
// FastKernels for max_pool2d and avg_pool2d: the op table's rules
// (spec/ops/conv.hpp) with each window's valid tap range computed once per
// row and column instead of a list of taps built per window. Taps are visited
// in the same row-major order, so results are bitwise those of the generic
// code: max keeps its first-maximal-tap (NaN wins) convention, avg sums the
// taps in the same order and divides by kh*kw (padding counted as zeros).
#include <cstddef>

#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

// Whole max_pool2d windows of these tap counts (2x2, 3x3) are scanned
// unrolled, as a tournament; others, and windows the padding clips, in order.
inline constexpr std::size_t kUnrolledWindowTaps[] = {4, 9};

template <class S>
void max_pool2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);
template <class S>
void avg_pool2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);

// overwrite[0]: dx[0] is stale and stands for zeros (written whole here).
template <class S>
void max_pool2d_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite);
template <class S>
void avg_pool2d_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite);

}  // namespace vt::rt
