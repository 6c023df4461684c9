#include "fast_pool.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "fast_pool2x2.hpp"
#include "vt/spec/ops/conv.hpp"

namespace vt::rt {

namespace {

using spec::Dense;
using spec::ops::Window2d;

// Taps k in [lo, hi) of output position o along one axis land inside [0, L):
// o*s - p + k*d in [0, L). Computed once per output row / column.
struct TapRange {
  std::int64_t lo, hi;
};
TapRange tap_range(std::int64_t o, std::int64_t s, std::int64_t p, std::int64_t d, std::int64_t taps, std::int64_t L) {
  const std::int64_t base = o * s - p;
  if (base > L - 1) return {0, 0};
  const std::int64_t lo = base >= 0 ? 0 : (-base + d - 1) / d;
  const std::int64_t hi = std::min(taps, (L - 1 - base) / d + 1);
  return {lo, std::max(lo, hi)};
}

// The tap ranges of every output row and column (per-thread, reused).
struct Ranges {
  std::vector<TapRange> rows, cols;
};
const Ranges& ranges(const Window2d& g) {
  thread_local Ranges r;
  r.rows.resize(static_cast<std::size_t>(g.Ho));
  r.cols.resize(static_cast<std::size_t>(g.Wo));
  for (std::int64_t oh = 0; oh < g.Ho; ++oh) r.rows[static_cast<std::size_t>(oh)] = tap_range(oh, g.sh, g.ph, g.dh, g.kh, g.H);
  for (std::int64_t ow = 0; ow < g.Wo; ++ow) r.cols[static_cast<std::size_t>(ow)] = tap_range(ow, g.sw, g.pw, g.dw, g.kw, g.W);
  return r;
}

// Calls f(flat output index, flat input index of each tap inside the input,
// in row-major window order): Pool2d::each_window without the tap list.
template <class F>
void each_window(const Window2d& g, F&& f) {
  const Ranges& r = ranges(g);
  for (std::int64_t nc = 0; nc < g.N * g.C; ++nc)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
      const TapRange ri = r.rows[static_cast<std::size_t>(oh)];
      for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
        const TapRange rj = r.cols[static_cast<std::size_t>(ow)];
        const std::int64_t first = (nc * g.H + g.row(oh, ri.lo)) * g.W + g.col(ow, rj.lo);
        f((nc * g.Ho + oh) * g.Wo + ow, first, ri.hi - ri.lo, rj.hi - rj.lo);
      }
    }
}

// One step of the first-maximum scan: t replaces best when (x[best] is not
// NaN) and (x[t] > x[best] or x[t] is NaN), as MaxPool2d::argmax. Chosen with
// masks, not branches (which the compiler otherwise emits): on random data a
// branch mispredicts half the taps.
template <class S>
inline void scan(const S* x, std::int64_t t, std::int64_t& best) {
  const S v = x[t], bv = x[best];
  const std::int64_t take = -static_cast<std::int64_t>((v > bv) | ((v != v) & (bv == bv)));
  best ^= (best ^ t) & take;
}

// The first maximal tap (a NaN tap wins and is chosen) of the window whose
// first inside tap is at flat index `first`. Every window has a tap:
// max_pool2d's type rule rejects windows wholly in the padding.
struct ArgMax {
  const Window2d& g;
  std::vector<std::int64_t> offsets;  // of a whole window's taps from its first, row-major

  explicit ArgMax(const Window2d& w) : g(w) {
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) offsets.push_back(i * g.dh * g.W + j * g.dw);
  }
  template <class S>
  std::int64_t operator()(const S* x, std::int64_t first, std::int64_t ni, std::int64_t nj) const {
    if (ni == g.kh && nj == g.kw) {  // a whole window: unrolled for the usual 2x2 and 3x3
      static_assert(kUnrolledWindowTaps[0] == 4 && kUnrolledWindowTaps[1] == 9);
      if (offsets.size() == 4) return whole<4>(x, first);
      if (offsets.size() == 9) return whole<9>(x, first);
    }
    std::int64_t best = first;
    for (std::int64_t i = 0; i < ni; ++i)
      for (std::int64_t j = 0; j < nj; ++j) scan(x, first + i * g.dh * g.W + j * g.dw, best);
    return best;
  }
  // A whole window as a tournament of consecutive runs: "the first NaN, else
  // the first maximum" of a run is that of its halves' winners, so this picks
  // the scan's tap with a shorter dependency chain.
  template <std::size_t T, class S>
  std::int64_t whole(const S* x, std::int64_t first) const {
    std::array<std::int64_t, T> best;
    for (std::size_t t = 0; t < T; ++t) best[t] = first + offsets[t];
    for (std::size_t step = 1; step < T; step *= 2)
      for (std::size_t t = 0; t + step < T; t += 2 * step) scan(x, best[t + step], best[t]);
    return best[0];
  }
};

