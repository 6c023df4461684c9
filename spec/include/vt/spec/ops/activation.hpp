#pragma once
// Activations of real models: softplus, gelu (erf and tanh forms), silu,
// log_sigmoid, and dropout with a seeded, backend-independent mask.
#include <cmath>
#include <cstdint>
#include <string>

#include "vt/spec/op_decl.hpp"
#include "vt/spec/ops/unary.hpp"

namespace vt::spec::ops {

namespace act {

// log(1 + e) for e in [0, 1] from log alone (Goldberg's log1p): with w = 1 + e,
// log(w) * e / (w - 1) is log(1 + e) exactly when w is exact, and cancels
// the rounding of 1 + e when it is not; e itself when 1 + e rounds to 1.
// (log(1 + e) alone would lose every digit of e < u.)
template <class S>
VT_HD S log1p(const S& e) {
  const S one = K(e, 1);
  const S w = one + e;
  const S d = w - one;
  return math::select(d == K(e, 0), e, S(math::log(w) * (e / d)));
}

// log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)): exp never overflows.
template <class S>
VT_HD S softplus1(const S& z) {
  const S zero = K(z, 0);
  const auto neg = z < zero;
  const S a = math::select(neg, S(-z), z);
  const S m = math::select(neg, zero, z);
  return m + log1p(math::exp(S(-a)));
}

// The float value of an attribute as the node's dtype holds it (infer runs
// before infer_type rounds f32 attributes, and must judge the rounded value).
inline double as_dtype(DType t, double v) { return t == DType::f32 ? static_cast<double>(static_cast<float>(v)) : v; }

}  // namespace act

// softplus {beta = 1, threshold = 20}, as torch.nn.functional.softplus:
// z = beta x;  y = x where z > threshold, else log(1 + exp(z)) / beta
// (computed as (max(z,0) + log1p(exp(-|z|))) / beta; with beta = 1 neither
// the product nor the division is performed).
// dx += g where z > threshold, else g sigmoid(z).  The switch at
// z = threshold is torch's convention (a jump of log1p(e^-threshold)/beta).
// beta must be finite and nonzero (in the node's dtype), threshold finite.
// The switch is decided on the rounded z, as torch does: where beta x rounds
// across the threshold (a non-dyadic beta, or beta < 1 underflowing a
// subnormal x to 0 against threshold 0) float and exact results take
// different branches; the forward contract counts the jump there, the
// gradient (g vs g sigmoid(z)) cannot.
struct Softplus : ParamUnary<Softplus> {
  static constexpr std::string_view name = "softplus",
                                    math = "z = beta*x; y = z > threshold ? x : log(1+exp(z))/beta; "
                                           "dx += z > threshold ? g : g*sigmoid(z)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<AttrSpec, 2> attrs{{{"beta", AttrKind::Float}, {"threshold", AttrKind::Float}}};
  static constexpr bool differentiable(int) { return true; }

  struct Params {
    double beta = 1, threshold = 20;
  };
  static Params params(const AttrMap& a) { return {a.get_float_or("beta", 1), a.get_float_or("threshold", 20)}; }
  static constexpr bool has_gradient(const Params&) { return true; }
  // z = beta x (no product when beta = 1), as forward and VJP both decide the branch on it.
  template <class S>
  VT_HD static S scaled(const S& x, double beta) {
    return beta == 1 ? x : S(ScalarTraits<S>::from_double(x, beta) * x);
  }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    const double beta = a.get_float_or("beta", 1), thr = a.get_float_or("threshold", 20);
    if (!std::isfinite(beta) || act::as_dtype(in[0].dtype, beta) == 0)
      throw ShapeError("attribute 'beta' = " + to_string(AttrValue(beta)) + " must be finite and nonzero");
    if (!std::isfinite(thr)) throw ShapeError("attribute 'threshold' = " + to_string(AttrValue(thr)) + " must be finite");
    return in[0];
  }
  template <class S>
  VT_HD static S value(const S& x, const Params& p) {
    const S z = scaled(x, p.beta);
    const S sp = act::softplus1(z);
    return math::select(z > ScalarTraits<S>::from_double(x, p.threshold), x, p.beta == 1 ? sp : S(sp / ScalarTraits<S>::from_double(x, p.beta)));
  }
  template <class S>
  VT_HD static S grad(const S& x, const S& g, const Params& p) {
    const S z = scaled(x, p.beta);
    return math::select(z > ScalarTraits<S>::from_double(x, p.threshold), g, S(g * Sigmoid::value(z)));
  }
};

