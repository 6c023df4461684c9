#include "vt/runtime/fast_kernels.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "elementwise_loops.hpp"
#include "fast_attention.hpp"
#include "fast_conv.hpp"
#include "fast_layout.hpp"
#include "fast_norm.hpp"
#include "kernel_scratch.hpp"
#include "fast_pool.hpp"
#include "vt/runtime/blas.hpp"
#include "vt/spec/mutation.hpp"

namespace vt::rt {

using spec::Dense;
using spec::op_id;
namespace ops = spec::ops;

namespace {

// linear: y[R,O] = x[R,I] W[O,I]^T + b[O]  (one GEMM, bias preloaded as beta = 1)
template <class S>
void linear_forward(spec::Ins<S> in, Dense<S>& y) {
  const Dense<S>&x = *in[0], &W = *in[1];
  const std::int64_t O = W.shape[0], I = W.shape[1], R = O == 0 ? 0 : y.numel() / O;
  if (R == 0 || O == 0) return;
  S beta = 0;
  if (in.size() == 3) {
    for (std::int64_t r = 0; r < R; ++r) std::copy(in[2]->data.begin(), in[2]->data.end(), y.data.begin() + r * O);
    beta = 1;
  }
  if (I == 0) return;
  if (R > 1 && spec::mutation::planted(spec::mutation::Mutant::fast_gemm_wrong_ld)) {
    // Planted bug: x read with leading dimension I + 1 (rows misaligned),
    // from a padded copy so that the wrong reads stay in bounds.
    std::vector<S> padded(x.data);
    padded.resize(static_cast<std::size_t>(R * (I + 1)), S(0));
    return gemm<S>(false, true, R, O, I, 1, padded.data(), I + 1, W.data.data(), I, beta, y.data.data(), O);
  }
  gemm<S>(false, true, R, O, I, 1, x.data.data(), I, W.data.data(), I, beta, y.data.data(), O);
}

using detail::overwrites;
using detail::zero_stale;

// Planted bugs (spec/mutation.hpp): the precision a reduced-precision GEMM
// unit would read its operands in. Round to nearest even at 10 significand
// bits after the leading one; float16 also flushes below 2^-24 in steps of
// 2^-24 (its subnormals) and overflows past 65504.
template <class S>
S round_significand(S v, bool fp16) {
  if (fp16 && std::abs(v) < S(0x1p-14)) return std::nearbyint(v * S(0x1p24)) * S(0x1p-24);
  int e = 0;
  const S m = std::frexp(v, &e);  // v = m 2^e, |m| in [0.5, 1)
  const S r = std::ldexp(std::nearbyint(std::ldexp(m, 11)), e - 11);
  return fp16 && std::abs(r) > S(65504) ? std::copysign(std::numeric_limits<S>::infinity(), r) : r;
}
template <class S>
std::vector<S> reduced_precision_copy(const Dense<S>& t, bool fp16) {
  std::vector<S> out(t.data);
  for (S& v : out) v = round_significand(v, fp16);
  return out;
}
// Planted bug: each column sum of g [R, O] leaves out its smallest-magnitude term.
template <class S>
void bias_sum_without_smallest(const Dense<S>& g, std::int64_t R, std::int64_t O, S* db) {
  for (std::int64_t o = 0; o < O; ++o) {
    std::int64_t smallest = 0;
    for (std::int64_t r = 1; r < R; ++r)
      if (std::abs(g.data[static_cast<std::size_t>(r * O + o)]) < std::abs(g.data[static_cast<std::size_t>(smallest * O + o)])) smallest = r;
    for (std::int64_t r = 0; r < R; ++r)
      if (r != smallest) db[o] += g.data[static_cast<std::size_t>(r * O + o)];
  }
}

// dx[R,I] += g[R,O] W[O,I];  dW[O,I] += g^T x;  db[O] += column sums of g
// (a stale buffer is written whole instead: GEMM beta = 0, sums assigned)
template <class S>
void linear_vjp(spec::Ins<S> in, const Dense<S>& g, spec::Grads<S> dx, std::span<const bool> overwrite) {
  const Dense<S>&x = *in[0], &W = *in[1];
  const std::int64_t O = W.shape[0], I = W.shape[1], R = O == 0 ? 0 : g.numel() / O;
  if (R == 0 || O == 0 || I == 0) return zero_stale(dx, overwrite);  // (BLAS rejects zero leading dimensions)
  const S beta_x = overwrites(overwrite, 0) ? 0 : 1, beta_w = overwrites(overwrite, 1) ? 0 : 1;
  using spec::mutation::Mutant;
  const bool tf32 = spec::mutation::planted(Mutant::fast_gemm_tf32_inputs), fp16 = spec::mutation::planted(Mutant::fast_gemm_fp16_inputs);
  if (tf32 || fp16) {  // (planted bug: the GEMMs read operands rounded to 10 significand bits)
    const std::vector<S> gr = reduced_precision_copy(g, fp16), wr = reduced_precision_copy(W, fp16), xr = reduced_precision_copy(x, fp16);
    if (dx[0]) gemm<S>(false, false, R, I, O, 1, gr.data(), O, wr.data(), I, beta_x, dx[0]->data.data(), I);
    if (dx[1]) gemm<S>(true, false, O, I, R, 1, gr.data(), O, xr.data(), I, beta_w, dx[1]->data.data(), I);
  } else {
    if (dx[0]) gemm<S>(false, false, R, I, O, 1, g.data.data(), O, W.data.data(), I, beta_x, dx[0]->data.data(), I);
    // (planted bug, spec/mutation.hpp: the last row of the batch left out of dW)
    const std::int64_t rows_w = R > 1 && spec::mutation::planted(Mutant::fast_backward_drops_row) ? R - 1 : R;
    if (dx[1]) gemm<S>(true, false, O, I, rows_w, 1, g.data.data(), O, x.data.data(), I, beta_w, dx[1]->data.data(), I);
  }
  if (in.size() == 3 && dx[2]) {
    S* db = dx[2]->data.data();
    if (overwrites(overwrite, 2)) std::fill(db, db + O, S(0));
    if (R > 1 && spec::mutation::planted(Mutant::fast_sum_drops_smallest)) return bias_sum_without_smallest(g, R, O, db);
    for (std::int64_t r = 0; r < R; ++r)
      for (std::int64_t o = 0; o < O; ++o) db[o] += g.data[static_cast<std::size_t>(r * O + o)];
  }
}

// matmul, batch axes broadcast or not: one GEMM per output batch, at the
// a and b batches it reads (ops::Matmul::plan). A broadcast operand's
// gradient sums over the batches that read it: those GEMMs accumulate.
template <class S>
void matmul_forward(spec::Ins<S> in, Dense<S>& y) {
  const ops::Matmul::Plan p = ops::Matmul::plan(in[0]->shape, in[1]->shape, y.shape);
  if (p.M * p.N * p.K == 0) return;  // y arrives zero (BLAS rejects zero leading dimensions)
  for (std::size_t z = 0; z < p.za.size(); ++z)
    gemm<S>(false, false, p.M, p.N, p.K, 1, in[0]->data.data() + p.za[z] * p.M * p.K, p.K,
            in[1]->data.data() + p.zb[z] * p.K * p.N, p.N, 0, y.data.data() + static_cast<std::int64_t>(z) * p.M * p.N, p.N);
}

template <class S>
void matmul_vjp(spec::Ins<S> in, const Dense<S>& g, spec::Grads<S> dx) {
  const ops::Matmul::Plan p = ops::Matmul::plan(in[0]->shape, in[1]->shape, g.shape);
  if (p.M * p.N * p.K == 0) return;
  // (planted bug, spec/mutation.hpp: GEMMs overwrite instead of accumulating)
  const S beta = spec::mutation::planted(spec::mutation::Mutant::fast_matmul_broadcast_overwrites) ? 0 : 1;
  for (std::size_t z = 0; z < p.za.size(); ++z) {
    const S* gz = g.data.data() + static_cast<std::int64_t>(z) * p.M * p.N;
    const S *a = in[0]->data.data() + p.za[z] * p.M * p.K, *b = in[1]->data.data() + p.zb[z] * p.K * p.N;
    if (dx[0]) gemm<S>(false, true, p.M, p.K, p.N, 1, gz, p.N, b, p.N, beta, dx[0]->data.data() + p.za[z] * p.M * p.K, p.K);
    if (dx[1]) gemm<S>(true, false, p.K, p.N, p.M, 1, a, p.K, gz, p.N, beta, dx[1]->data.data() + p.zb[z] * p.K * p.N, p.N);
  }
}

// Elementwise loops over raw pointers: the op table's scalar functions,
// inlined, with no dispatch per element.
template <class Op, class S>
void unary_forward(const Dense<S>& x, Dense<S>& y) {
  const S* xp = x.data.data();
  S* yp = y.data.data();
  const std::int64_t n = x.numel();
  for (std::int64_t i = 0; i < n; ++i) yp[i] = Op::value(xp[i]);
}
template <class Op, class S>
void unary_vjp(const Dense<S>& x, const Dense<S>& y, const Dense<S>& g, Dense<S>& dx) {
  const S *xp = x.data.data(), *yp = y.data.data(), *gp = g.data.data();
  S* dp = dx.data.data();
  const std::int64_t n = x.numel();
  for (std::int64_t i = 0; i < n; ++i) dp[i] += Op::grad(xp[i], yp[i], gp[i]);
}
// Binary loops where each operand is y's shape or a broadcast of y's
// trailing axes (a bias [E] against [B, T, E]): y is walked in periods of
// the smaller operand's size, the full operand advancing with y and the
// broadcast one restarting each period. A broadcast operand's gradient
// gathers its contributions in y's order, as the generic rule does, so the
// results are bitwise the generic ones.
template <class Op, class S>
void binary_forward(const Dense<S>& a, const Dense<S>& b, Dense<S>& y) {
  const std::int64_t n = y.numel(), na = a.numel(), nb = b.numel(), period = std::min(na, nb);
  S* yp = y.data.data();
  for (std::int64_t o = 0; o < n; o += period) {
    const S *ap = a.data.data() + (na == n ? o : 0), *bp = b.data.data() + (nb == n ? o : 0);
    for (std::int64_t j = 0; j < period; ++j) yp[o + j] = Op::value(ap[j], bp[j]);
  }
}
template <class Op, class S>
void binary_vjp(const Dense<S>& a, const Dense<S>& b, const Dense<S>& y, const Dense<S>& g, spec::Grads<S> dx) {
  const std::int64_t n = y.numel(), na = a.numel(), nb = b.numel(), period = std::min(na, nb);
  for (std::int64_t o = 0; o < n; o += period) {
    const S *ap = a.data.data() + (na == n ? o : 0), *bp = b.data.data() + (nb == n ? o : 0);
    const S *yp = y.data.data() + o, *gp = g.data.data() + o;
    if (dx[0]) {
      S* d = dx[0]->data.data() + (na == n ? o : 0);
      for (std::int64_t j = 0; j < period; ++j) d[j] += Op::grad_a(ap[j], bp[j], yp[j], gp[j]);
    }
    if (dx[1]) {
      S* d = dx[1]->data.data() + (nb == n ? o : 0);
      for (std::int64_t j = 0; j < period; ++j) d[j] += Op::grad_b(ap[j], bp[j], yp[j], gp[j]);
    }
  }
}

template <class S>
bool loop_shapes(spec::Ins<S> in, const spec::Shape& y) {
  if (in.size() != 1 && in.size() != 2) return false;
  return elementwise_loop_shapes(in[0]->shape, in.size() == 2 ? &in[1]->shape : nullptr, y);
}

// Calls f.template operator()<Op>() when `op` is one of the elementwise ops
// with a fast loop; returns whether it was.
template <class F>
bool with_elementwise(spec::OpId op, F&& f) {
  bool handled = false;
  auto try_op = [&]<class Op>() {
    if (op == op_id<Op>) handled = true, f.template operator()<Op>();
  };
  try_op.template operator()<ops::Add>();
  try_op.template operator()<ops::Sub>();
  try_op.template operator()<ops::Mul>();
  try_op.template operator()<ops::Div>();
  try_op.template operator()<ops::Maximum>();
  try_op.template operator()<ops::Minimum>();
  try_op.template operator()<ops::Neg>();
  try_op.template operator()<ops::Square>();
  try_op.template operator()<ops::Exp>();
  try_op.template operator()<ops::Log1p>();
  try_op.template operator()<ops::Expm1>();
  try_op.template operator()<ops::Tanh>();
  try_op.template operator()<ops::Sigmoid>();
  try_op.template operator()<ops::Relu>();
  try_op.template operator()<ops::Abs>();
  return handled;
}

template <class Op>
constexpr bool is_binary = Op::min_arity == 2;

// reshape and flatten keep the row-major order: a plain copy, dx += g (a
// stale dx gets 0 + g in one pass: bitwise the generic result, -0 included).
bool is_view(spec::OpId op) { return op == op_id<ops::Reshape> || op == op_id<ops::Flatten>; }
template <class S>
void view_vjp(const Dense<S>& g, spec::Grads<S> dx, std::span<const bool> overwrite) {
  if (!dx[0]) return;
  S* d = dx[0]->data.data();
  const S* gp = g.data.data();
  const std::int64_t n = g.numel();
  if (overwrites(overwrite, 0))
    for (std::int64_t i = 0; i < n; ++i) d[i] = S(0) + gp[i];
  else
    for (std::int64_t i = 0; i < n; ++i) d[i] += gp[i];
}

}  // namespace

template <class S>
bool fast_forward(spec::OpId op, spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  if (op == op_id<ops::Linear>) return linear_forward(in, y), true;
  if (op == op_id<ops::Matmul>) return matmul_forward(in, y), true;
  if (op == op_id<ops::Conv2d>) return conv2d_forward(in, attrs, y), true;
  if (op == op_id<ops::ScaledDotProductAttention>) return attention_forward(in, attrs, y), true;
  if (op == op_id<ops::LayerNorm>) return layer_norm_forward(in, attrs, y), true;
  if (op == op_id<ops::BatchNorm>) return batch_norm_forward(in, attrs, y), true;
  if (op == op_id<ops::MaxPool2d>) return max_pool2d_forward(in, attrs, y), true;
  if (op == op_id<ops::AvgPool2d>) return avg_pool2d_forward(in, attrs, y), true;
  if (is_view(op)) return std::copy(in[0]->data.begin(), in[0]->data.end(), y.data.begin()), true;
  if (!in.empty() && permute_forward(op, *in[0], attrs, y)) return true;
  if (embedding_forward(op, in, y)) return true;
  if (!loop_shapes(in, y.shape)) return false;  // other broadcasts: the generic path
  return with_elementwise(op, [&]<class Op>() {
    if constexpr (is_binary<Op>) binary_forward<Op>(*in[0], *in[1], y);
    else unary_forward<Op>(*in[0], y);
  });
}

template <class S>
bool fast_vjp(spec::OpId op, spec::Ins<S> in, const Dense<S>& y, const Dense<S>& g, const spec::AttrMap& attrs,
              spec::Grads<S> dx, std::span<const bool> overwrite) {
  if (op == op_id<ops::Linear>) return linear_vjp(in, g, dx, overwrite), true;
  if (op == op_id<ops::Conv2d>) return conv2d_vjp(in, g, attrs, dx, overwrite), true;
  if (op == op_id<ops::ScaledDotProductAttention>) return attention_vjp(in, g, attrs, dx, overwrite), true;
  if (op == op_id<ops::LayerNorm>) return layer_norm_vjp(in, g, attrs, dx, overwrite), true;
  if (op == op_id<ops::BatchNorm>) return batch_norm_vjp(in, g, attrs, dx, overwrite), true;
  if (op == op_id<ops::MaxPool2d>) return max_pool2d_vjp(in, g, attrs, dx, overwrite), true;
  if (op == op_id<ops::AvgPool2d>) return avg_pool2d_vjp(in, g, attrs, dx, overwrite), true;
  if (is_view(op)) return view_vjp(g, dx, overwrite), true;
  if (op == op_id<ops::Matmul>) return zero_stale(dx, overwrite), matmul_vjp(in, g, dx), true;
  if (!in.empty() && permute_vjp(op, *in[0], g, attrs, dx[0], overwrites(overwrite, 0))) return true;
  if (embedding_vjp(op, in, g, dx[0], overwrites(overwrite, 0))) return true;
  if (!loop_shapes(in, y.shape)) return false;
  return with_elementwise(op, [&]<class Op>() {
    // The loops accumulate (a stale dx is zeroed first: GCC 12 vectorizes
    // `d += select(...)` but not `d = 0 + select(...)`).
    zero_stale(dx, overwrite);
    if constexpr (is_binary<Op>) binary_vjp<Op>(*in[0], *in[1], y, g, dx);
    else if (dx[0]) unary_vjp<Op>(*in[0], y, g, *dx[0]);
  });
}

template bool fast_forward<float>(spec::OpId, spec::Ins<float>, const spec::AttrMap&, Dense<float>&);
template bool fast_forward<double>(spec::OpId, spec::Ins<double>, const spec::AttrMap&, Dense<double>&);
template bool fast_vjp<float>(spec::OpId, spec::Ins<float>, const Dense<float>&, const Dense<float>&, const spec::AttrMap&,
                              spec::Grads<float>, std::span<const bool>);
template bool fast_vjp<double>(spec::OpId, spec::Ins<double>, const Dense<double>&, const Dense<double>&, const spec::AttrMap&,
                               spec::Grads<double>, std::span<const bool>);

}  // namespace vt::rt
