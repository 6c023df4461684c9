#pragma once
// Attention as graphs: scaled dot-product attention spelled out in
// primitives (the composite that defines what the fused op computes), and
// multi-head attention built on either form. The primitive form is the
// reference the scaled_dot_product_attention op is held to (tests check both
// agree exactly in the reference and within contract in floats).
#include <optional>
#include <string>

#include "vt/spec/builder.hpp"

namespace vt::spec {

// softmax(q k^T * scale) v from transpose, matmul, constant, sqrt, div, mul
// and softmax. scale absent: 1/sqrt(E), built as div(1, sqrt(E)) so that the
// reference sees the same real number the op uses. No causal mask (a mask
// needs -inf, which the exact fragment has no value for): the op alone has one.
GValue attention_from_primitives(GraphBuilder& b, const GValue& q, const GValue& k, const GValue& v,
                                 std::optional<double> scale = {});

// The parameters of one multi-head attention layer over model width E
// (torch.nn.MultiheadAttention's in/out projections, split per q, k, v).
struct MultiHeadParams {
  GValue wq, bq, wk, bk, wv, bv, wo, bo;
};
MultiHeadParams multi_head_params(GraphBuilder& b, const std::string& prefix, DType dtype, std::int64_t width);

// Self-attention of x [B, T, E] with `heads` heads of E/heads each:
// q, k, v = linear projections, split into [B, heads, T, E/heads],
// attention per head, heads merged back to [B, T, E], output projection.
// fused: the scaled_dot_product_attention op, else the primitive composite
// (which cannot be causal).
GValue multi_head_attention(GraphBuilder& b, const GValue& x, const MultiHeadParams& p, std::int64_t heads,
                            bool causal = false, bool fused = true);

}  // namespace vt::spec
