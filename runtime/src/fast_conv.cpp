#include "fast_conv.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "vt/runtime/blas.hpp"

namespace vt::rt {

namespace {

using spec::Dense;
using spec::ops::Conv2d;
using spec::ops::Window2d;

// The sizes one conv2d call works with.
struct ConvPlan {
  Window2d g;
  std::int64_t O, groups, Cg, Og, K, P, NP;  // K = Cg*kh*kw rows of a column, P = Ho*Wo, NP = N*P columns
};
ConvPlan plan(const spec::Shape& x, const spec::Shape& w, const spec::AttrMap& a) {
  ConvPlan p{Conv2d::geometry(x, w, a), w[0], a.get_int_or("groups", 1), 0, 0, 0, 0, 0};
  p.Cg = p.g.C / p.groups, p.Og = p.O / p.groups;
  p.K = p.Cg * p.g.kh * p.g.kw, p.P = p.g.Ho * p.g.Wo, p.NP = p.g.N * p.P;
  return p;
}

// Per-thread scratch of at least n elements.
template <class S>
S* scratch(std::vector<S>& buf, std::int64_t n) {
  if (static_cast<std::int64_t>(buf.size()) < n) buf.resize(static_cast<std::size_t>(n));
  return buf.data();
}
// col holds the columns of `seen` (a copy of the input they came from) under
// geometry `key`, when `valid`: backward reuses the forward's columns after
// checking that the input is bitwise the same, instead of building them again.
template <class S>
struct Scratch {
  std::vector<S> col, rows, dcol, seen;
  std::array<std::int64_t, 12> key{};
  bool valid = false;
};
template <class S>
Scratch<S>& thread_scratch() {
  thread_local Scratch<S> s;
  return s;
}

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

// The rows of im2col/col2im are short (Wo elements): GCC would turn their
// copy and fill loops into memmove/memset calls, whose call overhead then
// dominates. Keep them inline.
#if defined(__GNUC__) && !defined(__clang__)
#define VT_INLINE_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define VT_INLINE_LOOPS
#endif

// col[k, n*P + p] = x[n, c0 + c, row, col] for k = (c, i, j), zero in the padding.
// Bounds are settled per (i, j, oh) so the inner loop is a plain (strided) copy.
template <class S>
VT_INLINE_LOOPS void im2col(const ConvPlan& p, const S* x, std::int64_t c0, S* col) {
  const Window2d& g = p.g;
  for (std::int64_t c = 0; c < p.Cg; ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const ColRange cr = col_range(g, j);
        S* out = col + ((c * g.kh + i) * g.kw + j) * p.NP;
        for (std::int64_t n = 0; n < g.N; ++n) {
          const S* plane = x + (n * g.C + c0 + c) * g.H * g.W;
          for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
            const std::int64_t r = g.row(oh, i);
            S* dst = out + n * p.P + oh * g.Wo;
            if (r < 0 || r >= g.H) {
              for (std::int64_t ow = 0; ow < g.Wo; ++ow) dst[ow] = S(0);
              continue;
            }
            for (std::int64_t ow = 0; ow < cr.lo; ++ow) dst[ow] = S(0);
            const S* src = plane + r * g.W + cr.base + cr.lo * g.sw;  // input column of ow = lo
            if (g.sw == 1)
              for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[cr.lo + k] = src[k];
            else
              for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[cr.lo + k] = src[k * g.sw];
            for (std::int64_t ow = cr.hi; ow < g.Wo; ++ow) dst[ow] = S(0);
          }
        }
      }
}

// dx[n, c0 + c, row, col] += dcol[k, n*P + p] (the adjoint of im2col; padding
// taps are dropped).
template <class S>
VT_INLINE_LOOPS void col2im(const ConvPlan& p, const S* dcol, std::int64_t c0, S* dx) {
  const Window2d& g = p.g;
  for (std::int64_t c = 0; c < p.Cg; ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const ColRange cr = col_range(g, j);
        const S* in = dcol + ((c * g.kh + i) * g.kw + j) * p.NP;
        for (std::int64_t n = 0; n < g.N; ++n) {
          S* plane = dx + (n * g.C + c0 + c) * g.H * g.W;
          for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
            const std::int64_t r = g.row(oh, i);
            if (r < 0 || r >= g.H) continue;
            const S* src = in + n * p.P + oh * g.Wo + cr.lo;
            S* dst = plane + r * g.W + cr.base + cr.lo * g.sw;  // input column of ow = lo
            if (g.sw == 1)
              for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[k] += src[k];
            else
              for (std::int64_t k = 0; k < cr.hi - cr.lo; ++k) dst[k * g.sw] += src[k];
          }
        }
      }
}

