#pragma once
// FastKernel for scaled_dot_product_attention: per batch, the logits by one
// GEMM, a row softmax in place (the causal tail zeroed), and y by a second
// GEMM. The backward makes dP, dv, dq and dk as four more GEMMs; it reuses
// the forward's P when its q and k are bitwise the forward's (checked against
// saved copies), else recomputes it, as the generic rule always does. Scratch
// buffers are per thread and reused across calls.
#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

template <class S>
void attention_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);

// overwrite[i]: dx[i] is stale and stands for zeros (written whole here).
template <class S>
void attention_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                   std::span<const bool> overwrite);

}  // namespace vt::rt
