#pragma once
// Elementwise unary ops. Each declares its scalar math once:
//   value(x)        -> y
//   grad(x, y, g)   -> the VJP contribution to dx for output cotangent g
// Both are VT_HD templates, so CUDA kernels and every scalar type (float,
// rationals, intervals, duals, Z3) run the same text. Unary<Op> lifts them to
// tensors: y[i] = value(x[i]);  dx[i] += grad(x[i], y[i], g[i]).
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

template <class Op>
struct Unary {
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int) { return true; }

  static TensorType infer(std::span<const TensorType> in, const AttrMap&) {
    rule::require_float(in[0], 0);
    return in[0];
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap&, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    for (std::int64_t i = 0; i < x.numel(); ++i) y[i] = Op::value(x[i]);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    if (!dx[0]) return;
    const Dense<S>& x = *in[0];
    Dense<S>& d = *dx[0];
    for (std::int64_t i = 0; i < x.numel(); ++i) d[i] += Op::grad(x[i], y[i], g[i]);
  }
};

// Elementwise ops with attributes (clamp, softplus, gelu, pow with a
// constant exponent): Op::params(attrs) turns the attributes into a small
// Params struct once, on the host, and the VT_HD scalar functions take it:
//   value(x, params) -> y;  grad(x, g, params) -> the VJP contribution to dx.
// CUDA kernels carry the same Params to every thread.
template <class Op>
struct ParamUnary {
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const auto p = Op::params(a);
    const Dense<S>& x = *in[0];
    for (std::int64_t i = 0; i < x.numel(); ++i) y[i] = Op::value(x[i], p);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    const auto p = Op::params(a);
    if (!Op::has_gradient(p)) return;
    const Dense<S>& x = *in[0];
    Dense<S>& d = *dx[0];
    for (std::int64_t i = 0; i < x.numel(); ++i) d[i] += Op::grad(x[i], g[i], p);
  }
};

// neg: y = -x.  dx += -g.
struct Neg : Unary<Neg> {
  static constexpr std::string_view name = "neg", math = "y = -x; dx += -g";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> VT_HD static S value(const S& x) { return -x; }
  template <class S> VT_HD static S grad(const S&, const S&, const S& g) { return -g; }
};

// square: y = x^2.  dx += 2 x g.
struct Square : Unary<Square> {
  static constexpr std::string_view name = "square", math = "y = x*x; dx += 2*x*g";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = ulp_contract(0.5);
  template <class S> VT_HD static S value(const S& x) { return x * x; }
  template <class S> VT_HD static S grad(const S& x, const S&, const S& g) { return K(x, 2) * x * g; }
};

// exp: y = e^x.  dx += g y.
struct Exp : Unary<Exp> {
  static constexpr std::string_view name = "exp", math = "y = exp(x); dx += g*y";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(2);
  template <class S> VT_HD static S value(const S& x) { return math::exp(x); }
  template <class S> VT_HD static S grad(const S&, const S& y, const S& g) { return g * y; }
};

// log: y = ln x (x > 0; log 0 = -inf and log of a negative is NaN in floats).
// dx += g / x.
struct Log : Unary<Log> {
  static constexpr std::string_view name = "log", math = "y = ln(x); dx += g/x";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(2);
  template <class S> VT_HD static S value(const S& x) { return math::log(x); }
  template <class S> VT_HD static S grad(const S& x, const S&, const S& g) { return g / x; }
};

// log1p: y = ln(1 + x), accurate near x = 0 (x > -1; -1 gives -inf and
// below it NaN in floats).  dx += g / (1 + x), as torch.log1p.
struct Log1p : Unary<Log1p> {
  static constexpr std::string_view name = "log1p", math = "y = ln(1+x); dx += g/(1+x)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(2);
  template <class S> VT_HD static S value(const S& x) { return math::log1p(x); }
  template <class S> VT_HD static S grad(const S& x, const S&, const S& g) { return g / (K(x, 1) + x); }
};

