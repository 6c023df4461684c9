#include "fast_norm.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernel_scratch.hpp"
#include "vt/spec/mutation.hpp"

namespace vt::rt {

namespace {

using spec::Dense;
using detail::grown;
using detail::zero_stale;
using spec::ops::BatchNorm;
using spec::ops::LayerNorm;

// Group sums in kNormLanes (16) partial sums: a float sum in strict order is one dependent
// chain (4 cycles an add); 16 chains vectorize.
template <class S, class F>
S lanes_sum(std::int64_t n, F&& f) {
  return detail::partial_sums<kNormLanes, S>(n, f);
}

// Where a group's n elements lie: `runs` runs of `len` contiguous elements,
// run r at offset + r * stride (layer_norm: one run; batch_norm: a channel,
// one run per image). Strided groups are gathered into scratch first.
struct Group {
  std::int64_t offset, runs, len, stride;
  std::int64_t n() const { return runs * len; }
};
template <class S>
const S* gather(const S* base, const Group& gr, std::vector<S>& buf) {
  if (gr.runs == 1) return base + gr.offset;
  S* p = grown(buf, gr.n());
  for (std::int64_t r = 0; r < gr.runs; ++r) std::copy_n(base + gr.offset + r * gr.stride, gr.len, p + r * gr.len);
  return p;
}
// out[element k of the group] (+)= v[k].
template <class S>
void scatter(const S* v, const Group& gr, S* out, bool add) {
  for (std::int64_t r = 0; r < gr.runs; ++r) {
    S* o = out + gr.offset + r * gr.stride;
    const S* src = v + r * gr.len;
    if (add)
      for (std::int64_t k = 0; k < gr.len; ++k) o[k] += src[k];
    else
      std::copy_n(src, gr.len, o);
  }
}

// The affine weight and bias of element k: per element (layer_norm), one per
// group (batch_norm: its channel's), or none.
template <class S>
struct Affine {
  const S *w = nullptr, *b = nullptr;
  bool per_element = false;
  S weight(std::int64_t k) const { return w[per_element ? k : 0]; }
  S bias(std::int64_t k) const { return b[per_element ? k : 0]; }
};

template <class S>
struct Buffers {
  std::vector<S> x, g, y, z, gp;
};
template <class S>
Buffers<S>& buffers() {
  thread_local Buffers<S> b;
  return b;
}

// y = ((x - mu) / s) w + b over one contiguous group (norm::forward's steps).
template <class S>
void normalize(const S* x, std::int64_t n, S mu, S s, const Affine<S>& a, S* y) {
  for (std::int64_t k = 0; k < n; ++k) {
    S z = (x[k] - mu) / s;
    if (a.w) z = z * a.weight(k);
    if (a.b) z = z + a.bias(k);
    y[k] = z;
  }
}

// mu and s = sqrt(var + eps) of one contiguous group (norm::stats' steps).
template <class S>
std::pair<S, S> statistics(const S* x, std::int64_t n, S eps) {
  const S nn = static_cast<S>(n);
  const S mu = lanes_sum<S>(n, [x](std::int64_t k) { return x[k]; }) / nn;
  const S sq = lanes_sum<S>(n, [x, mu](std::int64_t k) { return S((x[k] - mu) * (x[k] - mu)); });
  return {mu, std::sqrt(S(sq / nn + eps))};
}

// The training-statistics VJP of one contiguous group, norm::vjp's steps:
// c_k = n x_k - sum, var = sum c^2 / n^3, s = sqrt(var + eps), z_k = c_k / (n s),
// g'_k = g_k (w_k / s), dx_k = g'_k - mean(g') - z_k mean(g' z) (returned in
// dx, to be added), dw += sum g z, db += sum g (per element or per group).
template <class S>
void group_vjp(const S* x, const S* g, std::int64_t n, S eps, const Affine<S>& a, S* dx, S* dw, S* db, Buffers<S>& buf) {
  const S nn = static_cast<S>(n);
  S* z = grown(buf.z, n);
  S* gp = grown(buf.gp, n);
  const S sum = lanes_sum<S>(n, [x](std::int64_t k) { return x[k]; });
  for (std::int64_t k = 0; k < n; ++k) z[k] = nn * x[k] - sum;
  const S sq = lanes_sum<S>(n, [z](std::int64_t k) { return S(z[k] * z[k]); });
  // (planted bug, spec/mutation.hpp: eps left out, so a constant group divides by 0)
  const S eps_used = spec::mutation::planted(spec::mutation::Mutant::fast_norm_backward_drops_eps) ? S(0) : eps;
  const S s = std::sqrt(S(sq / (nn * nn * nn) + eps_used)), ns = nn * s;
  for (std::int64_t k = 0; k < n; ++k) {
    z[k] = z[k] / ns;
    gp[k] = a.w ? S(g[k] * (a.weight(k) / s)) : S(g[k] / s);
  }
  if (dw && a.per_element)
    for (std::int64_t k = 0; k < n; ++k) dw[k] += g[k] * z[k];
  if (dw && !a.per_element) dw[0] += lanes_sum<S>(n, [g, z](std::int64_t k) { return S(g[k] * z[k]); });
  if (db && a.per_element)
    for (std::int64_t k = 0; k < n; ++k) db[k] += g[k];
  if (db && !a.per_element) db[0] += lanes_sum<S>(n, [g](std::int64_t k) { return g[k]; });
  if (!dx) return;
  if (n == 1) {  // a group of one normalizes to 0 whatever x is
    dx[0] = 0;
    return;
  }
  // (planted bug, spec/mutation.hpp: the mean term left out)
  const S mg = spec::mutation::planted(spec::mutation::Mutant::fast_norm_drops_mean_term)
                   ? S(0)
                   : lanes_sum<S>(n, [gp](std::int64_t k) { return gp[k]; }) / nn;
  const S mgz = lanes_sum<S>(n, [gp, z](std::int64_t k) { return S(gp[k] * z[k]); }) / nn;
  for (std::int64_t k = 0; k < n; ++k) dx[k] = gp[k] - mg - z[k] * mgz;
}

// Calls f(group, c) for each batch_norm channel c of x [N, C, ...].
template <class F>
void channel_groups(const spec::Shape& s, F&& f) {
  const std::int64_t N = s[0], C = s[1], inner = C == 0 || N == 0 ? 0 : s.numel() / (N * C);
  if (N * inner == 0) return;
  for (std::int64_t c = 0; c < C; ++c) f(Group{c * inner, N, inner, C * inner}, c);
}

}  // namespace

template <class S>
void layer_norm_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const std::int64_t n = LayerNorm::group(attrs), total = in[0]->numel();
  const S eps = static_cast<S>(spec::ops::norm::eps_of(attrs));
  const Affine<S> a{in.size() > 1 ? in[1]->data.data() : nullptr, in.size() > 2 ? in[2]->data.data() : nullptr, true};
  for (std::int64_t o = 0; o < total; o += n) {
    const S* x = in[0]->data.data() + o;
    const auto [mu, s] = statistics(x, n, eps);
    normalize(x, n, mu, s, a, y.data.data() + o);
  }
}

