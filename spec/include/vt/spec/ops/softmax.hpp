#pragma once
// softmax and log_softmax along one axis, and the shared per-lane helpers
// that cross_entropy reuses. A "lane" is the 1-D slice along the axis at one
// (outer, inner) position; both ops shift by the lane maximum first, which
// changes nothing mathematically (any shift cancels) and keeps floats finite.
#include "vt/spec/index_maps.hpp"
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

// Calls f(at) for every lane of a tensor of shape s, where at(k) is the
// linear index of the lane's k-th element; returns the lane length.
template <class F>
std::int64_t for_each_lane(const Shape& s, std::size_t axis, F&& f) {
  const AxisView v = axis_view(s, axis);
  for (std::int64_t o = 0; o < v.outer; ++o)
    for (std::int64_t i = 0; i < v.inner; ++i) f([&v, o, i](std::int64_t k) { return v.at(o, k, i); });
  return v.n;
}

// The shift m = max_k x_k of a lane of n >= 1 elements, and sum_k exp(x_k - m).
// The per-lane functions below are the op's math, written once: the CPU
// loops call them per lane and a CUDA thread calls them for its own lane. x
// is anything indexable (a Dense, a kernel's View), at(k) the linear index of
// the lane's k-th element, put(i, v) stores and add(i, v) accumulates.
template <class S>
struct LaneExpSum {
  S m, sum;
};
template <class S, class X, class At>
VT_HD LaneExpSum<S> lane_exp_sum(const X& x, At at, std::int64_t n) {
  // Any shift gives the same value mathematically; the maximum keeps floats
  // finite. prefer_second lets enclosures choose without an undecidable compare.
  S m = x[at(0)];
  for (std::int64_t k = 1; k < n; ++k)
    if (ScalarTraits<S>::prefer_second(m, S(x[at(k)]))) m = x[at(k)];
  S s = K(m, 0);
  for (std::int64_t k = 0; k < n; ++k) s += math::exp(S(x[at(k)] - m));
  return {m, s};
}

// A lane's k-th element is at base + k * stride (AxisView::at(o, k, i) with
// base = at(o, 0, i), stride = inner): the form a kernel thread computes.
struct LaneAt {
  std::int64_t base = 0, stride = 1;
  VT_HD std::int64_t operator()(std::int64_t k) const { return base + k * stride; }
};
// Lane l (of v.outer * v.inner) of an AxisView.
inline VT_HD LaneAt lane_at(const AxisView& v, std::int64_t l) { return {(l / v.inner) * v.n * v.inner + l % v.inner, v.inner}; }

template <class S, class X, class At, class Put>
VT_HD void softmax_lane(const X& x, At at, std::int64_t n, Put&& put) {
  const LaneExpSum<S> l = lane_exp_sum<S>(x, at, n);
  for (std::int64_t k = 0; k < n; ++k) put(at(k), S(math::exp(S(x[at(k)] - l.m)) / l.sum));
}
template <class S, class Y, class G, class At, class Add>
VT_HD void softmax_vjp_lane(const Y& y, const G& g, At at, std::int64_t n, Add&& add) {
  S dot = K(S(y[at(0)]), 0);
  for (std::int64_t k = 0; k < n; ++k) dot += S(g[at(k)]) * S(y[at(k)]);
  for (std::int64_t k = 0; k < n; ++k) add(at(k), S(S(y[at(k)]) * (S(g[at(k)]) - dot)));
}
template <class S, class X, class At, class Put>
VT_HD void log_softmax_lane(const X& x, At at, std::int64_t n, Put&& put) {
  const LaneExpSum<S> l = lane_exp_sum<S>(x, at, n);
  const S log_sum = math::log(l.sum);
  for (std::int64_t k = 0; k < n; ++k) put(at(k), S((x[at(k)] - l.m) - log_sum));
}
template <class S, class Y, class G, class At, class Add>
VT_HD void log_softmax_vjp_lane(const Y& y, const G& g, At at, std::int64_t n, Add&& add) {
  S gs = K(S(g[at(0)]), 0);
  for (std::int64_t k = 0; k < n; ++k) gs += g[at(k)];
  for (std::int64_t k = 0; k < n; ++k) add(at(k), S(S(g[at(k)]) - math::exp(S(y[at(k)])) * gs));
}

template <class Op>
struct AxisSoftmax {
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr std::array<AttrSpec, 1> attrs{{{"axis", AttrKind::Int}}};
  static constexpr bool differentiable(int) { return true; }
  static std::size_t axis(const Shape& s, const AttrMap& a) { return normalize_axis(a.get_int_or("axis", -1), s.rank()); }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    rule::require_rank_at_least(in[0], 0, 1);
    axis(in[0].shape, a);
    return in[0];
  }
  // Calls f(at, n) for every lane along the op's axis (none when it is empty).
  template <class F>
  static void lanes(const Shape& s, const AttrMap& a, F&& f) {
    const std::size_t ax = axis(s, a);
    const std::int64_t n = s[ax];
    if (n > 0) for_each_lane(s, ax, [&](auto at) { f(at, n); });
  }
};

// softmax {axis = -1}: y_k = exp(x_k) / sum_j exp(x_j).
// dx_k += y_k (g_k - sum_j g_j y_j).
struct Softmax : AxisSoftmax<Softmax> {
  static constexpr std::string_view name = "softmax", math = "y = exp(x)/sum(exp(x)); dx += y*(g - sum(g*y))";
  static constexpr ErrorContract contract = derived_contract;
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    lanes(x.shape, a, [&](auto at, std::int64_t n) { softmax_lane<S>(x, at, n, [&](std::int64_t i, const S& v) { y[i] = v; }); });
  }
  template <class S>
  static void vjp(Ins<S>, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    Dense<S>& d = *dx[0];
    lanes(y.shape, a, [&](auto at, std::int64_t n) { softmax_vjp_lane<S>(y, g, at, n, [&](std::int64_t i, const S& v) { d[i] += v; }); });
  }
};

// log_softmax {axis = -1}: y_k = x_k - log(sum_j exp(x_j)).
// dx_k += g_k - exp(y_k) sum_j g_j.
struct LogSoftmax : AxisSoftmax<LogSoftmax> {
  static constexpr std::string_view name = "log_softmax", math = "y = x - logsumexp(x); dx += g - exp(y)*sum(g)";
  static constexpr ErrorContract contract = derived_contract;
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    lanes(x.shape, a, [&](auto at, std::int64_t n) { log_softmax_lane<S>(x, at, n, [&](std::int64_t i, const S& v) { y[i] = v; }); });
  }
  template <class S>
  static void vjp(Ins<S>, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    Dense<S>& d = *dx[0];
    lanes(y.shape, a, [&](auto at, std::int64_t n) { log_softmax_vjp_lane<S>(y, g, at, n, [&](std::int64_t i, const S& v) { d[i] += v; }); });
  }
};

}  // namespace vt::spec::ops
