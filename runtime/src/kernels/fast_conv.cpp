#include "fast_conv.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "im2col.hpp"
#include "kernel_scratch.hpp"
#include "vt/spec/mutation.hpp"
#include "vt/runtime/blas.hpp"

namespace vt::rt {

namespace {

using spec::Dense;
using spec::ops::Conv2d;
using spec::ops::Window2d;

// The sizes one conv2d call works with.
struct ConvPlan {
  Window2d g;
  std::int64_t O, groups, Cg, Og, K, P;  // K = Cg*kh*kw rows of a column, P = Ho*Wo columns
};
ConvPlan plan(const spec::Shape& x, const spec::Shape& w, const spec::AttrMap& a) {
  ConvPlan p{Conv2d::geometry(x, w, a), w[0], a.get_int_or("groups", 1), 0, 0, 0, 0};
  p.Cg = p.g.C / p.groups, p.Og = p.O / p.groups;
  p.K = p.Cg * p.g.kh * p.g.kw, p.P = p.g.Ho * p.g.Wo;
  return p;
}

using detail::grown;
// col holds the columns of `seen` (a copy of the input they came from) under
// geometry `key`, when `valid`: backward reuses the forward's columns after
// checking that the input is bitwise the same, instead of building them again.
template <class S>
struct Scratch {
  std::vector<S> col, one, dcol, dwt, gt, seen;  // col: every (image, group) block; one: a single block
  std::array<std::int64_t, 13> key{};
  bool valid = false;
};
template <class S>
Scratch<S>& thread_scratch() {
  thread_local Scratch<S> s;
  return s;
}

// x[0] + ... + x[n-1] in interleaved partial sums, which vectorize (the
// contract allows any order of the sum).
template <class S>
S sum(const S* x, std::int64_t n) {
  return detail::partial_sums<kConvBiasLanes, S>(n, [x](std::int64_t k) { return x[k]; });
}

// The cache key: the geometry the columns were built under.
std::array<std::int64_t, 13> key_of(const ConvPlan& p) {
  const Window2d& g = p.g;
  return {g.N, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, p.groups};
}

// Where image n's columns for group gi live in the column buffer.
template <class S>
S* block(const ConvPlan& p, S* col, std::int64_t n, std::int64_t gi) {
  return col + (n * p.groups + gi) * p.K * p.P;
}

}  // namespace

// Per image and group: its columns [K, P], then W_g [Og, K] x columns lands
// straight in y[n]'s channels of the group ([Og, P], NCHW). Small products,
// but each one's operands stay in L1/L2 and OpenBLAS takes its small-matrix
// path; this beat one product over the whole batch (whose [K, N*P] columns
// spill L2, and whose [Og, N*P] result needs a copy into NCHW).
template <class S>
void conv2d_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const ConvPlan p = plan(in[0]->shape, in[1]->shape, attrs);
  if (y.numel() == 0) return;
  Scratch<S>& s = thread_scratch<S>();
  S* col = grown(s.col, p.g.N * p.groups * p.K * p.P);
  s.valid = false;
  const Window2d& g = p.g;
  const bool bias_first = spec::mutation::planted(spec::mutation::Mutant::fast_conv_bias_first_of_group);
  for (std::int64_t n = 0; n < g.N; ++n)
    for (std::int64_t gi = 0; gi < p.groups; ++gi) {
      S* c = block(p, col, n, gi);
      im2col(p.g, p.Cg, in[0]->data.data() + (n * g.C + gi * p.Cg) * g.H * g.W, c);
      S* out = y.data.data() + (n * p.O + gi * p.Og) * p.P;
      gemm<S>(false, false, p.Og, p.P, p.K, 1, in[1]->data.data() + gi * p.Og * p.K, p.K, c, p.P, 0, out, p.P);
      if (in.size() == 3)
        for (std::int64_t o = 0; o < p.Og; ++o) {
          // (planted bug, spec/mutation.hpp: the group's first bias for all its channels)
          const S bias = (*in[2])[gi * p.Og + (bias_first ? 0 : o)];
          for (std::int64_t q = 0; q < p.P; ++q) out[o * p.P + q] += bias;
        }
    }
  s.valid = true, s.key = key_of(p), s.seen = in[0]->data;
}

