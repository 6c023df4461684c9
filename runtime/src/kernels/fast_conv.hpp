#pragma once
// FastKernel for conv2d: per image and group, im2col into a [K, P] block and
// one OpenBLAS GEMM whose result lands straight in the NCHW output. Backward
// runs per image on the cotangent's own layout: dW accumulates one GEMM per
// image against the forward's columns (kept, keyed by a copy of the input),
// dx is a GEMM into column space and col2im. Buffers are per-thread scratch,
// reused across calls (no allocation per step once they have grown).
#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

// conv2d's dW: with columns this long (K = C/groups * kh * kw) or longer it is
// summed transposed (fast_conv.cpp says why); kernel_paths.cpp lists both sides.
inline constexpr std::int64_t kConvTransposedMinK = 64;
// Lanes of conv2d's bias-gradient sums (partial sums over P = Ho * Wo).
inline constexpr int kConvBiasLanes = 8;

template <class S>
void conv2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& y);

// overwrite[i]: dx[i] is stale and stands for zeros (written whole here).
template <class S>
void conv2d_vjp(spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                std::span<const bool> overwrite);

}  // namespace vt::rt
