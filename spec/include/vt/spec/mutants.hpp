#pragma once
// Deliberately wrong op declarations: the planted bugs with which every
// checker (finite differences, exact soundness, intervals, full Jacobians)
// proves that it can fail. Each differs from its op-table entry in the one
// way its name says; nothing outside tests and checker self-tests uses them.
#include "vt/spec/mutation.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::spec::mutants {

// Ops of the table (mutants are other types, even when derived from one).
template <class Op>
inline constexpr bool in_op_table = op_id<Op> != OpId(0xffff);

// Wrong sign in a VJP: neg's dx += g instead of -g.
struct NegSameSign : ops::Unary<NegSameSign> {
  static constexpr std::string_view name = "neg", math = "planted bug: dx += g";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> static S value(const S& x) { return -x; }
  template <class S> static S grad(const S&, const S&, const S& g) { return g; }
};

// relu passing the gradient at x < 0.
struct ReluLeaky : ops::Unary<ReluLeaky> {
  static constexpr std::string_view name = "relu", math = "planted bug: dx += g everywhere";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> static S value(const S& x) { return ops::Relu::value(x); }
  template <class S> static S grad(const S&, const S&, const S& g) { return g; }
};

// relu's VJP with relu'(0) = 1: right everywhere but at the kink, where
// only a check of the convention (per element) can see it.
struct ReluGradAtZero : ops::Unary<ReluGradAtZero> {
  static constexpr std::string_view name = "relu", math = "planted bug: dx += g where x >= 0";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> static S value(const S& x) { return ops::Relu::value(x); }
  template <class S> static S grad(const S& x, const S&, const S& g) { return math::select(x < K(x, 0), K(g, 0), g); }
};

// mean's backward divided by the full element count instead of the reduced one.
struct MeanWrongCount : ops::Mean {
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    ops::Sum::vjp(in, y, g, a, dx);
    for (auto& v : dx[0]->data) v = v / K(v, static_cast<long>(in[0]->numel()));
  }
};

// matmul backward without the transpose: da += g b instead of g b^T (for
// square b; visible whenever b is not symmetric).
struct MatmulNoTranspose : ops::Matmul {
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    const Dense<S>& b = *in[1];
    const std::int64_t n = b.shape[0];
    Dense<S> bt = b;
    for (std::int64_t k = 0; k < n; ++k)
      for (std::int64_t j = 0; j < n; ++j) bt[k * n + j] = b[j * n + k];
    const Dense<S>* swapped[] = {in[0], &bt};
    ops::Matmul::vjp<S>(swapped, y, g, a, dx);
  }
};

// Broadcast add whose b-gradient is not summed over the broadcast axis
// (b of shape [n] against a of shape [m, n]: only the first row reaches db).
struct AddNoReduce : ops::Add {
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    ops::Add::vjp(in, y, g, a, Grads<S>(dx.data(), 1));
    for (std::int64_t i = 0; i < dx[1]->numel(); ++i) (*dx[1])[i] += g[i];
  }
};

// add's VJP wrong in a single Jacobian entry: a random projection may miss it.
struct AddWrongInOneEntry : ops::Add {
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    ops::Add::vjp(in, y, g, a, dx);
    if (dx[0]) (*dx[0])[3] += g[3];
  }
};

// softmax backward missing the subtraction term: dx += y g.
struct SoftmaxNoSubtraction : ops::Softmax {
  template <class S>
  static void vjp(Ins<S>, const Dense<S>& y, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    for (std::int64_t i = 0; i < y.numel(); ++i) (*dx[0])[i] += y[i] * g[i];
  }
};

// tanh backward with the wrong sign: dx += g (y^2 - 1).
struct TanhWrongSign : ops::Unary<TanhWrongSign> {
  static constexpr std::string_view name = "tanh", math = "planted bug: dx += g*(y*y-1)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(4);
  template <class S> static S value(const S& x) { return math::tanh(x); }
  template <class S> static S grad(const S&, const S& y, const S& g) { return g * (y * y - K(y, 1)); }
};

// cross_entropy backward not divided by the batch size N.
struct CrossEntropyNoMean : ops::CrossEntropy {
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    ops::CrossEntropy::vjp(in, y, g, a, dx);
    for (auto& v : dx[0]->data) v = v * K(v, static_cast<long>(in[0]->shape[0]));
  }
};

// layer_norm backward forgetting the mean-of-g term: dx += (gz - z*mean(gz*z))/s.
struct LayerNormDropsMeanTerm : ops::LayerNorm {
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    ops::LayerNorm::vjp<S>(in, y, g, a, dx, true);
  }
};

// ---- The same bugs planted into the engine (spec/mutation.hpp): when the
// matching mutant is active, generic_vjp runs the wrong rule instead of the
// op's own, on every backend that uses the generic code (the generic float
// path, the exact reference).

