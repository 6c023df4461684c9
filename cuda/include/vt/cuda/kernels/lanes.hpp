#pragma once
// Kernels with one thread per lane (a 1-D slice along an axis, or a row):
// softmax, log_softmax, cross_entropy's rows, and the extreme-value family.
// Each calls the op's own per-lane function from spec/ (softmax_lane,
// CrossEntropy::row_loss, extreme::beats, ...), in the CPU loop's order, so
// results equal the generic CPU code bitwise. One thread per lane is the
// simple schedule; a lane longer than a block would want a block per lane.
#include "vt/cuda/launch.hpp"
#include "vt/cuda/view.hpp"
#include "vt/spec/ops/extreme.hpp"
#include "vt/spec/ops/loss.hpp"
#include "vt/spec/ops/norm.hpp"
#include "vt/spec/strided_index.hpp"

namespace vt::cuda::kernels {

// log = false: softmax; true: log_softmax.
template <class S, bool Log>
struct SoftmaxForward {
  View<const S> x;
  View<S> y;
  spec::AxisView v;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t l = t.global();
    if (l >= v.outer * v.inner) return;
    const auto put = [&](std::int64_t i, const S& value) { y.store(i, value); };
    if constexpr (Log) spec::ops::log_softmax_lane<S>(x, spec::ops::lane_at(v, l), v.n, put);
    else spec::ops::softmax_lane<S>(x, spec::ops::lane_at(v, l), v.n, put);
  }
};

template <class S, bool Log>
struct SoftmaxBackward {
  View<const S> y, g;
  View<S> dx;
  spec::AxisView v;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t l = t.global();
    if (l >= v.outer * v.inner) return;
    const auto add = [&](std::int64_t i, const S& value) { dx.add(i, value); };
    if constexpr (Log) spec::ops::log_softmax_vjp_lane<S>(y, g, spec::ops::lane_at(v, l), v.n, add);
    else spec::ops::softmax_vjp_lane<S>(y, g, spec::ops::lane_at(v, l), v.n, add);
  }
};

// Targets arrive as floats holding integers, checked in range on the host.
template <class S>
VT_HD std::int64_t class_index(const View<const S>& target, std::int64_t n) {
  return static_cast<std::int64_t>(target.load(n));
}

// terms[n] = logsumexp(x_n) - x_n[t_n]; the sum over rows is a second pass.
template <class S>
struct CrossEntropyRows {
  View<const S> x, target;
  View<S> terms;
  std::int64_t rows = 0, classes = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t n = t.global();
    if (n < rows) terms.store(n, spec::ops::CrossEntropy::row_loss<S>(x, spec::ops::LaneAt{n * classes, 1}, classes, class_index(target, n)));
  }
};

template <class S>
struct CrossEntropyBackward {
  View<const S> x, target, g;
  View<S> dx;
  std::int64_t rows = 0, classes = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t n = t.global();
    if (n >= rows) return;
    const S scale = spec::ops::CrossEntropy::grad_scale(S(g.load(0)), static_cast<long>(rows));
    spec::ops::CrossEntropy::row_vjp<S>(x, spec::ops::LaneAt{n * classes, 1}, classes, class_index(target, n), scale,
                                        [&](std::int64_t i, const S& value) { dx.add(i, value); });
  }
};

// The extreme family: for output o, the first extreme element of its fiber.
template <bool Largest, class S>
VT_HD std::int64_t first_extreme(const View<const S>& x, const spec::ReductionMap& r, std::int64_t o) {
  const std::int64_t base = r.base(o), terms = r.fiber.count();
  std::int64_t best = base + r.fiber(0);
  for (std::int64_t k = 1; k < terms; ++k) {
    const std::int64_t i = base + r.fiber(k);
    if (spec::ops::extreme::beats<Largest>(S(x.load(i)), S(x.load(best)))) best = i;
  }
  return best;
}

// y[o] = the extreme value, or (index = true) its position (best / stride) % n.
template <bool Largest, class S>
struct ExtremeForward {
  View<const S> x;
  View<S> y;
  spec::ReductionMap r;
  std::int64_t outputs = 0;
  bool index = false;
  std::int64_t stride = 1, n = 1;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t o = t.global();
    if (o >= outputs) return;
    const std::int64_t best = first_extreme<Largest>(x, r, o);
    y.store(o, index ? spec::K(S(0), static_cast<long>((best / stride) % n)) : S(x.load(best)));
  }
};

// max/min over an axis: the whole cotangent to the first extreme element.
template <bool Largest, class S>
struct ExtremeToIndexBackward {
  View<const S> x, g;
  View<S> dx;
  spec::ReductionMap r;
  std::int64_t outputs = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t o = t.global();
    if (o < outputs) dx.add(first_extreme<Largest>(x, r, o), g.load(o));
  }
};

