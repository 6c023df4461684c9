#pragma once
// Elementwise binary ops with PyTorch/NumPy broadcasting. Each declares:
//   value(a, b)           -> y
//   grad_a(a, b, y, g)    -> VJP contribution to da
//   grad_b(a, b, y, g)    -> VJP contribution to db
// Binary<Op> lifts them to tensors; the backward pass sums each contribution
// into the input element it was broadcast from, which is how gradients are
// reduced over broadcast dimensions.
#include "vt/spec/index_maps.hpp"
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

template <class Op>
struct Binary {
  static constexpr int min_arity = 2, max_arity = 2;
  static constexpr std::array<AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int) { return true; }

  static TensorType infer(std::span<const TensorType> in, const AttrMap&) {
    rule::require_float(in[0], 0);
    rule::require_float(in[1], 1);
    rule::require_same_dtype(in[0], in[1]);
    return TensorType{in[0].dtype, broadcast_shapes(in[0].shape, in[1].shape)};
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap&, Dense<S>& y) {
    const Dense<S>&a = *in[0], &b = *in[1];
    const auto ia = broadcast_index(a.shape, y.shape), ib = broadcast_index(b.shape, y.shape);
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = Op::value(a[ia[i]], b[ib[i]]);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    const Dense<S>&a = *in[0], &b = *in[1];
    const auto ia = broadcast_index(a.shape, y.shape), ib = broadcast_index(b.shape, y.shape);
    if (dx[0])
      for (std::int64_t i = 0; i < y.numel(); ++i) (*dx[0])[ia[i]] += Op::grad_a(a[ia[i]], b[ib[i]], y[i], g[i]);
    if (dx[1])
      for (std::int64_t i = 0; i < y.numel(); ++i) (*dx[1])[ib[i]] += Op::grad_b(a[ia[i]], b[ib[i]], y[i], g[i]);
  }
};

// add: y = a + b.  da += g, db += g.
struct Add : Binary<Add> {
  static constexpr std::string_view name = "add", math = "y = a+b; da += g; db += g";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = ulp_contract(0.5);
  template <class S> VT_HD static S value(const S& a, const S& b) { return a + b; }
  template <class S> VT_HD static S grad_a(const S&, const S&, const S&, const S& g) { return g; }
  template <class S> VT_HD static S grad_b(const S&, const S&, const S&, const S& g) { return g; }
};

// sub: y = a - b.  da += g, db += -g.
struct Sub : Binary<Sub> {
  static constexpr std::string_view name = "sub", math = "y = a-b; da += g; db += -g";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = ulp_contract(0.5);
  template <class S> VT_HD static S value(const S& a, const S& b) { return a - b; }
  template <class S> VT_HD static S grad_a(const S&, const S&, const S&, const S& g) { return g; }
  template <class S> VT_HD static S grad_b(const S&, const S&, const S&, const S& g) { return -g; }
};

// mul: y = a b.  da += g b, db += g a.
struct Mul : Binary<Mul> {
  static constexpr std::string_view name = "mul", math = "y = a*b; da += g*b; db += g*a";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = ulp_contract(0.5);
  template <class S> VT_HD static S value(const S& a, const S& b) { return a * b; }
  template <class S> VT_HD static S grad_a(const S&, const S& b, const S&, const S& g) { return g * b; }
  template <class S> VT_HD static S grad_b(const S& a, const S&, const S&, const S& g) { return g * a; }
};

// div: y = a / b.  da += g / b, db += -g a / b^2.
struct Div : Binary<Div> {
  static constexpr std::string_view name = "div", math = "y = a/b; da += g/b; db += -g*a/(b*b)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = ulp_contract(0.5);
  template <class S> VT_HD static S value(const S& a, const S& b) { return a / b; }
  template <class S> VT_HD static S grad_a(const S&, const S& b, const S&, const S& g) { return g / b; }
  template <class S> VT_HD static S grad_b(const S& a, const S& b, const S&, const S& g) { return -(g * a) / (b * b); }
};

// maximum: y = max(a, b). Where a > b: da += g; where a < b: db += g; at a tie
// each gets g/2 (PyTorch's convention for torch.maximum). A NaN operand
// gives NaN, as in torch.maximum (b == b is false only for NaN).
struct Maximum : Binary<Maximum> {
  static constexpr std::string_view name = "maximum",
                                    math = "y = max(a,b); da += g*[a>b] + g/2*[a==b]; db += g*[b>a] + g/2*[a==b]";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> VT_HD static S value(const S& a, const S& b) {
    return math::select(a < b, b, math::select(b == b, a, b));
  }
  template <class S> VT_HD static S grad_a(const S& a, const S& b, const S&, const S& g) {
    return math::select(a > b, g, math::select(a < b, K(g, 0), S(g / K(g, 2))));
  }
  template <class S> VT_HD static S grad_b(const S& a, const S& b, const S& y, const S& g) { return grad_a(b, a, y, g); }
};

// minimum: y = min(a, b); mirror of maximum, ties split g/2, NaN propagates.
struct Minimum : Binary<Minimum> {
  static constexpr std::string_view name = "minimum",
                                    math = "y = min(a,b); da += g*[a<b] + g/2*[a==b]; db += g*[b<a] + g/2*[a==b]";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> VT_HD static S value(const S& a, const S& b) {
    return math::select(b < a, b, math::select(b == b, a, b));
  }
  template <class S> VT_HD static S grad_a(const S& a, const S& b, const S&, const S& g) {
    return math::select(a < b, g, math::select(a > b, K(g, 0), S(g / K(g, 2))));
  }
  template <class S> VT_HD static S grad_b(const S& a, const S& b, const S& y, const S& g) { return grad_a(b, a, y, g); }
};

}  // namespace vt::spec::ops
