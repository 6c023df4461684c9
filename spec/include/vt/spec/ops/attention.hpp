#pragma once
// scaled_dot_product_attention(q [..., L, E], k [..., S, E], v [..., S, Ev])
// {scale = 1/sqrt(E), causal = false} -> [..., L, Ev]
// (torch.nn.functional.scaled_dot_product_attention without dropout or an
// explicit mask). q, k and v share their leading (batch) axes exactly; heads
// are one of those axes. For each batch z and query row i:
//   s_j = (sum_e q[i,e] k[j,e]) * scale,   j < n_i  (n_i = S, or min(i+1, S) when causal:
//                                                    torch's top-left aligned is_causal)
//   p_j = exp(s_j - m) / sum_{j' < n_i} exp(s_j' - m),  m = max_j s_j  (any shift cancels)
//   y[i,c] = sum_j p_j v[j,c]
// VJP, with dP_j = sum_c g[i,c] v[j,c] and dS_j = p_j (dP_j - sum_j' p_j' dP_j'):
//   dv[j,c] += p_j g[i,c];  dq[i,e] += (sum_j dS_j k[j,e]) * scale;  dk[j,e] += (dS_j scale) q[i,e]
// This is the composite softmax(q k^T * scale) v written as one op, so that
// runtimes can fuse it (runtime/src/kernels/fast_attention.cpp); spec/attention.hpp
// builds the same function from primitives, and the tests hold the two equal.
// Transcendental (exp); the float bound is derived in reference/contract_bounds.cpp.
#include <cmath>

#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

struct ScaledDotProductAttention {
  static constexpr std::string_view name = "scaled_dot_product_attention",
                                    math = "y = softmax(q@k^T*scale, causal mask)@v; dv += P^T@g; "
                                           "dS = P*(g@v^T - rowsum(P*(g@v^T))); dq += dS@k*scale; dk += dS^T@q*scale";
  static constexpr int min_arity = 3, max_arity = 3;
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  static constexpr std::array<AttrSpec, 2> attrs{{{"scale", AttrKind::Float}, {"causal", AttrKind::Bool}}};
  static constexpr bool differentiable(int) { return true; }

