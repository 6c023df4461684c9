#include "fast_attention.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "vt/runtime/blas.hpp"

namespace vt::rt {

namespace {

using spec::Dense;
using Op = spec::ops::ScaledDotProductAttention;

template <class S>
struct Scratch {
  std::vector<S> P, dP;
};
template <class S>
Scratch<S>& thread_scratch() {
  thread_local Scratch<S> s;
  return s;
}
template <class S>
S* sized(std::vector<S>& buf, std::int64_t n) {
  if (static_cast<std::int64_t>(buf.size()) < n) buf.resize(static_cast<std::size_t>(n));
  return buf.data();
}

// P[L, S] = softmax(q k^T * scale) of batch z, rows past their visible keys zero.
template <class S>
void probabilities(const Op::Dims& d, const S* q, const S* k, S scale, S* P) {
  gemm<S>(false, true, d.L, d.S, d.E, 1, q, d.E, k, d.E, 0, P, d.S);
  for (std::int64_t i = 0; i < d.L; ++i) {
    S* row = P + i * d.S;
    const std::int64_t n = d.keys(i);
    S m = row[0] * scale;
    for (std::int64_t j = 0; j < n; ++j) row[j] = row[j] * scale, m = std::max(m, row[j]);
    S sum = 0;
    for (std::int64_t j = 0; j < n; ++j) row[j] = std::exp(row[j] - m), sum += row[j];
    for (std::int64_t j = 0; j < n; ++j) row[j] = row[j] / sum;
    std::fill(row + n, row + d.S, S(0));
  }
}

}  // namespace

template <class S>
void attention_forward(spec::Ins<S> in, const spec::AttrMap& attrs, Dense<S>& y) {
  const Op::Dims d = Op::dims(in[0]->shape, in[2]->shape, attrs);
  if (y.numel() == 0 || d.S == 0) return;
  const S scale = Op::scale_of(S(0), attrs, d.E);
  S* P = sized(thread_scratch<S>().P, d.L * d.S);
  for (std::int64_t z = 0; z < d.Z; ++z) {
    probabilities(d, in[0]->data.data() + z * d.L * d.E, in[1]->data.data() + z * d.S * d.E, scale, P);
    gemm<S>(false, false, d.L, d.Ev, d.S, 1, P, d.S, in[2]->data.data() + z * d.S * d.Ev, d.Ev, 0,
            y.data.data() + z * d.L * d.Ev, d.Ev);
  }
}

template <class S>
void attention_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                   std::span<const bool> overwrite) {
  const auto stale = [&](std::size_t i) { return i < overwrite.size() && overwrite[i]; };
  const Op::Dims d = Op::dims(in[0]->shape, in[2]->shape, attrs);
  if (g.numel() == 0 || d.S == 0) {
    for (std::size_t i = 0; i < dx.size(); ++i)
      if (dx[i] && stale(i)) std::fill(dx[i]->data.begin(), dx[i]->data.end(), S(0));
    return;
  }
  const S scale = Op::scale_of(S(0), attrs, d.E);
  Scratch<S>& s = thread_scratch<S>();
  S* P = sized(s.P, d.L * d.S);
  S* dS = sized(s.dP, d.L * d.S);
  const S beta_q = stale(0) ? 0 : 1, beta_k = stale(1) ? 0 : 1, beta_v = stale(2) ? 0 : 1;
  for (std::int64_t z = 0; z < d.Z; ++z) {
    const S *q = in[0]->data.data() + z * d.L * d.E, *k = in[1]->data.data() + z * d.S * d.E,
            *v = in[2]->data.data() + z * d.S * d.Ev, *gz = g.data.data() + z * d.L * d.Ev;
    probabilities(d, q, k, scale, P);
    if (dx[2]) gemm<S>(true, false, d.S, d.Ev, d.L, 1, P, d.S, gz, d.Ev, beta_v, dx[2]->data.data() + z * d.S * d.Ev, d.Ev);
    if (!dx[0] && !dx[1]) continue;
    gemm<S>(false, true, d.L, d.S, d.Ev, 1, gz, d.Ev, v, d.Ev, 0, dS, d.S);  // dP
    for (std::int64_t i = 0; i < d.L; ++i) {
      const S* p = P + i * d.S;
      S* row = dS + i * d.S;
      S dot = 0;
      for (std::int64_t j = 0; j < d.S; ++j) dot += p[j] * row[j];
      for (std::int64_t j = 0; j < d.S; ++j) row[j] = p[j] * (row[j] - dot);  // masked keys: p = 0
    }
    if (dx[0]) gemm<S>(false, false, d.L, d.E, d.S, scale, dS, d.S, k, d.E, beta_q, dx[0]->data.data() + z * d.L * d.E, d.E);
    if (dx[1]) gemm<S>(true, false, d.S, d.E, d.L, scale, dS, d.S, q, d.E, beta_k, dx[1]->data.data() + z * d.S * d.E, d.E);
  }
}

template void attention_forward<float>(spec::Ins<float>, const spec::AttrMap&, Dense<float>&);
template void attention_forward<double>(spec::Ins<double>, const spec::AttrMap&, Dense<double>&);
template void attention_vjp<float>(spec::Ins<float>, const Dense<float>&, const spec::AttrMap&, spec::Grads<float>,
                                   std::span<const bool>);
template void attention_vjp<double>(spec::Ins<double>, const Dense<double>&, const spec::AttrMap&, spec::Grads<double>,
                                    std::span<const bool>);

}  // namespace vt::rt