template <class S>
void layer_norm_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite) {
  zero_stale(dx, overwrite);
  const std::int64_t n = LayerNorm::group(attrs), total = in[0]->numel();
  const S eps = static_cast<S>(spec::ops::norm::eps_of(attrs));
  const Affine<S> a{in.size() > 1 ? in[1]->data.data() : nullptr, nullptr, true};
  S* dw = in.size() > 1 && dx[1] ? dx[1]->data.data() : nullptr;
  S* db = in.size() > 2 && dx[2] ? dx[2]->data.data() : nullptr;
  Buffers<S>& buf = buffers<S>();
  S* d = dx[0] ? grown(buf.y, n) : nullptr;
  for (std::int64_t o = 0; o < total; o += n) {
    group_vjp(in[0]->data.data() + o, g.data.data() + o, n, eps, a, d, dw, db, buf);
    if (d) scatter(d, Group{o, 1, n, 0}, dx[0]->data.data(), true);
  }
}

template <class S>
void batch_norm_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const S eps = static_cast<S>(spec::ops::norm::eps_of(attrs));
  const bool training = attrs.get_bool_or("training", false);
  Buffers<S>& buf = buffers<S>();
  channel_groups(in[0]->shape, [&](const Group& gr, std::int64_t c) {
    const S* x = gather(in[0]->data.data(), gr, buf.x);
    const auto [mu, s] = training ? statistics(x, gr.n(), eps)
                                  : std::pair<S, S>{(*in[3])[c], std::sqrt(S((*in[4])[c] + eps))};
    S* out = gr.runs == 1 ? y.data.data() + gr.offset : grown(buf.y, gr.n());
    normalize(x, gr.n(), mu, s, Affine<S>{in[1]->data.data() + c, in[2]->data.data() + c, false}, out);
    if (gr.runs > 1) scatter(out, gr, y.data.data(), false);
  });
}

template <class S>
void batch_norm_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite) {
  zero_stale(dx, overwrite);
  const S eps = static_cast<S>(spec::ops::norm::eps_of(attrs));
  const bool training = attrs.get_bool_or("training", false);
  Buffers<S>& buf = buffers<S>();
  channel_groups(in[0]->shape, [&](const Group& gr, std::int64_t c) {
    const std::int64_t n = gr.n();
    const S* x = gather(in[0]->data.data(), gr, buf.x);
    const S* gg = gather(g.data.data(), gr, buf.g);
    S* dw = dx[1] ? dx[1]->data.data() + c : nullptr;
    S* db = dx[2] ? dx[2]->data.data() + c : nullptr;
    S* d = dx[0] ? grown(buf.y, n) : nullptr;
    if (training) {
      group_vjp(x, gg, n, eps, Affine<S>{in[1]->data.data() + c, nullptr, false}, d, dw, db, buf);
    } else {  // running statistics: dx = g (w/s), dw += sum g (x - mu)/s, db += sum g
      const S mu = (*in[3])[c], s = std::sqrt(S((*in[4])[c] + eps)), w_s = (*in[1])[c] / s;
      if (d)
        for (std::int64_t k = 0; k < n; ++k) d[k] = gg[k] * w_s;
      if (dw) *dw += lanes_sum<S>(n, [gg, x, mu, s](std::int64_t k) { return S(gg[k] * ((x[k] - mu) / s)); });
      if (db) *db += lanes_sum<S>(n, [gg](std::int64_t k) { return gg[k]; });
    }
    if (d) scatter(d, gr, dx[0]->data.data(), true);
  });
}

#define VT_NORM_KERNELS(S)                                                                                            \
  template void layer_norm_forward<S>(spec::Ins<S>, const spec::AttrMap&, Dense<S>&);                                 \
  template void layer_norm_vjp<S>(spec::Ins<S>, const Dense<S>&, const spec::AttrMap&, spec::Grads<S>,                \
                                  std::span<const bool>);                                                             \
  template void batch_norm_forward<S>(spec::Ins<S>, const spec::AttrMap&, Dense<S>&);                                 \
  template void batch_norm_vjp<S>(spec::Ins<S>, const Dense<S>&, const spec::AttrMap&, spec::Grads<S>, std::span<const bool>);
VT_NORM_KERNELS(float)
VT_NORM_KERNELS(double)
#undef VT_NORM_KERNELS

}  // namespace vt::rt
