#pragma once
// FastKernels for permute and transpose: a strided copy walked with an
// odometer (no index vector per call, unlike the generic gather), copying
// whole rows when the last axis stays last. The backward is the inverse
// copy, added into dx (each dx element receives exactly one g element, so
// the result is bitwise the generic one).
#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

// False when `op` is not permute or transpose.
template <class S>
bool permute_forward(spec::OpId op, const spec::Dense<S>& x, const spec::AttrMap& attrs, spec::Dense<S>& y);
// overwrite: dx is stale (written whole, as 0 + g).
template <class S>
bool permute_vjp(spec::OpId op, const spec::Dense<S>& x, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Dense<S>* dx,
                 bool overwrite);

}  // namespace vt::rt
