#pragma once
// Reductions. Each maps input element i to output element out[i] (the
// broadcast map from the keepdim shape), so forward accumulates
// y[out[i]] += x[i] and backward reads g[out[i]].
#include "vt/spec/index_maps.hpp"
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

// Output element of each input element, for the reduction described by attrs.
inline std::vector<std::int64_t> reduction_index(const Shape& in, const std::vector<bool>& axes) {
  return broadcast_index(rule::reduce_shape(in, axes, true), in);
}

// Shared declaration of sum and mean: {axes (absent = all), keepdim = false}.
template <class Op>
struct AxesReduction {
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr std::array<AttrSpec, 2> attrs{{{"axes", AttrKind::Ints}, {"keepdim", AttrKind::Bool}}};
  static constexpr bool differentiable(int) { return true; }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    return TensorType{in[0].dtype,
                      rule::reduce_shape(in[0].shape, rule::reduced_axes(in[0].shape, a), a.get_bool_or("keepdim", false))};
  }
  // Rounded operations per output (the Dot contract's n): the sum of the
  // reduced elements, and mean's division.
  template <class S>
  static std::int64_t rounded_terms(Ins<S> in, const AttrMap& a) {
    const Shape& s = in[0]->shape;
    const std::vector<bool> axes = rule::reduced_axes(s, a);
    std::int64_t n = 1;
    for (std::size_t k = 0; k < axes.size(); ++k)
      if (axes[k]) n *= s[k];
    return Op::divides ? n + 1 : n;
  }
  // Number of input elements that feed each output element.
  static long count(const Shape& in, const Shape& out) {
    return out.numel() == 0 ? 0 : static_cast<long>(in.numel() / out.numel());
  }
};

// sum {axes, keepdim}: y = sum of x over axes.  dx += g broadcast back.
struct Sum : AxesReduction<Sum> {
  static constexpr std::string_view name = "sum", math = "y = sum_axes(x); dx += broadcast(g)";
  static constexpr ErrorContract contract = dot_contract;
  static constexpr bool divides = false;
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    const auto out = reduction_index(x.shape, rule::reduced_axes(x.shape, a));
    for (std::int64_t i = 0; i < x.numel(); ++i) y[out[static_cast<std::size_t>(i)]] += x[i];
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    const auto out = reduction_index(in[0]->shape, rule::reduced_axes(in[0]->shape, a));
    for (std::int64_t i = 0; i < in[0]->numel(); ++i) (*dx[0])[i] += g[out[static_cast<std::size_t>(i)]];
  }
};

// mean {axes, keepdim}: y = sum(x) / n, n = elements per output.  dx += g / n.
struct Mean : AxesReduction<Mean> {
  static constexpr std::string_view name = "mean", math = "y = sum_axes(x)/n; dx += broadcast(g)/n";
  static constexpr ErrorContract contract = dot_contract;
  static constexpr bool divides = true;
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    Sum::forward(in, a, y);
    const long n = count(in[0]->shape, y.shape);
    for (auto& v : y.data) v = v / K(v, n);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    const auto out = reduction_index(in[0]->shape, rule::reduced_axes(in[0]->shape, a));
    const long n = count(in[0]->shape, y.shape);
    for (std::int64_t i = 0; i < in[0]->numel(); ++i) {
      const S& gi = g[out[static_cast<std::size_t>(i)]];
      (*dx[0])[i] += gi / K(gi, n);
    }
  }
};

}  // namespace vt::spec::ops
