#pragma once
// Largest and smallest elements, in torch's four flavours:
//   amax / amin      values; ties share the gradient evenly (torch.amax)
//   max / min        with an axis: values, the whole gradient to the index
//                    argmax/argmin returns (torch.max(x, dim)); without an
//                    axis: over all elements, ties share (torch.max(x))
//   argmax / argmin  i64 positions of the first extreme element (no gradient)
// All take {axis (absent = every axis), keepdim = false}. A NaN is larger and
// smaller than everything (the first NaN wins), as in torch.
#include "vt/spec/ops/reduce.hpp"

namespace vt::spec::ops {

namespace extreme {

inline std::vector<bool> axes(const Shape& s, const AttrMap& a) {
  if (!a.has("axis")) return std::vector<bool>(s.rank(), true);
  std::vector<bool> red(s.rank(), false);
  red[normalize_axis(a.get_int("axis"), s.rank())] = true;
  return red;
}

inline Shape out_shape(const TensorType& in, const AttrMap& a, std::string_view op) {
  rule::require_float(in, 0);
  const auto red = axes(in.shape, a);
  for (std::size_t k = 0; k < red.size(); ++k)
    if (red[k] && in.shape[k] == 0) throw ShapeError(std::string(op) + " over an empty axis");
  if (in.shape.numel() == 0) throw ShapeError(std::string(op) + " of an empty tensor");
  return rule::reduce_shape(in.shape, red, a.get_bool_or("keepdim", false));
}

// Whether x replaces the current extreme cur: strictly beyond it, or the
// first NaN (which then stays).
template <bool Largest, class S>
VT_HD bool beats(const S& x, const S& cur) {
  if (math::is_nan(cur)) return false;
  if (math::is_nan(x)) return true;
  return Largest ? x > cur : x < cur;
}

// Per output lane, the flat input index of its first extreme element.
template <bool Largest, class S>
std::vector<std::int64_t> first_extreme(const Dense<S>& x, const std::vector<bool>& red, std::int64_t lanes) {
  const auto out = reduction_index(x.shape, red);
  std::vector<std::int64_t> best(static_cast<std::size_t>(lanes), -1);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    auto& b = best[static_cast<std::size_t>(out[static_cast<std::size_t>(i)])];
    if (b < 0 || beats<Largest>(x[i], x[b])) b = i;
  }
  return best;
}

// dx += g / t at each of the t elements equal to their lane's extreme y.
template <class S>
void share_among_ties(const Dense<S>& x, const Dense<S>& y, const Dense<S>& g, const std::vector<bool>& red, Dense<S>& dx) {
  const auto out = reduction_index(x.shape, red);
  std::vector<long> ties(static_cast<std::size_t>(y.numel()), 0);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    if (x[i] == y[out[static_cast<std::size_t>(i)]]) ++ties[static_cast<std::size_t>(out[static_cast<std::size_t>(i)])];
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const auto o = out[static_cast<std::size_t>(i)];
    if (x[i] == y[o]) dx[i] += g[o] / K(g[o], ties[static_cast<std::size_t>(o)]);
  }
}

// The shared declaration; Op gives name, math, Largest and Mode.
enum class Grad { Share, ToIndex, None };

template <class Op, bool Largest, Grad Mode>
struct Extreme {
  static constexpr bool largest_flag = Largest;  // read by the CUDA kernels
  static constexpr Grad mode_flag = Mode;
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 2> attrs{{{"axis", AttrKind::Int}, {"keepdim", AttrKind::Bool}}};
  static constexpr bool differentiable(int) { return Mode != Grad::None; }
  static constexpr bool index_input(int) { return false; }  // argmax's input is a float, not indices

  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    return TensorType{Mode == Grad::None ? DType::i64 : in[0].dtype, out_shape(in[0], a, Op::name)};
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    const auto red = axes(x.shape, a);
    const auto best = first_extreme<Largest>(x, red, y.numel());
    if constexpr (Mode != Grad::None) {
      for (std::int64_t o = 0; o < y.numel(); ++o) y[o] = x[best[static_cast<std::size_t>(o)]];
    } else {
      // The position along the axis, or in the flattened tensor without one.
      const std::int64_t stride = a.has("axis") ? axis_view(x.shape, normalize_axis(a.get_int("axis"), x.shape.rank())).inner : 1;
      const std::int64_t n = a.has("axis") ? x.shape[normalize_axis(a.get_int("axis"), x.shape.rank())] : x.numel();
      for (std::int64_t o = 0; o < y.numel(); ++o)
        y[o] = K(y[o], static_cast<long>((best[static_cast<std::size_t>(o)] / stride) % n));
    }
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if constexpr (Mode == Grad::None) return;
    if (!dx[0]) return;
    const Dense<S>& x = *in[0];
    const auto red = axes(x.shape, a);
    if (Mode == Grad::Share || !a.has("axis")) return share_among_ties(x, y, g, red, *dx[0]);
    const auto best = first_extreme<Largest>(x, red, y.numel());
    for (std::int64_t o = 0; o < y.numel(); ++o) (*dx[0])[best[static_cast<std::size_t>(o)]] += g[o];
  }
};

}  // namespace extreme

// amax {axis, keepdim}: y = largest element (over axis, or all); dx += g/t at
// each of the t elements equal to it (torch.amax).
struct Amax : extreme::Extreme<Amax, true, extreme::Grad::Share> {
  static constexpr std::string_view name = "amax", math = "y = max(x); dx += g/t at the t maximal elements";
};
// amin: the mirror of amax (torch.amin).
struct Amin : extreme::Extreme<Amin, false, extreme::Grad::Share> {
  static constexpr std::string_view name = "amin", math = "y = min(x); dx += g/t at the t minimal elements";
};
// max {axis, keepdim}: with an axis, torch.max(x, dim)'s values, the whole
// gradient to the first maximal element (argmax's index); without one,
// torch.max(x): the largest element, ties sharing g.
struct Max : extreme::Extreme<Max, true, extreme::Grad::ToIndex> {
  static constexpr std::string_view name = "max",
                                    math = "y = max(x); axis: dx[argmax] += g; all axes: dx += g/t at the t maximal elements";
};
// min: the mirror of max (torch.min).
struct Min : extreme::Extreme<Min, false, extreme::Grad::ToIndex> {
  static constexpr std::string_view name = "min",
                                    math = "y = min(x); axis: dx[argmin] += g; all axes: dx += g/t at the t minimal elements";
};
// argmax {axis, keepdim}: i64 position of the first maximal element along
// axis, or in the flattened tensor without one (torch.argmax). No gradient.
struct Argmax : extreme::Extreme<Argmax, true, extreme::Grad::None> {
  static constexpr std::string_view name = "argmax", math = "y = first index of max(x) (i64; no gradient)";
};
// argmin: the mirror of argmax (torch.argmin).
struct Argmin : extreme::Extreme<Argmin, false, extreme::Grad::None> {
  static constexpr std::string_view name = "argmin", math = "y = first index of min(x) (i64; no gradient)";
};

}  // namespace vt::spec::ops
