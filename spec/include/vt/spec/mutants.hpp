#pragma once
// Deliberately wrong op declarations: the planted bugs with which every
// checker (finite differences, exact soundness, intervals, full Jacobians)
// proves that it can fail. Each differs from its op-table entry in the one
// way its name says; nothing outside tests and checker self-tests uses them.
#include "vt/spec/op_table.hpp"

namespace vt::spec::mutants {

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

}  // namespace vt::spec::mutants
