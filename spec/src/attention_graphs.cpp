#include "vt/spec/attention_graphs.hpp"

#include <stdexcept>

namespace vt::spec {

namespace {

AttrMap one(std::string name, AttrValue v) {
  AttrMap a;
  a.set(std::move(name), std::move(v));
  return a;
}

GValue reshape(GraphBuilder& b, const GValue& x, IntList shape) { return b.apply("reshape", {x}, one("shape", std::move(shape))); }
GValue permute(GraphBuilder& b, const GValue& x, IntList perm) { return b.apply("permute", {x}, one("perm", std::move(perm))); }

}  // namespace

GValue attention_from_primitives(GraphBuilder& b, const GValue& q, const GValue& k, const GValue& v,
                                 std::optional<double> scale) {
  const DType t = q.type.dtype;
  const std::int64_t E = q.type.shape.rank() == 0 ? 0 : q.type.shape[q.type.shape.rank() - 1];
  const GValue s = scale ? b.constant(*scale, t)
                         : b.div(b.constant(1, t), b.apply("sqrt", {b.constant(static_cast<double>(E), t)}));
  const GValue scores = b.mul(b.matmul(q, b.apply("transpose", {k})), s);
  return b.matmul(b.softmax(scores, -1), v);
}

MultiHeadParams multi_head_params(GraphBuilder& b, const std::string& prefix, DType dtype, std::int64_t width) {
  const auto w = [&](const std::string& n) { return b.param(prefix + n + ".weight", dtype, {width, width}); };
  const auto bias = [&](const std::string& n) { return b.param(prefix + n + ".bias", dtype, {width}); };
  MultiHeadParams p;
  p.wq = w("q"), p.bq = bias("q");
  p.wk = w("k"), p.bk = bias("k");
  p.wv = w("v"), p.bv = bias("v");
  p.wo = w("out"), p.bo = bias("out");
  return p;
}

GValue multi_head_attention(GraphBuilder& b, const GValue& x, const MultiHeadParams& p, std::int64_t heads, bool causal,
                            bool fused) {
  const Shape& s = x.type.shape;
  if (s.rank() != 3) throw ShapeError("multi_head_attention needs x of shape [B, T, E], got " + to_string(x.type));
  const std::int64_t B = s[0], T = s[1], E = s[2];
  if (heads < 1 || E % heads != 0)
    throw ShapeError("multi_head_attention: " + std::to_string(heads) + " heads do not divide the width " + std::to_string(E));
  if (causal && !fused) throw std::invalid_argument("multi_head_attention: the primitive composite has no causal mask");
  const std::int64_t D = E / heads;
  const auto split = [&](const GValue& w, const GValue& bias) {  // [B, T, E] -> [B, heads, T, D]
    return permute(b, reshape(b, b.linear(x, w, bias), {B, T, heads, D}), {0, 2, 1, 3});
  };
  const GValue q = split(p.wq, p.bq), k = split(p.wk, p.bk), v = split(p.wv, p.bv);
  const GValue o = fused ? b.scaled_dot_product_attention(q, k, v, {}, causal) : attention_from_primitives(b, q, k, v);
  return b.linear(reshape(b, permute(b, o, {0, 2, 1, 3}), {B, T, E}), p.wo, p.bo);
}

}  // namespace vt::spec
