#pragma once
// Matrix products. Inner sums run k = 0..K-1 in order, starting from zero,
// so every backend that claims bitwise equality with this text must do the same.
#include "vt/spec/index_maps.hpp"
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

// matmul(a [..., M, K], b [..., K, N]) -> [..., M, N]; both ranks >= 2, the
// leading (batch) dimensions broadcast as in torch.matmul.
//   y[z, m, n]  = sum_k a[za, m, k] b[zb, k, n]
//   da[za, m, k] += sum_n g[z, m, n] b[zb, k, n]      (da += g b^T, summed over broadcast batches)
//   db[zb, k, n] += sum_m a[za, m, k] g[z, m, n]      (db += a^T g, likewise)
struct Matmul {
  static constexpr std::string_view name = "matmul", math = "y = a@b; da += g@b^T; db += a^T@g (batch-broadcast, summed)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = dot_contract;
  static constexpr int min_arity = 2, max_arity = 2;
  static constexpr std::array<AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int) { return true; }

  static Shape batch(const Shape& s) { return Shape(IntList(s.dims().begin(), s.dims().end() - 2)); }
  // Rounded operations per output (the Dot contract's n): K products and sums.
  template <class S>
  static std::int64_t rounded_terms(Ins<S> in, const AttrMap&) {
    return in[0]->shape[in[0]->shape.rank() - 1];
  }

  static TensorType infer(std::span<const TensorType> in, const AttrMap&) {
    rule::require_float(in[0], 0);
    rule::require_float(in[1], 1);
    rule::require_same_dtype(in[0], in[1]);
    rule::require_rank_at_least(in[0], 0, 2);
    rule::require_rank_at_least(in[1], 1, 2);
    const Shape &a = in[0].shape, &b = in[1].shape;
    if (a[a.rank() - 1] != b[b.rank() - 2])
      throw ShapeError("matmul inner dimensions differ: " + to_string(a) + " @ " + to_string(b));
    Shape out = broadcast_shapes(batch(a), batch(b));
    out.dims().push_back(a[a.rank() - 2]);
    out.dims().push_back(b[b.rank() - 1]);
    return TensorType{in[0].dtype, out};
  }

  // Batch bookkeeping shared by forward and vjp.
  struct Plan {
    std::int64_t M, K, N;
    std::vector<std::int64_t> za, zb;  // for each output batch, the a and b batch
  };
  static Plan plan(const Shape& a, const Shape& b, const Shape& y) {
    const Shape zy = batch(y);
    return Plan{a[a.rank() - 2], a[a.rank() - 1], b[b.rank() - 1], broadcast_index(batch(a), zy),
                broadcast_index(batch(b), zy)};
  }

  // One output element's dot product, written once for the CPU loops and a
  // CUDA thread: acc plus the terms in order. ao, bo, go: the batch offsets.
  template <class S, class A, class B>
  VT_HD static S y_dot(const A& a, const B& b, std::int64_t ao, std::int64_t bo, std::int64_t m, std::int64_t n, std::int64_t K,
                       std::int64_t N, S acc) {
    for (std::int64_t k = 0; k < K; ++k) acc += a[ao + m * K + k] * b[bo + k * N + n];
    return acc;
  }
  template <class S, class G, class B>
  VT_HD static S da_dot(const G& g, const B& b, std::int64_t go, std::int64_t bo, std::int64_t m, std::int64_t k, std::int64_t N, S acc) {
    for (std::int64_t n = 0; n < N; ++n) acc += g[go + m * N + n] * b[bo + k * N + n];
    return acc;
  }
  template <class S, class A, class G>
  VT_HD static S db_dot(const A& a, const G& g, std::int64_t ao, std::int64_t go, std::int64_t k, std::int64_t n, std::int64_t M, std::int64_t K,
                        std::int64_t N, S acc) {
    for (std::int64_t m = 0; m < M; ++m) acc += a[ao + m * K + k] * g[go + m * N + n];
    return acc;
  }

  template <class S>
  static void forward(Ins<S> in, const AttrMap&, Dense<S>& y) {
    const Dense<S>&a = *in[0], &b = *in[1];
    const Plan p = plan(a.shape, b.shape, y.shape);
    for (std::size_t z = 0; z < p.za.size(); ++z) {
      const std::int64_t ao = p.za[z] * p.M * p.K, bo = p.zb[z] * p.K * p.N, yo = static_cast<std::int64_t>(z) * p.M * p.N;
      for (std::int64_t m = 0; m < p.M; ++m)
        for (std::int64_t n = 0; n < p.N; ++n) y[yo + m * p.N + n] = y_dot(a, b, ao, bo, m, n, p.K, p.N, y[yo + m * p.N + n]);  // y arrives as zero
    }
  }

  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    if (y.numel() == 0) return;  // also keeps g[go] below in bounds
    const Dense<S>&a = *in[0], &b = *in[1];
    const Plan p = plan(a.shape, b.shape, y.shape);
    for (std::size_t z = 0; z < p.za.size(); ++z) {
      const std::int64_t ao = p.za[z] * p.M * p.K, bo = p.zb[z] * p.K * p.N, go = static_cast<std::int64_t>(z) * p.M * p.N;
      if (dx[0])
        for (std::int64_t m = 0; m < p.M; ++m)
          for (std::int64_t k = 0; k < p.K; ++k) (*dx[0])[ao + m * p.K + k] += da_dot(g, b, go, bo, m, k, p.N, K(g[go], 0));
      if (dx[1])
        for (std::int64_t k = 0; k < p.K; ++k)
          for (std::int64_t n = 0; n < p.N; ++n) (*dx[1])[bo + k * p.N + n] += db_dot(a, g, ao, go, k, n, p.M, p.K, p.N, K(g[go], 0));
    }
  }
};

