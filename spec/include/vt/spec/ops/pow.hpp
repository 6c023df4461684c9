#pragma once
// pow, as torch.pow: a tensor to a constant power, or to a tensor of powers.
#include <cmath>

#include "vt/spec/ops/binary.hpp"
#include "vt/spec/ops/unary.hpp"

namespace vt::spec::ops {

// The tensor ** tensor form's scalar rules (torch's pow_backward_self and
// pow_backward_exponent): da += g b a^(b-1), 0 where b = 0; db += g y ln(a),
// 0 where a = 0 and b >= 0. The base must be positive where ln(a) is needed:
// elsewhere floats give NaN, and the exact reference refuses.
struct PowTensor : Binary<PowTensor> {
  template <class S> VT_HD static S value(const S& a, const S& b) { return math::pow(a, b); }
  template <class S> VT_HD static S grad_a(const S& a, const S& b, const S&, const S& g) {
    if (b == K(b, 0)) return K(g, 0);
    return g * b * math::pow(a, S(b - K(b, 1)));
  }
  template <class S> VT_HD static S grad_b(const S& a, const S& b, const S& y, const S& g) {
    if (a == K(a, 0) && b >= K(b, 0)) return K(g, 0);
    return g * y * math::log(a);
  }
};

// pow {exponent}: y = x^exponent (one input; exponent a finite float), or
// pow(a, b): y = a^b elementwise with broadcasting (two inputs, no attribute).
// At 0, as torch: 0^0 = 1; the constant form's dx is 0 for exponent 0, else
// g e x^(e-1), which is inf at x = 0 for e < 1; a negative base needs an
// integer power (NaN in floats otherwise). Floats compute std::pow.
struct Pow {
  static constexpr std::string_view name = "pow",
                                    math = "y = x^e; dx += g*e*x^(e-1) [0 if e==0]  |  y = a^b; da += g*b*a^(b-1) [0 if b==0]; "
                                           "db += g*y*ln(a) [0 if a==0, b>=0]";
  static constexpr int min_arity = 1, max_arity = 2;
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = ulp_contract(2);
  static constexpr std::array<AttrSpec, 1> attrs{{{"exponent", AttrKind::Float}}};
  static constexpr bool differentiable(int) { return true; }

  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    if (in.size() == 2) {
      if (a.has("exponent")) throw ShapeError("attribute 'exponent' is for pow of one input; pow(a, b) takes its powers from b");
      return PowTensor::infer(in, a);
    }
    rule::require_float(in[0], 0);
    if (!a.has("exponent")) throw ShapeError("pow of one input needs attribute 'exponent' (or a second input of powers)");
    if (!std::isfinite(a.get_float("exponent"))) throw ShapeError("attribute 'exponent' must be finite");
    return in[0];
  }
  // The constant-exponent form, per element (ParamUnary's interface).
  struct Params {
    double exponent = 1;
  };
  static Params params(const AttrMap& a) { return {a.get_float("exponent")}; }
  static constexpr bool has_gradient(const Params& p) { return p.exponent != 0; }  // x^0 = 1: no gradient, even at x = 0
  template <class S>
  VT_HD static S value(const S& x, const Params& p) {
    return math::pow_const(x, p.exponent);
  }
  template <class S>
  VT_HD static S grad(const S& x, const S& g, const Params& p) {
    return g * ScalarTraits<S>::from_double(x, p.exponent) * math::pow_const(x, p.exponent - 1);
  }

  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    if (in.size() == 2) return PowTensor::forward(in, a, y);
    ParamUnary<Pow>::forward(in, a, y);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (in.size() == 2) return PowTensor::vjp(in, y, g, a, dx);
    ParamUnary<Pow>::vjp(in, y, g, a, dx);
  }
};

}  // namespace vt::spec::ops