  // The sizes of one call: Z batches of L queries over S keys.
  struct Dims {
    std::int64_t Z, L, S, E, Ev;
    bool causal;
    // Keys visible to query row i.
    std::int64_t keys(std::int64_t i) const { return causal ? std::min(i + 1, S) : S; }
  };
  static Dims dims(const Shape& q, const Shape& v, const AttrMap& a) {
    const std::size_t r = q.rank();
    const std::int64_t L = q[r - 2], E = q[r - 1], S = v[r - 2], Ev = v[r - 1];
    return Dims{Shape(IntList(q.dims().begin(), q.dims().end() - 2)).numel(), L, S, E, Ev, a.get_bool_or("causal", false)};
  }

  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    for (int i = 0; i < 3; ++i) {
      rule::require_float(in[i], i);
      rule::require_same_dtype(in[0], in[i]);
      rule::require_rank_at_least(in[i], i, 2);
    }
    const Shape &q = in[0].shape, &k = in[1].shape, &v = in[2].shape;
    const auto fail = [&](const std::string& why) {
      return ShapeError("scaled_dot_product_attention " + why + ": q " + to_string(in[0]) + ", k " + to_string(in[1]) +
                        ", v " + to_string(in[2]));
    };
    if (k.rank() != q.rank() || v.rank() != q.rank()) throw fail("needs q, k and v of one rank");
    for (std::size_t d = 0; d + 2 < q.rank(); ++d)
      if (k[d] != q[d] || v[d] != q[d]) throw fail("needs equal batch axes (no broadcasting)");
    const std::size_t r = q.rank();
    if (k[r - 1] != q[r - 1]) throw fail("needs q and k with the same last axis (E)");
    if (q[r - 1] == 0) throw fail("needs E >= 1");
    if (v[r - 2] != k[r - 2]) throw fail("needs k and v with the same number of keys (S)");
    if (a.has("scale") && !std::isfinite(a.get_float("scale"))) throw fail("needs a finite scale");
    Shape out = q;
    out.dims().back() = v[r - 1];
    return TensorType{in[0].dtype, out};
  }

  // scale as the node's scalar type: the attribute, else 1/sqrt(E) (an
  // enclosure of the real value for intervals; rounded twice in floats).
  template <class S>
  static S scale_of(const S& like, const AttrMap& a, std::int64_t E) {
    if (a.has("scale")) return ScalarTraits<S>::from_double(like, a.get_float("scale"));
    return K(like, 1) / math::sqrt(K(like, static_cast<long>(E)));
  }

  // p[0..n_i) for query row i of batch z (offsets of the batch given).
  template <class S>
  static std::int64_t probabilities(const Dense<S>& q, const Dense<S>& k, const Dims& d, std::int64_t qo, std::int64_t ko,
                                    std::int64_t i, const S& scale, std::vector<S>& p) {
    const std::int64_t n = d.keys(i);
    p.assign(static_cast<std::size_t>(n), K(scale, 0));
    for (std::int64_t j = 0; j < n; ++j) {
      S acc = K(scale, 0);
      for (std::int64_t e = 0; e < d.E; ++e) acc += q[qo + i * d.E + e] * k[ko + j * d.E + e];
      p[static_cast<std::size_t>(j)] = acc * scale;
    }
    if (n == 0) return 0;
    S m = p[0];
    for (std::int64_t j = 1; j < n; ++j)
      if (ScalarTraits<S>::prefer_second(m, p[static_cast<std::size_t>(j)])) m = p[static_cast<std::size_t>(j)];
    S sum = K(scale, 0);
    for (S& v : p) v = math::exp(S(v - m)), sum += v;
    for (S& v : p) v = v / sum;
    return n;
  }

  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>&q = *in[0], &k = *in[1], &v = *in[2];
    const Dims d = dims(q.shape, v.shape, a);
    if (y.numel() == 0 || d.S == 0) return;  // no keys: y stays zero (torch gives NaN)
    const S scale = scale_of(v[0], a, d.E);
    std::vector<S> p;
    for (std::int64_t z = 0; z < d.Z; ++z) {
      const std::int64_t qo = z * d.L * d.E, ko = z * d.S * d.E, vo = z * d.S * d.Ev, yo = z * d.L * d.Ev;
      for (std::int64_t i = 0; i < d.L; ++i) {
        const std::int64_t n = probabilities(q, k, d, qo, ko, i, scale, p);
        for (std::int64_t c = 0; c < d.Ev; ++c) {
          S acc = y[yo + i * d.Ev + c];  // arrives as zero
          for (std::int64_t j = 0; j < n; ++j) acc += p[static_cast<std::size_t>(j)] * v[vo + j * d.Ev + c];
          y[yo + i * d.Ev + c] = acc;
        }
      }
    }
  }

  // drop_correction: the planted bug attention_drops_softmax_correction
  // (dS_j = p_j dP_j, the softmax VJP without its subtraction).
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx,
                  bool drop_correction = false) {
    const Dense<S>&q = *in[0], &k = *in[1], &v = *in[2];
    const Dims d = dims(q.shape, v.shape, a);
    if (y.numel() == 0 || d.S == 0) return;
    const S scale = scale_of(v[0], a, d.E);
    std::vector<S> p, dS;
    for (std::int64_t z = 0; z < d.Z; ++z) {
      const std::int64_t qo = z * d.L * d.E, ko = z * d.S * d.E, vo = z * d.S * d.Ev, go = z * d.L * d.Ev;
      for (std::int64_t i = 0; i < d.L; ++i) {
        const std::int64_t n = probabilities(q, k, d, qo, ko, i, scale, p);
        dS.assign(static_cast<std::size_t>(n), K(scale, 0));
        S dot = K(scale, 0);
        for (std::int64_t j = 0; j < n; ++j) {
          const S pj = p[static_cast<std::size_t>(j)];
          S dP = K(scale, 0);
          for (std::int64_t c = 0; c < d.Ev; ++c) {
            const S gc = g[go + i * d.Ev + c];
            dP += gc * v[vo + j * d.Ev + c];
            if (dx[2]) (*dx[2])[vo + j * d.Ev + c] += pj * gc;
          }
          dS[static_cast<std::size_t>(j)] = dP;
          dot += pj * dP;
        }
        for (std::int64_t j = 0; j < n; ++j) {
          S& s = dS[static_cast<std::size_t>(j)];
          s = drop_correction ? S(p[static_cast<std::size_t>(j)] * s) : S(p[static_cast<std::size_t>(j)] * (s - dot));
        }
        if (dx[0])
          for (std::int64_t e = 0; e < d.E; ++e) {
            S acc = K(scale, 0);
            for (std::int64_t j = 0; j < n; ++j) acc += dS[static_cast<std::size_t>(j)] * k[ko + j * d.E + e];
            (*dx[0])[qo + i * d.E + e] += acc * scale;
          }
        if (dx[1])
          for (std::int64_t j = 0; j < n; ++j) {
            const S w = dS[static_cast<std::size_t>(j)] * scale;
            for (std::int64_t e = 0; e < d.E; ++e) (*dx[1])[ko + j * d.E + e] += w * q[qo + i * d.E + e];
          }
      }
    }
  }
};

}  // namespace vt::spec::ops