// Builds the columns of input x for group gi into s.col, or keeps them when
// s.col already holds exactly those (same geometry, same input bits): the
// forward's columns serve the weight gradient. Only for one group (col then
// covers the whole input).
template <class S>
const S* columns(const ConvPlan& p, const Dense<S>& x, std::int64_t gi, Scratch<S>& s) {
  const Window2d& g = p.g;
  const std::array<std::int64_t, 12> key{g.N, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw};
  const std::size_t bytes = x.data.size() * sizeof(S);
  S* col = scratch(s.col, p.K * p.NP);
  if (p.groups == 1 && s.valid && s.key == key && s.seen.size() == x.data.size() &&
      std::memcmp(s.seen.data(), x.data.data(), bytes) == 0)
    return col;
  im2col(p, x.data.data(), gi * p.Cg, col);
  s.valid = p.groups == 1;
  if (s.valid) s.key = key, s.seen = x.data;
  return col;
}

}  // namespace

template <class S>
void conv2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const ConvPlan p = plan(in[0]->shape, in[1]->shape, attrs);
  if (y.numel() == 0) return;
  Scratch<S>& s = thread_scratch<S>();
  S* rows = scratch(s.rows, p.Og * p.NP);  // [Og, N*P]: the group's outputs, image-major columns
  for (std::int64_t gi = 0; gi < p.groups; ++gi) {
    const S* col = columns(p, *in[0], gi, s);
    gemm<S>(false, false, p.Og, p.NP, p.K, 1, in[1]->data.data() + gi * p.Og * p.K, p.K, col, p.NP, 0, rows, p.NP);
    for (std::int64_t o = 0; o < p.Og; ++o) {
      const std::int64_t oc = gi * p.Og + o;
      const S bias = in.size() == 3 ? (*in[2])[oc] : S(0);
      for (std::int64_t n = 0; n < p.g.N; ++n) {
        const S* src = rows + o * p.NP + n * p.P;
        S* dst = y.data.data() + (n * p.O + oc) * p.P;
        for (std::int64_t q = 0; q < p.P; ++q) dst[q] = src[q] + bias;
      }
    }
  }
}

template <class S>
void conv2d_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                std::span<const bool> overwrite) {
  const auto stale = [&](std::size_t i) { return i < overwrite.size() && overwrite[i]; };
  for (std::size_t i = 0; i < dx.size(); ++i)
    if (dx[i] && stale(i) && i != 1) std::fill(dx[i]->data.begin(), dx[i]->data.end(), S(0));
  const ConvPlan p = plan(in[0]->shape, in[1]->shape, attrs);
  if (g.numel() == 0 || p.K == 0) {
    if (dx[1] && stale(1)) std::fill(dx[1]->data.begin(), dx[1]->data.end(), S(0));
    return;
  }
  Scratch<S>& s = thread_scratch<S>();
  S* rows = scratch(s.rows, p.Og * p.NP);
  S* dcol = dx[0] ? scratch(s.dcol, p.K * p.NP) : nullptr;
  for (std::int64_t gi = 0; gi < p.groups; ++gi) {
    for (std::int64_t o = 0; o < p.Og; ++o)  // the group's cotangent as [Og, N*P]
      for (std::int64_t n = 0; n < p.g.N; ++n) {
        const S* src = g.data.data() + (n * p.O + gi * p.Og + o) * p.P;
        std::copy(src, src + p.P, rows + o * p.NP + n * p.P);
      }
    const S* w = in[1]->data.data() + gi * p.Og * p.K;
    if (dx[1]) {
      const S* col = columns(p, *in[0], gi, s);
      gemm<S>(false, true, p.Og, p.K, p.NP, 1, rows, p.NP, col, p.NP, stale(1) ? 0 : 1, dx[1]->data.data() + gi * p.Og * p.K, p.K);
    }
    if (dx[0]) {
      gemm<S>(true, false, p.K, p.NP, p.Og, 1, w, p.K, rows, p.NP, 0, dcol, p.NP);
      col2im(p, dcol, gi * p.Cg, dx[0]->data.data());
    }
    if (in.size() == 3 && dx[2])
      for (std::int64_t o = 0; o < p.Og; ++o) {
        S acc = 0;
        for (std::int64_t q = 0; q < p.NP; ++q) acc += rows[o * p.NP + q];
        (*dx[2])[gi * p.Og + o] += acc;
      }
  }
}

template void conv2d_forward<float>(spec::Ins<float>, const spec::AttrMap&, Dense<float>&);
template void conv2d_forward<double>(spec::Ins<double>, const spec::AttrMap&, Dense<double>&);
template void conv2d_vjp<float>(spec::Ins<float>, const Dense<float>&, const spec::AttrMap&, spec::Grads<float>,
                                std::span<const bool>);
template void conv2d_vjp<double>(spec::Ins<double>, const Dense<double>&, const spec::AttrMap&, spec::Grads<double>,
                                 std::span<const bool>);

}  // namespace vt::rt
