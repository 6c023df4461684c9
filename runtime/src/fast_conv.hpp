#pragma once
// FastKernel for conv2d: im2col + one OpenBLAS GEMM per group over the whole
// batch (columns are (image, output position) pairs), so a batch of small
// images makes one large product instead of N small ones. Backward: dW by one
// GEMM against the same columns, dx by a GEMM into column space and col2im.
// Column buffers are per-thread scratch, reused across calls (no allocation
// per step once they have grown).
#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

template <class S>
void conv2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);

// overwrite[i]: dx[i] is stale and stands for zeros (written whole here).
template <class S>
void conv2d_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                std::span<const bool> overwrite);

}  // namespace vt::rt