// linear(x [..., I], W [O, I], b [O]?) -> [..., O]: y = x W^T + b (torch.nn.functional.linear).
//   y[r, o]  = sum_i x[r, i] W[o, i] + b[o]
//   dx[r, i] += sum_o g[r, o] W[o, i];  dW[o, i] += sum_r g[r, o] x[r, i];  db[o] += sum_r g[r, o]
struct Linear {
  static constexpr std::string_view name = "linear", math = "y = x@W^T + b; dx += g@W; dW += g^T@x; db += sum_rows(g)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = dot_contract;
  static constexpr int min_arity = 2, max_arity = 3;
  static constexpr std::array<AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int) { return true; }
  // Rounded operations per output (the Dot contract's n): I products and sums, plus the bias.
  template <class S>
  static std::int64_t rounded_terms(Ins<S> in, const AttrMap&) {
    return in[1]->shape[1] + (in.size() == 3 ? 1 : 0);
  }

  static TensorType infer(std::span<const TensorType> in, const AttrMap&) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      rule::require_float(in[i], static_cast<int>(i));
      rule::require_same_dtype(in[0], in[i]);
    }
    rule::require_rank_at_least(in[0], 0, 1);
    const Shape &x = in[0].shape, &w = in[1].shape;
    if (w.rank() != 2 || w[1] != x[x.rank() - 1])
      throw ShapeError("linear weight must be [out, " + std::to_string(x[x.rank() - 1]) + "], got " + to_string(in[1]));
    if (in.size() == 3 && in[2].shape != Shape{w[0]})
      throw ShapeError("linear bias must be [" + std::to_string(w[0]) + "], got " + to_string(in[2]));
    Shape out = x;
    out.dims().back() = w[0];
    return TensorType{in[0].dtype, out};
  }

  // Per output element (the CUDA kernels call these too): acc plus the terms in order.
  template <class S, class X, class W>
  VT_HD static S y_dot(const X& x, const W& w, std::int64_t r, std::int64_t o, std::int64_t I, S acc) {
    for (std::int64_t i = 0; i < I; ++i) acc += x[r * I + i] * w[o * I + i];
    return acc;
  }
  template <class S, class G, class W>
  VT_HD static S dx_dot(const G& g, const W& w, std::int64_t r, std::int64_t i, std::int64_t O, std::int64_t I, S acc) {
    for (std::int64_t o = 0; o < O; ++o) acc += g[r * O + o] * w[o * I + i];
    return acc;
  }
  template <class S, class G, class X>
  VT_HD static S dw_dot(const G& g, const X& x, std::int64_t o, std::int64_t i, std::int64_t R, std::int64_t O, std::int64_t I, S acc) {
    for (std::int64_t r = 0; r < R; ++r) acc += g[r * O + o] * x[r * I + i];
    return acc;
  }
  template <class S, class G>
  VT_HD static S db_sum(const G& g, std::int64_t o, std::int64_t R, std::int64_t O, S acc) {
    for (std::int64_t r = 0; r < R; ++r) acc += g[r * O + o];
    return acc;
  }

  template <class S>
  static void forward(Ins<S> in, const AttrMap&, Dense<S>& y) {
    const Dense<S>&x = *in[0], &W = *in[1];
    const std::int64_t O = W.shape[0], I = W.shape[1], R = O == 0 ? 0 : y.numel() / O;
    for (std::int64_t r = 0; r < R; ++r)
      for (std::int64_t o = 0; o < O; ++o) {
        S acc = y_dot(x, W, r, o, I, y[r * O + o]);  // y arrives as zero
        if (in.size() == 3) acc += (*in[2])[o];
        y[r * O + o] = acc;
      }
  }

  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    const Dense<S>&x = *in[0], &W = *in[1];
    const std::int64_t O = W.shape[0], I = W.shape[1], R = O == 0 ? 0 : y.numel() / O;
    if (R == 0 || O == 0) return;
    if (dx[0])
      for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t i = 0; i < I; ++i) (*dx[0])[r * I + i] += dx_dot(g, W, r, i, O, I, K(g[0], 0));
    if (dx[1])
      for (std::int64_t o = 0; o < O; ++o)
        for (std::int64_t i = 0; i < I; ++i) (*dx[1])[o * I + i] += dw_dot(g, x, o, i, R, O, I, K(g[0], 0));
    if (in.size() == 3 && dx[2])
      for (std::int64_t o = 0; o < O; ++o) (*dx[2])[o] += db_sum(g, o, R, O, K(g[0], 0));
  }
};

}  // namespace vt::spec::ops
