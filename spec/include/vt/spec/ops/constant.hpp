#pragma once
// Tensors made from attributes alone: constant, full, arange. No inputs, so
// nothing to differentiate. Their dtype attribute (f32, f64 or i64), when
// absent from a .vtg node, follows the node's declared type (the verifier
// fills it in); graphs built in code state it.
#include <cmath>

#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

namespace creation {

inline DType dtype(const AttrMap& a) {
  const auto dt = parse_dtype(a.get_str_or("dtype", "f32"));
  if (!dt) throw ShapeError("attribute 'dtype' must be f32, f64 or i64, got " + a.get_str_or("dtype", "f32"));
  return *dt;
}

// A value the dtype holds: finite, within f32's range for f32 (arange keeps
// its attributes in f64, so the rounding of float attributes does not check
// them), and an integer (within 2^53) for i64.
inline void check_value(DType t, double v, const std::string& what) {
  if (!std::isfinite(v)) throw ShapeError(what + " must be finite");
  if (t == DType::f32 && !std::isfinite(static_cast<float>(v)))
    throw ShapeError(what + " = " + to_string(AttrValue(v)) + " overflows f32");
  if (t == DType::i64 && !(std::floor(v) == v && std::abs(v) <= 0x1p53))
    throw ShapeError(what + " = " + to_string(AttrValue(v)) + " is not an integer (the dtype is i64)");
}

// Every element set to the 'value' attribute (constant's scalar form, full).
template <class S>
void fill(const AttrMap& a, Dense<S>& y) {
  for (auto& v : y.data) v = ScalarTraits<S>::from_double(v, a.get_float("value"));
}

inline Shape shape(const AttrMap& a) {
  Shape s(a.get_ints_opt("shape").value_or(IntList{}));
  s.validate();
  return s;
}

}  // namespace creation

// constant {value, shape, dtype}: value a float, filled to shape (default
// []), or a list of floats in row-major order, whose shape defaults to
// [len] and otherwise must hold exactly len elements (torch.tensor).
struct Constant {
  static constexpr std::string_view name = "constant", math = "y = value (one filled to shape, or a list of elements)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr int min_arity = 0, max_arity = 0;
  static constexpr std::array<AttrSpec, 3> attrs{
      {{"dtype", AttrKind::Str}, {"shape", AttrKind::Ints}, {"value", AttrKind::Float, true, true}}};
  static constexpr bool differentiable(int) { return false; }

  static TensorType infer(std::span<const TensorType>, const AttrMap& a) {
    const DType dt = creation::dtype(a);
    if (!a.is_list("value")) {
      creation::check_value(dt, a.get_float("value"), "attribute 'value'");
      return TensorType{dt, creation::shape(a)};
    }
    const FloatList& v = a.get_floats("value");
    for (std::size_t i = 0; i < v.size(); ++i) creation::check_value(dt, v[i], "value[" + std::to_string(i) + "]");
    if (!a.has("shape")) return TensorType{dt, Shape{static_cast<std::int64_t>(v.size())}};
    const Shape s = creation::shape(a);
    if (s.numel() != static_cast<std::int64_t>(v.size()))
      throw ShapeError("attribute 'value' has " + std::to_string(v.size()) + " elements but shape " + to_string(s) + " holds " +
                       std::to_string(s.numel()));
    return TensorType{dt, s};
  }
  template <class S>
  static void forward(Ins<S>, const AttrMap& a, Dense<S>& y) {
    if (!a.is_list("value")) return creation::fill(a, y);
    const FloatList& v = a.get_floats("value");
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = ScalarTraits<S>::from_double(y[i], v[static_cast<std::size_t>(i)]);
  }
  template <class S>
  static void vjp(Ins<S>, const Dense<S>&, const Dense<S>&, const AttrMap&, Grads<S>) {}
};

// full {shape, value, dtype}: shape filled with value (torch.full).
struct Full {
  static constexpr std::string_view name = "full", math = "y = value (filled to shape)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr int min_arity = 0, max_arity = 0;
  static constexpr std::array<AttrSpec, 3> attrs{
      {{"dtype", AttrKind::Str}, {"shape", AttrKind::Ints, true}, {"value", AttrKind::Float, true}}};
  static constexpr bool differentiable(int) { return false; }

  static TensorType infer(std::span<const TensorType>, const AttrMap& a) {
    const DType dt = creation::dtype(a);
    creation::check_value(dt, a.get_float("value"), "attribute 'value'");
    return TensorType{dt, creation::shape(a)};
  }
  template <class S>
  static void forward(Ins<S>, const AttrMap& a, Dense<S>& y) {
    creation::fill(a, y);
  }
  template <class S>
  static void vjp(Ins<S>, const Dense<S>&, const Dense<S>&, const AttrMap&, Grads<S>) {}
};

// arange {start = 0, end, step = 1, dtype}: [start, start + step, ...] up to
// but excluding end, ceil((end - start) / step) elements (torch.arange).
// Element i is start + i*step computed in f64, then rounded once to the
// dtype, as torch does (so start, end and step stay f64 values on an f32
// node, unlike other ops' float attributes). step must be nonzero and
// point from start toward end.
struct Arange {
  static constexpr std::string_view name = "arange", math = "y[i] = start + i*step, i < ceil((end-start)/step)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr int min_arity = 0, max_arity = 0;
  static constexpr std::array<AttrSpec, 4> attrs{{{"dtype", AttrKind::Str},
                                                  {"end", AttrKind::Float, true, false, true},
                                                  {"start", AttrKind::Float, false, false, true},
                                                  {"step", AttrKind::Float, false, false, true}}};
  static constexpr bool differentiable(int) { return false; }

  static double element(const AttrMap& a, std::int64_t i) {
    return element_at(a.get_float_or("start", 0), a.get_float_or("step", 1), creation::dtype(a) == DType::f32, i);
  }
  // The same per element, for a CUDA thread.
  VT_HD static double element_at(double start, double step, bool f32, std::int64_t i) {
    const double v = start + static_cast<double>(i) * step;
    return f32 ? static_cast<double>(static_cast<float>(v)) : v;
  }
  static TensorType infer(std::span<const TensorType>, const AttrMap& a) {
    const DType dt = creation::dtype(a);
    const double start = a.get_float_or("start", 0), end = a.get_float("end"), step = a.get_float_or("step", 1);
    creation::check_value(dt, start, "attribute 'start'");
    creation::check_value(dt, end, "attribute 'end'");
    creation::check_value(dt, step, "attribute 'step'");
    if (step == 0) throw ShapeError("attribute 'step' must be nonzero");
    const double n = std::ceil((end - start) / step);
    if (n < 0)
      throw ShapeError("step " + to_string(AttrValue(step)) + " points away from end " + to_string(AttrValue(end)) + " (start " +
                       to_string(AttrValue(start)) + ")");
    if (!(n <= 0x1p40)) throw ShapeError("arange of " + to_string(AttrValue(n)) + " elements is too large");
    return TensorType{dt, Shape{static_cast<std::int64_t>(n)}};
  }
  template <class S>
  static void forward(Ins<S>, const AttrMap& a, Dense<S>& y) {
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = ScalarTraits<S>::from_double(y[i], element(a, i));
  }
  template <class S>
  static void vjp(Ins<S>, const Dense<S>&, const Dense<S>&, const AttrMap&, Grads<S>) {}
};

}  // namespace vt::spec::ops
