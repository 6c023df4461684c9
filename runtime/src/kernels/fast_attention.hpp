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

// Probabilities of at most this many elements (Z*L*S) are kept for the
// backward (32 MB in float); larger ones are recomputed there.
inline constexpr std::int64_t kAttentionMaxSaved = std::int64_t{1} << 23;
// Lanes of the backward's row dot products (over the S keys).
inline constexpr int kAttentionLanes = 8;

template <class S>
void attention_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);

// overwrite[i]: dx[i] is stale and stands for zeros (written whole here).
template <class S>
void attention_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                   std::span<const bool> overwrite);

}  // namespace vt::rt
