#pragma once
// max_pool2d's most common case, 2x2 windows at stride 2 with no padding or
// dilation: windows never overlap, so the backward writes each tap once
// (masked: dx += g only at the window's argmax) instead of scattering, and the
// first-maximum scan runs as branch-free selects along a row of windows that
// the compiler can vectorize. Bitwise the generic rule (same tap order, same
// tie and NaN conventions, dx untouched where g is not added).
#include "vt/spec/dense.hpp"
#include "vt/spec/ops/conv.hpp"

namespace vt::rt {

// Whether g is a 2x2, stride 2 pooling without padding or dilation.
bool is_pool2x2(const spec::ops::Window2d& g);

template <class S>
void max_pool2x2_forward(const spec::ops::Window2d& g, const S* x, S* y);
// stale: dx holds garbage that stands for zeros (written whole here).
template <class S>
void max_pool2x2_vjp(const spec::ops::Window2d& g, const S* x, const S* gy, S* dx, bool stale);

}  // namespace vt::rt