// Ties per output: how many elements of its fiber equal y[o].
template <class S>
struct CountTies {
  View<const S> x, y;
  View<std::int64_t> ties;
  spec::ReductionMap r;
  std::int64_t outputs = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t o = t.global();
    if (o >= outputs) return;
    std::int64_t c = 0;
    const S yo = y.load(o);
    const std::int64_t base = r.base(o), terms = r.fiber.count();
    for (std::int64_t k = 0; k < terms; ++k) c += S(x.load(base + r.fiber(k))) == yo ? 1 : 0;
    ties.store(o, c);
  }
};

// dx[i] += g[o] / ties[o] where x[i] equals its output's extreme.
template <class S>
struct ShareAmongTies {
  View<const S> x, y, g;
  View<const std::int64_t> ties;
  View<S> dx;
  spec::StridedIndex out;  // x's element -> its output
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i >= n) return;
    const std::int64_t o = out(i);
    const S go = g.load(o);
    if (S(x.load(i)) == S(y.load(o))) dx.add(i, S(go / spec::K(go, static_cast<long>(ties.load(o)))));
  }
};

// mse_loss: terms[i] = (x_i - t_i)^2, summed by the reduction kernels.
template <class S>
struct SquareDiff {
  View<const S> x, target;
  View<S> terms;
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i < n) terms.store(i, spec::ops::MseLoss::square_diff(S(x.load(i)), S(target.load(i))));
  }
};

template <class S>
struct MseBackward {
  View<const S> x, target, g;
  View<S> dx, dt;  // either may be absent (data null)
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i >= n) return;
    const S scale = spec::ops::MseLoss::grad_scale(S(g.load(0)), static_cast<long>(n));
    const S d = spec::ops::MseLoss::grad_term(S(x.load(i)), S(target.load(i)), scale);
    if (dx.data) dx.add(i, d);
    if (dt.data) dt.add(i, S(-d));
  }
};

}  // namespace vt::cuda::kernels

namespace vt::cuda::kernels {

// layer_norm: one thread per group of n trailing elements (norm::stats and
// norm::forward_group); the backward pass first writes each group's
// statistics (norm::vjp_stats) to scratch, then dx by group
// (norm::dx_group) and dweight/dbias by weight element, each walking the
// groups in order (the CPU loop's order for those sums).
struct NormDims {
  std::int64_t groups = 0, n = 0;
  double eps = 1e-5;
};

template <class S>
struct LayerNormForward {
  View<const S> x, w, b;  // w, b absent: data null
  View<S> y;
  NormDims d;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t o = t.global();
    if (o >= d.groups) return;
    const spec::ops::LaneAt at{o * d.n, 1};
    const auto st = spec::ops::norm::stats<S>(x, at, d.n, d.eps);
    spec::ops::norm::forward_group<S>(x, at, d.n, st, w.data ? &w : nullptr, b.data ? &b : nullptr, [](std::int64_t k) { return k; },
                                      [&](std::int64_t i, const S& v) { y.store(i, v); });
  }
};

// stats[4 o .. 4 o + 3] = n, sum(x), s, n s of group o.
template <class S>
struct LayerNormStats {
  View<const S> x;
  View<S> stats;
  NormDims d;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t o = t.global();
    if (o >= d.groups) return;
    const auto st = spec::ops::norm::vjp_stats<S>(x, spec::ops::LaneAt{o * d.n, 1}, d.n, d.eps);
    stats.store(4 * o, st.nn), stats.store(4 * o + 1, st.sum), stats.store(4 * o + 2, st.s), stats.store(4 * o + 3, st.ns);
  }
};

template <class S>
VT_HD spec::ops::norm::VjpStats<S> group_stats(const View<const S>& stats, std::int64_t o) {
  return {stats.load(4 * o), stats.load(4 * o + 1), stats.load(4 * o + 2), stats.load(4 * o + 3)};
}

template <class S>
struct LayerNormBackwardX {
  View<const S> x, w, g, stats;
  View<S> dx;
  NormDims d;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t o = t.global();
    if (o >= d.groups) return;
    spec::ops::norm::dx_group<S>(x, spec::ops::LaneAt{o * d.n, 1}, d.n, group_stats(stats, o), w.data ? &w : nullptr,
                                 [](std::int64_t k) { return k; }, g, false, [&](std::int64_t i, const S& v) { dx.add(i, v); });
  }
};

// which: 1 dweight (sum over groups of g z), 2 dbias (sum of g); one thread per element k.
template <class S>
struct LayerNormBackwardAffine {
  View<const S> x, g, stats;
  View<S> dp;
  NormDims d;
  int which = 1;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t k = t.global();
    if (k >= d.n) return;
    S acc = dp.load(k);
    for (std::int64_t o = 0; o < d.groups; ++o) {
      const spec::ops::LaneAt at{o * d.n, 1};
      const S gk = g.load(at(k));
      acc = acc + (which == 1 ? S(gk * spec::ops::norm::z_at<S>(x, at, k, group_stats(stats, o))) : gk);
    }
    dp.store(k, acc);
  }
};

}  // namespace vt::cuda::kernels