template <class S>
void zero_if_stale(Dense<S>& dx, std::span<const bool> overwrite) {
  if (!overwrite.empty() && overwrite[0]) std::fill(dx.data.begin(), dx.data.end(), S(0));
}

}  // namespace

template <class S>
void max_pool2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const Window2d g = spec::ops::MaxPool2d::geometry(in[0]->shape, attrs);
  const S* x = in[0]->data.data();
  S* yp = y.data.data();
  if (is_pool2x2(g)) return max_pool2x2_forward(g, x, yp);
  const ArgMax argmax(g);
  each_window(g, [&](std::int64_t o, std::int64_t first, std::int64_t ni, std::int64_t nj) {
    yp[o] = x[argmax(x, first, ni, nj)];
  });
}

template <class S>
void max_pool2d_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite) {
  if (!dx[0]) return;
  const Window2d w = spec::ops::MaxPool2d::geometry(in[0]->shape, attrs);
  const S *x = in[0]->data.data(), *gp = g.data.data();
  S* d = dx[0]->data.data();
  if (is_pool2x2(w)) return max_pool2x2_vjp(w, x, gp, d, !overwrite.empty() && overwrite[0]);
  zero_if_stale(*dx[0], overwrite);
  const ArgMax argmax(w);
  each_window(w, [&](std::int64_t o, std::int64_t first, std::int64_t ni, std::int64_t nj) {
    d[argmax(x, first, ni, nj)] += gp[o];
  });
}

template <class S>
void avg_pool2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const Window2d g = spec::ops::AvgPool2d::geometry(in[0]->shape, attrs);
  const S* x = in[0]->data.data();
  S* yp = y.data.data();
  const S taps = spec::K(S(0), static_cast<long>(g.kh * g.kw));
  each_window(g, [&](std::int64_t o, std::int64_t first, std::int64_t ni, std::int64_t nj) {
    S acc = yp[o];  // arrives as zero, as in the op's rule
    for (std::int64_t i = 0; i < ni; ++i)
      for (std::int64_t j = 0; j < nj; ++j) acc += x[first + i * g.dh * g.W + j * g.dw];
    yp[o] = acc / taps;
  });
}

template <class S>
void avg_pool2d_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite) {
  if (!dx[0]) return;
  zero_if_stale(*dx[0], overwrite);
  const Window2d w = spec::ops::AvgPool2d::geometry(in[0]->shape, attrs);
  const S* gp = g.data.data();
  S* d = dx[0]->data.data();
  const S taps = spec::K(S(0), static_cast<long>(w.kh * w.kw));
  each_window(w, [&](std::int64_t o, std::int64_t first, std::int64_t ni, std::int64_t nj) {
    const S share = gp[o] / taps;
    for (std::int64_t i = 0; i < ni; ++i)
      for (std::int64_t j = 0; j < nj; ++j) d[first + i * w.dh * w.W + j * w.dw] += share;
  });
}

#define VT_POOL_INSTANTIATE(S)                                                                                         \
  template void max_pool2d_forward<S>(spec::Ins<S>, const spec::AttrMap&, Dense<S>&);                                  \
  template void avg_pool2d_forward<S>(spec::Ins<S>, const spec::AttrMap&, Dense<S>&);                                  \
  template void max_pool2d_vjp<S>(spec::Ins<S>, const Dense<S>&, const spec::AttrMap&, spec::Grads<S>,                 \
                                  std::span<const bool>);                                                              \
  template void avg_pool2d_vjp<S>(spec::Ins<S>, const Dense<S>&, const spec::AttrMap&, spec::Grads<S>, std::span<const bool>);
VT_POOL_INSTANTIATE(float)
VT_POOL_INSTANTIATE(double)
#undef VT_POOL_INSTANTIATE

}  // namespace vt::rt
