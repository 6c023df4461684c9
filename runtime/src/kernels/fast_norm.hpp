#pragma once
// FastKernels for layer_norm and batch_norm: the spec's arithmetic
// (ops/norm.hpp), step for step, on raw pointers to each group (a batch_norm
// channel gathered into contiguous scratch first, instead of a division and a
// modulo per element), with the backward's per-element terms computed once
// instead of recomputed, and the group sums in 16 interleaved partial sums
// (which vectorize) instead of one chain. The sums' order is all that differs
// from the generic rule; both meet the normalization contract, which bounds
// a sum of n terms in any order.
#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

// Lanes of the group sums (a group of fewer elements is summed in one chain).
inline constexpr int kNormLanes = 16;

template <class S>
void layer_norm_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);

// overwrite[i]: dx[i] is stale and stands for zeros (written whole here).
template <class S>
void layer_norm_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite);

template <class S>
void batch_norm_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);
template <class S>
void batch_norm_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite);

}  // namespace vt::rt
