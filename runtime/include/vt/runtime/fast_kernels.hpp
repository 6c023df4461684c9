#pragma once
// FastKernels: runtime-only implementations of op-table entries, never new
// definitions. Each must meet its op's error contract against the exact
// reference (tested through the audit and the property suites), and the
// runtime can switch them off to compare with the generic path. They take
// the hot ops -- linear and matmul (batch-broadcast too) through OpenBLAS
// GEMM, conv2d (im2col + GEMM), scaled_dot_product_attention (fused),
// max/avg pooling, layer_norm and batch_norm, embedding, the layout ops
// (reshape, flatten, permute, transpose) and elementwise loops (equal shapes
// or trailing-axis broadcasts) -- and decline (return false) anything else,
// e.g. other broadcasts, which then run through the op table's generic code.
// Each has a test against the generic rule (runtime/tests/test_fast_*.cpp).
#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

template <class S>
bool fast_forward(spec::OpId op, spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);

// overwrite[i] (may be empty): dx[i] is stale and stands for zeros; the kernel
// writes it whole. Returns false, touching nothing, when it does not apply.
template <class S>
bool fast_vjp(spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, const spec::AttrMap& attrs,
              spec::Grads<S> dx, std::span<const bool> overwrite = {});

}  // namespace vt::rt
