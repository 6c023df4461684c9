#include "fast_attention.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernel_scratch.hpp"
#include "vt/runtime/blas.hpp"
#include "vt/spec/mutation.hpp"

namespace vt::rt {

namespace {

using spec::Dense;
using Op = spec::ops::ScaledDotProductAttention;

using detail::grown;

// The probabilities of a recent forward call, with copies of the q and k they
// came from: the backward reuses them after checking its q and k are bitwise
// those (a memcmp, far cheaper than the logits GEMM and the exps again).
// Several slots, so that a model with a few attention layers finds each.

template <class S>
struct Saved {
  std::array<double, 6> key{};  // Z, L, S, E, causal, scale
  const S* source = nullptr;    // where q lived (to pick the slot to reuse, never trusted)
  std::vector<S> q, k, P;
  bool valid = false;
};
template <class S>
struct Scratch {
  std::vector<S> P, dS;
  std::array<Saved<S>, 4> saved;
  std::size_t next = 0;  // the slot to fill when no slot holds this node's q
};
template <class S>
Scratch<S>& thread_scratch() {
  thread_local Scratch<S> s;
  return s;
}

std::array<double, 6> key_of(const Op::Dims& d, double scale) {
  return {double(d.Z), double(d.L), double(d.S), double(d.E), d.causal ? 1.0 : 0.0, scale};
}
template <class S>
bool same(const std::vector<S>& saved, const Dense<S>& now) {
  return saved.size() == now.data.size() && std::memcmp(saved.data(), now.data.data(), saved.size() * sizeof(S)) == 0;
}

// P[L, S] = softmax(q k^T * scale) of batch z, rows past their visible keys zero.
template <class S>
void probabilities(const Op::Dims& d, const S* q, const S* k, S scale, S* P) {
  gemm<S>(false, true, d.L, d.S, d.E, 1, q, d.E, k, d.E, 0, P, d.S);
  // (planted bug, spec/mutation.hpp: a causal row sees one key too many)
  const bool next = d.causal && spec::mutation::planted(spec::mutation::Mutant::fast_attention_causal_sees_next);
  for (std::int64_t i = 0; i < d.L; ++i) {
    S* row = P + i * d.S;
    const std::int64_t n = next ? std::min(d.keys(i) + 1, d.S) : d.keys(i);
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
  Scratch<S>& s = thread_scratch<S>();
  Saved<S>* keep = nullptr;  // none when P is too large to keep: the backward recomputes it
  if (d.Z * d.L * d.S <= kAttentionMaxSaved) {
    auto slot = std::find_if(s.saved.begin(), s.saved.end(), [&](const Saved<S>& v) { return v.source == in[0]->data.data(); });
    keep = slot != s.saved.end() ? &*slot : &s.saved[s.next++ % s.saved.size()];
    keep->valid = false;
  }
  S* P = keep ? grown(keep->P, d.Z * d.L * d.S) : grown(s.P, d.L * d.S);
  const std::int64_t stride = keep ? d.L * d.S : 0;
  for (std::int64_t z = 0; z < d.Z; ++z) {
    S* Pz = P + z * stride;
    probabilities(d, in[0]->data.data() + z * d.L * d.E, in[1]->data.data() + z * d.S * d.E, scale, Pz);
    gemm<S>(false, false, d.L, d.Ev, d.S, 1, Pz, d.S, in[2]->data.data() + z * d.S * d.Ev, d.Ev, 0,
            y.data.data() + z * d.L * d.Ev, d.Ev);
  }
  if (!keep) return;
  keep->key = key_of(d, static_cast<double>(scale));
  keep->source = in[0]->data.data();
  keep->q.assign(in[0]->data.begin(), in[0]->data.end());
  keep->k.assign(in[1]->data.begin(), in[1]->data.end());
  keep->valid = true;
}

template <class S>
void attention_vjp(spec::Ins<S> in, const Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
                   std::span<const bool> overwrite) {
  const auto stale = [&](std::size_t i) { return detail::overwrites(overwrite, i); };
  const Op::Dims d = Op::dims(in[0]->shape, in[2]->shape, attrs);
  if (g.numel() == 0 || d.S == 0) return detail::zero_stale(dx, overwrite);
  const S scale = Op::scale_of(S(0), attrs, d.E);
  Scratch<S>& s = thread_scratch<S>();
  const auto key = key_of(d, static_cast<double>(scale));
  // (planted bug, spec/mutation.hpp: a slot of the right shape is trusted without comparing q and k)
  const bool unchecked = spec::mutation::planted(spec::mutation::Mutant::fast_attention_cache_unchecked);
  const auto hit = std::find_if(s.saved.begin(), s.saved.end(), [&](const Saved<S>& v) {
    return v.valid && v.key == key && (unchecked || (same(v.q, *in[0]) && same(v.k, *in[1])));
  });
  const S* saved = hit != s.saved.end() ? hit->P.data() : nullptr;
  S* dS = grown(s.dS, d.L * d.S);
  const S beta_q = stale(0) ? 0 : 1, beta_k = stale(1) ? 0 : 1, beta_v = stale(2) ? 0 : 1;
  for (std::int64_t z = 0; z < d.Z; ++z) {
    const S *q = in[0]->data.data() + z * d.L * d.E, *k = in[1]->data.data() + z * d.S * d.E,
            *v = in[2]->data.data() + z * d.S * d.Ev, *gz = g.data.data() + z * d.L * d.Ev;
    S* fresh = saved ? nullptr : grown(s.P, d.L * d.S);
    if (fresh) probabilities(d, q, k, scale, fresh);
    const S* P = saved ? saved + z * d.L * d.S : fresh;
    if (dx[2]) gemm<S>(true, false, d.S, d.Ev, d.L, 1, P, d.S, gz, d.Ev, beta_v, dx[2]->data.data() + z * d.S * d.Ev, d.Ev);
    if (!dx[0] && !dx[1]) continue;
    gemm<S>(false, true, d.L, d.S, d.Ev, 1, gz, d.Ev, v, d.Ev, 0, dS, d.S);  // dP
    for (std::int64_t i = 0; i < d.L; ++i) {
      const S* p = P + i * d.S;
      S* row = dS + i * d.S;
      const S dot = detail::partial_sums<kAttentionLanes, S>(d.S, [p, row](std::int64_t j) { return S(p[j] * row[j]); });
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