// gelu {approximate = none}:
//   none: y = x/2 (1 + erf(x/sqrt 2));  dx += g (Phi(x) + x phi(x)),
//         Phi(x) = (1 + erf(x/sqrt 2))/2, phi(x) = exp(-x^2/2)/sqrt(2 pi)
//   tanh: y = x/2 (1 + tanh(c (x + k x^3))), c = sqrt(2/pi), k = 0.044715;
//         dx += g ((1 + t)/2 + x/2 (1 - t^2) c (1 + 3 k x^2)), t = tanh(c (x + k x^3))
// (torch.nn.functional.gelu). approximate is an identifier: none or tanh.
struct Gelu : ParamUnary<Gelu> {
  static constexpr std::string_view name = "gelu",
                                    math = "none: y = x/2*(1+erf(x/sqrt2)), dx += g*(Phi(x)+x*phi(x)); "
                                           "tanh: y = x/2*(1+tanh(sqrt(2/pi)*(x+0.044715x^3))), dx += g*dy/dx";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<AttrSpec, 1> attrs{{{"approximate", AttrKind::Str}}};
  static constexpr bool differentiable(int) { return true; }

  static bool tanh_form(const AttrMap& a) { return a.get_str_or("approximate", "none") == "tanh"; }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    const std::string f = a.get_str_or("approximate", "none");
    if (f != "none" && f != "tanh") throw ShapeError("attribute 'approximate' = " + f + " is not one of none, tanh");
    return in[0];
  }
  struct Params {
    bool tanh_form = false;
  };
  static Params params(const AttrMap& a) { return {tanh_form(a)}; }
  static constexpr bool has_gradient(const Params&) { return true; }
  template <class S>
  VT_HD static S value(const S& xi, const Params& p) {
    const S half = K(xi, 1, 2), one = K(xi, 1);
    if (p.tanh_form) {
      const S c = math::sqrt(S(K(xi, 2) / math::pi(xi))), k = K(xi, 44715, 1000000);
      return xi * half * (one + math::tanh(S(c * (xi + k * xi * xi * xi))));
    }
    return xi * half * (one + math::erf(S(xi * math::sqrt(half))));
  }
  template <class S>
  VT_HD static S grad(const S& xi, const S& g, const Params& p) {
    const S half = K(xi, 1, 2), one = K(xi, 1);
    if (p.tanh_form) {
      const S c = math::sqrt(S(K(xi, 2) / math::pi(xi))), k = K(xi, 44715, 1000000);
      const S t = math::tanh(S(c * (xi + k * xi * xi * xi)));
      const S inner_d = c * (one + K(xi, 3) * k * xi * xi);
      return g * (half * (one + t) + xi * half * (one - t * t) * inner_d);
    }
    const S cdf = half * (one + math::erf(S(xi * math::sqrt(half))));
    const S pdf = math::exp(S(-(half * xi * xi))) / math::sqrt(S(K(xi, 2) * math::pi(xi)));
    return g * (cdf + xi * pdf);
  }
};

// silu: y = x sigmoid(x).  dx += g s (1 + x (1 - s)), s = sigmoid(x) (torch's form).
struct Silu : Unary<Silu> {
  static constexpr std::string_view name = "silu", math = "y = x*sigmoid(x); dx += g*s*(1+x*(1-s)), s = sigmoid(x)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  template <class S> VT_HD static S value(const S& x) { return x * Sigmoid::value(x); }
  template <class S> VT_HD static S grad(const S& x, const S&, const S& g) {
    const S s = Sigmoid::value(x);
    return g * s * (K(x, 1) + x * (K(x, 1) - s));
  }
};

// log_sigmoid: y = log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)),
// which neither overflows nor loses the tiny values for large x.
// dx += g sigmoid(-x).
struct LogSigmoid : Unary<LogSigmoid> {
  static constexpr std::string_view name = "log_sigmoid", math = "y = log(sigmoid(x)) = -softplus(-x); dx += g*sigmoid(-x)";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  template <class S> VT_HD static S value(const S& x) { return -act::softplus1(S(-x)); }
  template <class S> VT_HD static S grad(const S& x, const S&, const S& g) { return g * Sigmoid::value(S(-x)); }
};

