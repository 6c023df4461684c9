#pragma once
#include "vt/spec/op_decl.hpp"
#include "vt/spec/ops/unary.hpp"

namespace vt::spec::ops {

// clamp {min, max}: y = min(max(x, lo), hi) (either bound may be omitted; with
// lo > hi every element becomes hi, as in torch.clamp).
// dx += g where lo <= x <= hi, else 0: at a bound the gradient passes
// (PyTorch's clamp_backward uses x >= min and x <= max).
struct Clamp : ParamUnary<Clamp> {
  static constexpr std::string_view name = "clamp", math = "y = min(max(x,lo),hi); dx += g*[lo<=x<=hi]";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<AttrSpec, 2> attrs{{{"max", AttrKind::Float}, {"min", AttrKind::Float}}};
  static constexpr bool differentiable(int) { return true; }

  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    if (!a.has("min") && !a.has("max")) throw ShapeError("clamp needs at least one of 'min' and 'max'");
    for (auto key : {"min", "max"})
      if (a.has(key) && !std::isfinite(a.get_float(key)))
        throw ShapeError(std::string("attribute '") + key + "' must be finite");
    return in[0];
  }
  struct Params {
    bool has_lo = false, has_hi = false;
    double lo = 0, hi = 0;
  };
  static Params params(const AttrMap& a) {
    return {a.has("min"), a.has("max"), a.get_float_or("min", 0), a.get_float_or("max", 0)};
  }
  static constexpr bool has_gradient(const Params&) { return true; }
  template <class S>
  VT_HD static S value(const S& x, const Params& p) {
    S v = x;
    if (p.has_lo) {
      const S lo = ScalarTraits<S>::from_double(v, p.lo);
      v = math::select(v < lo, lo, v);
    }
    if (p.has_hi) {
      const S hi = ScalarTraits<S>::from_double(v, p.hi);
      v = math::select(v > hi, hi, v);
    }
    return v;
  }
  // Written as x >= lo and x <= hi, as torch does, so a NaN input gets 0.
  template <class S>
  VT_HD static S grad(const S& x, const S& g, const Params& p) {
    S gi = g;
    if (p.has_lo) gi = math::select(x >= ScalarTraits<S>::from_double(x, p.lo), gi, K(gi, 0));
    if (p.has_hi) gi = math::select(x <= ScalarTraits<S>::from_double(x, p.hi), gi, K(gi, 0));
    return gi;
  }
};

}  // namespace vt::spec::ops
