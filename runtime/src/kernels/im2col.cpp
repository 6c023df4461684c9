#include "im2col.hpp"

#include <algorithm>

#include "vt/spec/mutation.hpp"

namespace vt::rt {

namespace {

using spec::ops::Window2d;

// The output columns ow in [lo, hi) whose tap j reads an input column inside
// [0, W): col(ow, j) = ow*sw + (j*dw - pw). Outside it the tap is padding.
struct ColRange {
  std::int64_t lo, hi, base;  // base: col(0, j)
};
ColRange col_range(const Window2d& g, std::int64_t j) {
  const std::int64_t base = g.col(0, j);
  if (base > g.W - 1) return {0, 0, 0};  // (base 0: pointers stay inside the row)
  const std::int64_t lo = std::min(g.Wo, base >= 0 ? 0 : (-base + g.sw - 1) / g.sw);
  return {lo, std::max(lo, std::min(g.Wo, (g.W - 1 - base) / g.sw + 1)), base};
}


// The output rows [lo, hi) whose tap i reads an input row inside [0, H) (stride 1).
struct RowRange {
  std::int64_t lo, hi;
};
RowRange row_range(const Window2d& g, std::int64_t i) {
  const std::int64_t base = g.row(0, i);
  const std::int64_t lo = std::clamp<std::int64_t>(-base, 0, g.Ho);
  return {lo, std::max(lo, std::min(g.Ho, g.H - base))};
}

// The rows of im2col/col2im are short (Wo elements): GCC would turn their
// copy and fill loops into memmove/memset calls, whose call overhead then
// dominates. Keep them inline.
#if defined(__GNUC__) && !defined(__clang__)
#define VT_INLINE_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define VT_INLINE_LOOPS
#endif

template <class S>
VT_INLINE_LOOPS void fill_zero(S* p, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) p[k] = S(0);
}

// One tap's block of a shifted plane: out[q] = src[q + off] over the run
// [a, b) from the first valid (row, column) to the last, then zeros outside
// it and in the padding columns the run wrapped over.
template <class S>
VT_INLINE_LOOPS void shifted_tap(const Window2d& g, const S* plane, std::int64_t i, std::int64_t j, S* out) {
  const std::int64_t P = g.Ho * g.Wo;
  const RowRange rr = row_range(g, i);
  const ColRange cr = col_range(g, j);
  if (rr.lo == rr.hi || cr.lo == cr.hi) return fill_zero(out, P);
  const std::int64_t a = rr.lo * g.Wo + cr.lo, b = (rr.hi - 1) * g.Wo + cr.hi;
  const S* src = plane + g.row(rr.lo, i) * g.W + cr.base + cr.lo;  // the input of q = a
  for (std::int64_t k = 0; k < b - a; ++k) out[a + k] = src[k];
  // (planted bug, spec/mutation.hpp: the run's first element zeroed with the padding before it)
  fill_zero(out, spec::mutation::planted(spec::mutation::Mutant::fast_im2col_shifted_drops_first) ? a + 1 : a);
  fill_zero(out + b, P - b);
  for (std::int64_t oh = rr.lo; oh < rr.hi; ++oh) {
    fill_zero(out + oh * g.Wo, cr.lo);
    fill_zero(out + oh * g.Wo + cr.hi, g.Wo - cr.hi);
  }
}

// The adjoint: the padding columns' entries inside the run are zeroed first,
// so the shifted add drops them (it adds +0 to the elements they wrap onto;
// a -0 there may become +0, which the conv contract's bound allows).
template <class S>
VT_INLINE_LOOPS void shifted_tap_adjoint(const Window2d& g, S* in, std::int64_t i, std::int64_t j, S* plane) {
  const RowRange rr = row_range(g, i);
  const ColRange cr = col_range(g, j);
  if (rr.lo == rr.hi || cr.lo == cr.hi) return;
  for (std::int64_t oh = rr.lo; oh < rr.hi; ++oh) {
    fill_zero(in + oh * g.Wo, cr.lo);
    fill_zero(in + oh * g.Wo + cr.hi, g.Wo - cr.hi);
  }
  const std::int64_t a = rr.lo * g.Wo + cr.lo, b = (rr.hi - 1) * g.Wo + cr.hi;
  S* dst = plane + g.row(rr.lo, i) * g.W + cr.base + cr.lo;  // the input of q = a
  for (std::int64_t k = 0; k < b - a; ++k) dst[k] += in[a + k];
}

}  // namespace

bool im2col_shifted_plane(const Window2d& g) { return g.sh == 1 && g.sw == 1 && g.Wo == g.W; }

// Bounds are settled per (i, j, oh) so the inner loop is a plain (strided) copy.
template <class S>
VT_INLINE_LOOPS void im2col(const Window2d& g, std::int64_t Cg, const S* plane, S* col) {
  const std::int64_t P = g.Ho * g.Wo;
  const bool shifted = im2col_shifted_plane(g);
  for (std::int64_t c = 0; c < Cg; ++c, plane += g.H * g.W)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        S* out = col + ((c * g.kh + i) * g.kw + j) * P;
        if (shifted) {
          shifted_tap(g, plane, i, j, out);
          continue;
        }
        const ColRange cr = col_range(g, j);
        for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
          const std::int64_t r = g.row(oh, i);
          S* dst = out + oh * g.Wo;
          if (r < 0 || r >= g.H) {
            fill_zero(dst, g.Wo);
            continue;
          }
          fill_zero(dst, cr.lo);
          const S* src = plane + r * g.W + cr.base + cr.lo * g.sw;  // input column of ow = lo
          if (g.sw == 1)
            for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[cr.lo + k] = src[k];
          else
            for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[cr.lo + k] = src[k * g.sw];
          fill_zero(dst + cr.hi, g.Wo - cr.hi);
        }
      }
}

template <class S>
VT_INLINE_LOOPS void col2im(const Window2d& g, std::int64_t Cg, S* dcol, S* plane) {
  const std::int64_t P = g.Ho * g.Wo;
  const bool shifted = im2col_shifted_plane(g);
  for (std::int64_t c = 0; c < Cg; ++c, plane += g.H * g.W)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        S* in = dcol + ((c * g.kh + i) * g.kw + j) * P;
        if (shifted) {
          shifted_tap_adjoint(g, in, i, j, plane);
          continue;
        }
        const ColRange cr = col_range(g, j);
        for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
          const std::int64_t r = g.row(oh, i);
          if (r < 0 || r >= g.H) continue;
          const S* src = in + oh * g.Wo + cr.lo;
          S* dst = plane + r * g.W + cr.base + cr.lo * g.sw;  // input column of ow = lo
          if (g.sw == 1)
            for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[k] += src[k];
          else
            for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[k * g.sw] += src[k];
        }
      }
}

template void im2col<float>(const Window2d&, std::int64_t, const float*, float*);
template void im2col<double>(const Window2d&, std::int64_t, const double*, double*);
template void col2im<float>(const Window2d&, std::int64_t, float*, float*);
template void col2im<double>(const Window2d&, std::int64_t, double*, double*);

}  // namespace vt::rt