namespace detail {

// matmul's da computed from b read as if already transposed: each K x N
// block taken as an N x K matrix and transposed back (in bounds for every
// shape; for square b, b^T).
template <class S>
void matmul_da_untransposed(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
  const Dense<S>& b = *in[1];
  const std::int64_t K = b.shape[b.shape.rank() - 2], N = b.shape[b.shape.rank() - 1], block = K * N;
  Dense<S> bt = b;
  for (std::int64_t z = 0; block > 0 && z < b.numel() / block; ++z)
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t n = 0; n < N; ++n) bt[z * block + k * N + n] = b[z * block + n * K + k];
  const Dense<S>* swapped[] = {in[0], &bt};
  Dense<S>* da_only[] = {dx[0], nullptr};
  Dense<S>* db_only[] = {nullptr, dx[1]};
  if (dx[0]) ops::Matmul::vjp<S>(Ins<S>(swapped), y, g, a, Grads<S>(da_only));
  if (dx[1]) ops::Matmul::vjp<S>(in, y, g, a, Grads<S>(db_only));
}

// add/sub: an operand broadcast to the output takes the first elements of
// g (times the sign) instead of the sum over the broadcast axes.
template <class S>
bool broadcast_without_reduction(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx, bool sub,
                                 void (*vjp)(Ins<S>, const Dense<S>&, const Dense<S>&, const AttrMap&, Grads<S>)) {
  if (in[0]->shape == y.shape && in[1]->shape == y.shape) return false;
  for (std::size_t i = 0; i < 2; ++i) {
    if (!dx[i]) continue;
    if (in[i]->shape == y.shape) {
      Dense<S>* one[] = {i == 0 ? dx[0] : nullptr, i == 1 ? dx[1] : nullptr};
      vjp(in, y, g, a, Grads<S>(one));
      continue;
    }
    for (std::int64_t j = 0; j < dx[i]->numel(); ++j) (*dx[i])[j] += (sub && i == 1) ? -g[j] : g[j];
  }
  return true;
}

}  // namespace detail

// Runs the active mutant's rule when it applies to `id`; false otherwise
// (the caller then runs the op's own rule).
template <class S>
bool planted_vjp(OpId id, Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
  using mutation::Mutant;
  switch (mutation::active()) {
    case Mutant::vjp_wrong_sign:
      if (id != op_id<ops::Neg>) return false;
      return NegSameSign::vjp<S>(in, y, g, a, dx), true;
    case Mutant::relu_grad_below_zero:
      if (id != op_id<ops::Relu>) return false;
      return ReluLeaky::vjp<S>(in, y, g, a, dx), true;
    case Mutant::relu_grad_at_zero:
      if (id != op_id<ops::Relu>) return false;
      return ReluGradAtZero::vjp<S>(in, y, g, a, dx), true;
    case Mutant::mean_wrong_count:
      if (id != op_id<ops::Mean>) return false;
      return MeanWrongCount::vjp<S>(in, y, g, a, dx), true;
    case Mutant::softmax_no_subtraction:
      if constexpr (ScalarTraits<S>::transcendental) {
        if (id != op_id<ops::Softmax>) return false;
        return SoftmaxNoSubtraction::vjp<S>(in, y, g, a, dx), true;
      }
      return false;
    case Mutant::matmul_no_transpose:
      if (id != op_id<ops::Matmul>) return false;
      return detail::matmul_da_untransposed<S>(in, y, g, a, dx), true;
    case Mutant::layer_norm_drops_mean_term:
      if constexpr (ScalarTraits<S>::transcendental) {
        if (id != op_id<ops::LayerNorm>) return false;
        return LayerNormDropsMeanTerm::vjp<S>(in, y, g, a, dx), true;
      }
      return false;
    case Mutant::attention_drops_softmax_correction:
      if constexpr (ScalarTraits<S>::transcendental) {
        if (id != op_id<ops::ScaledDotProductAttention>) return false;
        return ops::ScaledDotProductAttention::vjp<S>(in, y, g, a, dx, true), true;
      }
      return false;
    case Mutant::broadcast_no_reduce:
      if (id == op_id<ops::Add>) return detail::broadcast_without_reduction<S>(in, y, g, a, dx, false, &ops::Add::vjp<S>);
      if (id == op_id<ops::Sub>) return detail::broadcast_without_reduction<S>(in, y, g, a, dx, true, &ops::Sub::vjp<S>);
      return false;
    case Mutant::conv2d_flipped_kernel:
    case Mutant::conv2d_ignores_padding:
      if (id != op_id<ops::Conv2d>) return false;
      ops::Conv2d::vjp_rule<S>(in, y, g, a, dx, mutation::active() == Mutant::conv2d_flipped_kernel,
                               mutation::active() == Mutant::conv2d_ignores_padding);
      return true;
    default:
      return false;
  }
}

// An op's VJP as every checker must call it: the op's own rule, or the
// planted one while a mutant is active (ops outside the table, such as the
// mutants above, always run their own).
template <class Op, class S>
void op_vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
  if constexpr (in_op_table<Op>) {
    if (mutation::active() != mutation::Mutant::none && planted_vjp<S>(op_id<Op>, in, y, g, a, dx)) return;
  }
  Op::template vjp<S>(in, y, g, a, dx);
}

}  // namespace vt::spec::mutants
