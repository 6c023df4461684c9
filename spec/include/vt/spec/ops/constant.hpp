#pragma once
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

// constant {value, shape = [], dtype = f32}: a tensor filled with `value`
// (finite). No inputs, so nothing to differentiate.
struct Constant {
  static constexpr std::string_view name = "constant", math = "y = value (filled to shape)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr int min_arity = 0, max_arity = 0;
  static constexpr std::array<AttrSpec, 3> attrs{
      {{"dtype", AttrKind::Str}, {"shape", AttrKind::Ints}, {"value", AttrKind::Float, true}}};
  static constexpr bool differentiable(int) { return false; }

  static TensorType infer(std::span<const TensorType>, const AttrMap& a) {
    const auto dt = parse_dtype(a.get_str_or("dtype", "f32"));
    if (!dt || !is_float(*dt)) throw ShapeError("attribute 'dtype' must be f32 or f64");
    if (!std::isfinite(a.get_float("value"))) throw ShapeError("attribute 'value' must be finite");
    Shape s(a.get_ints_opt("shape").value_or(IntList{}));
    s.validate();
    return TensorType{*dt, s};
  }
  template <class S>
  static void forward(Ins<S>, const AttrMap& a, Dense<S>& y) {
    for (auto& v : y.data) v = ScalarTraits<S>::from_double(v, a.get_float("value"));
  }
  template <class S>
  static void vjp(Ins<S>, const Dense<S>&, const Dense<S>&, const AttrMap&, Grads<S>) {}
};

}  // namespace vt::spec::ops
