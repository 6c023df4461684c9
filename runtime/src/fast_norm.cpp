#include "fast_norm.hpp"

#include "kernel_scratch.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace vt::rt {

using spec::Dense;
using LayerNorm = spec::ops::LayerNorm;

// Group sums in 16 partial sums: a float sum in strict order is one dependent
// chain (4 cycles an add); 16 chains vectorize.
template <class S, class F>
S lanes_sum(std::int64_t n, F&& f) {
  return detail::partial_sums<16, S>(n, std::forward<F>(f));
}

template <class S>
void layer_norm_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const std::int64_t n = LayerNorm::group(attrs), total = in[0]->numel();
  const S eps = static_cast<S>(spec::ops::norm::eps_of(attrs)), nn = static_cast<S>(n);
  const S* w = in.size() > 1 ? in[1]->data.data() : nullptr;
  const S* b = in.size() > 2 ? in[2]->data.data() : nullptr;
  for (std::int64_t o = 0; o < total; o += n) {
    const S* x = in[0]->data.data() + o;
    S* yo = y.data.data() + o;
    const S mu = lanes_sum<S>(n, [x](std::int64_t k) { return x[k]; }) / nn;
    const S sq = lanes_sum<S>(n, [x, mu](std::int64_t k) { return S((x[k] - mu) * (x[k] - mu)); });
    const S s = std::sqrt(S(sq / nn + eps));
    for (std::int64_t k = 0; k < n; ++k) {
      S z = (x[k] - mu) / s;
      if (w) z = z * w[k];
      if (b) z = z + b[k];
      yo[k] = z;
    }
  }
}

template <class S>
void layer_norm_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                    std::span<const bool> overwrite) {
  for (std::size_t i = 0; i < dx.size(); ++i)
    if (dx[i] && i < overwrite.size() && overwrite[i]) std::fill(dx[i]->data.begin(), dx[i]->data.end(), S(0));
  const std::int64_t n = LayerNorm::group(attrs), total = in[0]->numel();
  const S eps = static_cast<S>(spec::ops::norm::eps_of(attrs)), nn = static_cast<S>(n);
  const S* w = in.size() > 1 ? in[1]->data.data() : nullptr;
  S* dw = in.size() > 1 && dx[1] ? dx[1]->data.data() : nullptr;
  S* db = in.size() > 2 && dx[2] ? dx[2]->data.data() : nullptr;
  thread_local std::vector<S> zs, gps;
  zs.resize(static_cast<std::size_t>(n)), gps.resize(static_cast<std::size_t>(n));
  S *z = zs.data(), *gp = gps.data();
  // norm::vjp's steps: c_k = n x_k - sum, var = sum c^2 / n^3, s = sqrt(var + eps),
  // z_k = c_k / (n s), g'_k = g_k (w_k / s), dx_k += g'_k - mean(g') - z_k mean(g' z).
  for (std::int64_t o = 0; o < total; o += n) {
    const S *x = in[0]->data.data() + o, *go = g.data.data() + o;
    const S sum = lanes_sum<S>(n, [x](std::int64_t k) { return x[k]; });
    for (std::int64_t k = 0; k < n; ++k) z[k] = nn * x[k] - sum;
    const S sq = lanes_sum<S>(n, [z](std::int64_t k) { return S(z[k] * z[k]); });
    const S s = std::sqrt(S(sq / (nn * nn * nn) + eps)), ns = nn * s;
    for (std::int64_t k = 0; k < n; ++k) {
      z[k] = z[k] / ns;
      gp[k] = w ? S(go[k] * (w[k] / s)) : S(go[k] / s);
    }
    if (dw)
      for (std::int64_t k = 0; k < n; ++k) dw[k] += go[k] * z[k];
    if (db)
      for (std::int64_t k = 0; k < n; ++k) db[k] += go[k];
    if (!dx[0] || n == 1) continue;
    const S mg = lanes_sum<S>(n, [gp](std::int64_t k) { return gp[k]; }) / nn;
    const S mgz = lanes_sum<S>(n, [gp, z](std::int64_t k) { return S(gp[k] * z[k]); }) / nn;
    S* d = dx[0]->data.data() + o;
    for (std::int64_t k = 0; k < n; ++k) d[k] += gp[k] - mg - z[k] * mgz;
  }
}

template void layer_norm_forward<float>(spec::Ins<float>, const spec::AttrMap&, Dense<float>&);
template void layer_norm_forward<double>(spec::Ins<double>, const spec::AttrMap&, Dense<double>&);
template void layer_norm_vjp<float>(spec::Ins<float>, const Dense<float>&, const spec::AttrMap&, spec::Grads<float>,
                                    std::span<const bool>);
template void layer_norm_vjp<double>(spec::Ins<double>, const Dense<double>&, const spec::AttrMap&, spec::Grads<double>,
                                     std::span<const bool>);

}  // namespace vt::rt