// dropout {p = 0.5, seed = 0, training = true}:
//   y_i = keep_i ? x_i / (1 - p) : 0;  dx_i += keep_i ? g_i / (1 - p) : 0,
// and y = x, dx += g when training is false or p = 0. The mask is a fixed
// function of (seed, flat row-major index i), computed in integers, so every
// backend (floats, rationals, intervals, duals, kernels) drops the same elements:
//   keep_i = u_i >= p,  u_i = (splitmix64(splitmix64(seed) + i) >> 11) * 2^-53 in [0, 1),
// with p the attribute as the node's dtype holds it. p must lie in [0, 1).
struct Dropout {
  static constexpr std::string_view name = "dropout",
                                    math = "y = keep(seed,i) ? x/(1-p) : 0; dx += keep(seed,i) ? g/(1-p) : 0  "
                                           "[identity when !training or p = 0]";
  static constexpr Fragment fragment = Fragment::Rational;
  // x / (1 - p): 1 - p rounded (relative u, exact for p >= 1/2) and one rounded
  // division (half an ulp), so under 1.5 ulp; kept or dropped exactly.
  static constexpr ErrorContract contract = ulp_contract(1.5);
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<AttrSpec, 3> attrs{
      {{"p", AttrKind::Float}, {"seed", AttrKind::Int}, {"training", AttrKind::Bool}}};
  static constexpr bool differentiable(int) { return true; }

  // SplitMix64's output function (Steele, Lea, Flood 2014), written out so
  // that no standard-library distribution is involved.
  VT_HD static constexpr std::uint64_t splitmix64(std::uint64_t x) {
    std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // u_i in [0, 1), a multiple of 2^-53.
  VT_HD static constexpr double uniform(std::int64_t seed, std::int64_t i) {
    return static_cast<double>(splitmix64(splitmix64(static_cast<std::uint64_t>(seed)) + static_cast<std::uint64_t>(i)) >> 11) *
           0x1p-53;
  }
  VT_HD static constexpr bool keep(std::int64_t seed, std::int64_t i, double p) { return uniform(seed, i) >= p; }

  // Per element (the CUDA kernels call these too): element i's value, whether
  // its gradient passes, and what passes.
  struct Params {
    bool active = true;
    double p = 0.5;
    std::int64_t seed = 0;
  };
  static Params params(const AttrMap& a) { return {active(a), a.get_float_or("p", 0.5), a.get_int_or("seed", 0)}; }
  template <class S>
  VT_HD static S value(const S& x, const Params& p, std::int64_t i) {
    if (!p.active) return x;
    return keep(p.seed, i, p.p) ? S(x / (K(x, 1) - ScalarTraits<S>::from_double(x, p.p))) : K(x, 0);
  }
  VT_HD static bool passes(const Params& p, std::int64_t i) { return !p.active || keep(p.seed, i, p.p); }
  template <class S>
  VT_HD static S grad(const S& g, const Params& p) {
    return p.active ? S(g / (K(g, 1) - ScalarTraits<S>::from_double(g, p.p))) : g;
  }
  static bool active(const AttrMap& a) { return a.get_bool_or("training", true) && a.get_float_or("p", 0.5) != 0; }

  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    const double p = a.get_float_or("p", 0.5);
    const double held = act::as_dtype(in[0].dtype, p);
    if (!(p >= 0 && held < 1))
      throw ShapeError("attribute 'p' = " + to_string(AttrValue(p)) + " must lie in [0, 1)" +
                       (p < 1 && held >= 1 ? " (it rounds to 1 in " + std::string(to_string(in[0].dtype)) + ")" : ""));
    return in[0];
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    const Params p = params(a);
    for (std::int64_t i = 0; i < x.numel(); ++i) y[i] = value(x[i], p, i);
  }
  template <class S>
  static void vjp(Ins<S>, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    Dense<S>& d = *dx[0];
    const Params p = params(a);
    for (std::int64_t i = 0; i < d.numel(); ++i)
      if (passes(p, i)) d[i] += grad(g[i], p);
  }
};

}  // namespace vt::spec::ops