// Per image and group, on g's own layout (g[n]'s channels of the group are
// [Og, P]): dW_g += g_n x columns^T, and dx by W_g^T x g_n into column space,
// scattered back at once while it is in L1. With long columns (K >= 64) dW_g
// is summed transposed instead, dW_g^T += columns x g_n^T with g_n^T a small
// copy: OpenBLAS's plain (nn) small-matrix kernel ran that about 1.4x faster
// than the nt product; shorter columns do not repay the copies.
template <class S>
void conv2d_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                std::span<const bool> overwrite) {
  const auto stale = [&](std::size_t i) { return detail::overwrites(overwrite, i); };
  const ConvPlan p = plan(in[0]->shape, in[1]->shape, attrs);
  if (g.numel() == 0 || p.K == 0) return detail::zero_stale(dx, overwrite);
  // dW is written whole by its first product (beta 0 when stale); the rest accumulate.
  for (std::size_t i = 0; i < dx.size(); ++i)
    if (dx[i] && stale(i) && i != 1) std::fill(dx[i]->data.begin(), dx[i]->data.end(), S(0));
  Scratch<S>& s = thread_scratch<S>();
  const Dense<S>& x = *in[0];
  // The forward's columns serve dW when they came from exactly this input.
  const bool cached = s.valid && s.key == key_of(p) && s.seen.size() == x.data.size() &&
                      std::memcmp(s.seen.data(), x.data.data(), x.data.size() * sizeof(S)) == 0;
  S* own = dx[1] && !cached ? grown(s.one, p.K * p.P) : nullptr;
  S* dcol = dx[0] ? grown(s.dcol, p.K * p.P) : nullptr;
  const bool transposed = dx[1] && p.K >= kConvTransposedMinK;
  S* dwt = transposed ? grown(s.dwt, p.groups * p.K * p.Og) : nullptr;  // per group [K, Og]
  S* gt = transposed ? grown(s.gt, p.P * p.Og) : nullptr;                // g_n^T: [P, Og]
  const Window2d& w = p.g;
  using spec::mutation::Mutant;  // (planted bugs, spec/mutation.hpp)
  const bool dw_overwrites = spec::mutation::planted(Mutant::fast_conv_dw_overwrites),
             dx_first_image = spec::mutation::planted(Mutant::fast_conv_dx_reads_first_image),
             bias_skips_last = spec::mutation::planted(Mutant::fast_conv_bias_skips_last_image),
             dwt_overwrites = spec::mutation::planted(Mutant::fast_conv_dw_transposed_overwrites);
  for (std::int64_t n = 0; n < w.N; ++n)
    for (std::int64_t gi = 0; gi < p.groups; ++gi) {
      const S* gn = g.data.data() + (n * p.O + gi * p.Og) * p.P;
      const S* wg = in[1]->data.data() + gi * p.Og * p.K;
      S* xplane = nullptr;
      if (dx[0]) xplane = dx[0]->data.data() + (n * w.C + gi * p.Cg) * w.H * w.W;
      if (dx[1]) {
        const S* col = cached ? block(p, s.col.data(), n, gi) : own;
        if (!cached) im2col(p.g, p.Cg, x.data.data() + (n * w.C + gi * p.Cg) * w.H * w.W, own);
        if (transposed) {
          for (std::int64_t q = 0; q < p.P; ++q)
            for (std::int64_t o = 0; o < p.Og; ++o) gt[q * p.Og + o] = gn[o * p.P + q];
          gemm<S>(false, false, p.K, p.Og, p.P, 1, col, p.P, gt, p.Og, n == 0 || dwt_overwrites ? 0 : 1, dwt + gi * p.K * p.Og, p.Og);
        } else {
          const S beta = (n == 0 && stale(1)) || dw_overwrites ? 0 : 1;
          gemm<S>(false, true, p.Og, p.K, p.P, 1, gn, p.P, col, p.P, beta, dx[1]->data.data() + gi * p.Og * p.K, p.K);
        }
      }
      if (dx[0]) {
        const S* gdx = dx_first_image ? g.data.data() + gi * p.Og * p.P : gn;
        gemm<S>(true, false, p.K, p.P, p.Og, 1, wg, p.K, gdx, p.P, 0, dcol, p.P);
        col2im(p.g, p.Cg, dcol, xplane);
      }
      if (in.size() == 3 && dx[2] && !(bias_skips_last && w.N > 1 && n == w.N - 1))
        for (std::int64_t o = 0; o < p.Og; ++o) (*dx[2])[gi * p.Og + o] += sum(gn + o * p.P, p.P);
    }
  if (transposed) {
    S* dw = dx[1]->data.data();
    for (std::int64_t gi = 0; gi < p.groups; ++gi)
      for (std::int64_t o = 0; o < p.Og; ++o)
        for (std::int64_t k = 0; k < p.K; ++k) {
          S& d = dw[(gi * p.Og + o) * p.K + k];
          d = (stale(1) ? S(0) : d) + dwt[(gi * p.K + k) * p.Og + o];
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