// expm1: y = e^x - 1, accurate near x = 0.  dx += g (y + 1), as torch.expm1.
struct Expm1 : Unary<Expm1> {
  static constexpr std::string_view name = "expm1", math = "y = exp(x)-1; dx += g*(y+1)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(2);
  template <class S> VT_HD static S value(const S& x) { return math::expm1(x); }
  template <class S> VT_HD static S grad(const S&, const S& y, const S& g) { return g * (y + K(y, 1)); }
};

// sqrt: y = sqrt(x).  dx += g / (2 y); at x = 0 this is g/0 (inf in floats), as in PyTorch.
struct Sqrt : Unary<Sqrt> {
  static constexpr std::string_view name = "sqrt", math = "y = sqrt(x); dx += g/(2*y)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(0.5);
  template <class S> VT_HD static S value(const S& x) { return math::sqrt(x); }
  template <class S> VT_HD static S grad(const S&, const S& y, const S& g) { return g / (K(y, 2) * y); }
};

// tanh: y = tanh(x).  dx += g (1 - y^2).
struct Tanh : Unary<Tanh> {
  static constexpr std::string_view name = "tanh", math = "y = tanh(x); dx += g*(1-y*y)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(4);
  template <class S> VT_HD static S value(const S& x) { return math::tanh(x); }
  template <class S> VT_HD static S grad(const S&, const S& y, const S& g) { return g * (K(y, 1) - y * y); }
};

// sigmoid: y = 1 / (1 + e^-x).  dx += g y (1 - y).
struct Sigmoid : Unary<Sigmoid> {
  static constexpr std::string_view name = "sigmoid", math = "y = 1/(1+exp(-x)); dx += g*y*(1-y)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(5);
  // For x < 0 the same function is computed as e/(1+e), e = exp(x): the form
  // 1/(1+exp(-x)) overflows exp(-x) below x = -88.7 (f32) and flushes values
  // that are representable (sigmoid(-100) = 3.7e-44, an f32 subnormal) to 0.
  // prefer_second picks the form without deciding a comparison an enclosure
  // cannot (both forms are exact formulas of the same value).
  template <class S> VT_HD static S value(const S& x) {
    if (ScalarTraits<S>::prefer_second(x, K(x, 0))) {
      const S e = math::exp(x);
      return e / (K(x, 1) + e);
    }
    return K(x, 1) / (K(x, 1) + math::exp(S(-x)));
  }
  template <class S> VT_HD static S grad(const S&, const S& y, const S& g) { return g * y * (K(y, 1) - y); }
};

// relu: y = max(x, 0), written as PyTorch's threshold (x <= 0 ? 0 : x) so
// that NaN propagates and -0 becomes +0.  dx += 0 where x <= 0, else g
// (threshold_backward: relu'(0) = 0, and a NaN input passes g, as in PyTorch).
struct Relu : Unary<Relu> {
  static constexpr std::string_view name = "relu", math = "y = max(x,0); dx += (x>0 ? g : 0)  [relu'(0)=0]";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> VT_HD static S value(const S& x) { return math::select(x <= K(x, 0), K(x, 0), x); }
  template <class S> VT_HD static S grad(const S& x, const S&, const S& g) {
    return math::select(x <= K(x, 0), K(g, 0), g);
  }
};

// abs: y = |x|.  dx += g sgn(x), with sgn(0) = 0 as in PyTorch.
struct Abs : Unary<Abs> {
  static constexpr std::string_view name = "abs", math = "y = |x|; dx += g*sgn(x)  [sgn(0)=0]";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  template <class S> VT_HD static S value(const S& x) { return math::select(x < K(x, 0), S(-x), x); }
  template <class S> VT_HD static S grad(const S& x, const S&, const S& g) {
    return math::select(x > K(x, 0), g, math::select(x < K(x, 0), S(-g), K(g, 0)));
  }
};

}  // namespace vt::spec::ops
