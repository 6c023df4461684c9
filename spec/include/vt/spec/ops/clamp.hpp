#pragma once
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

// clamp {min, max}: y = min(max(x, lo), hi) (either bound may be omitted; with
// lo > hi every element becomes hi, as in torch.clamp).
// dx += g where lo <= x <= hi, else 0: at a bound the gradient passes
// (PyTorch's clamp_backward uses x >= min and x <= max).
struct Clamp {
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
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      S v = x[i];
      if (a.has("min")) {
        const S lo = ScalarTraits<S>::from_double(v, a.get_float("min"));
        v = math::select(v < lo, lo, v);
      }
      if (a.has("max")) {
        const S hi = ScalarTraits<S>::from_double(v, a.get_float("max"));
        v = math::select(v > hi, hi, v);
      }
      y[i] = v;
    }
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    const Dense<S>& x = *in[0];
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      S gi = g[i];
      // Written as x >= lo and x <= hi, as torch does, so a NaN input gets 0.
      if (a.has("min")) gi = math::select(x[i] >= ScalarTraits<S>::from_double(x[i], a.get_float("min")), gi, K(gi, 0));
      if (a.has("max")) gi = math::select(x[i] <= ScalarTraits<S>::from_double(x[i], a.get_float("max")), gi, K(gi, 0));
      (*dx[0])[i] += gi;
    }
  }
};

}  // namespace vt::spec::ops
