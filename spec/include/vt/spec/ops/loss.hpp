#pragma once
// Losses, both with PyTorch's default mean reduction.
#include "vt/spec/ops/softmax.hpp"

namespace vt::spec::ops {

// mse_loss(x, t): y = sum((x - t)^2) / N over all N elements (torch's
// reduction='mean'; x and t must have the same shape).
// dx += 2 (x - t) g / N,  dt += -2 (x - t) g / N.
struct MseLoss {
  static constexpr std::string_view name = "mse_loss", math = "y = mean((x-t)^2); dx += 2*(x-t)*g/N; dt += -2*(x-t)*g/N";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = derived_contract;
  static constexpr int min_arity = 2, max_arity = 2;
  static constexpr std::array<AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int) { return true; }
  static TensorType infer(std::span<const TensorType> in, const AttrMap&) {
    rule::require_float(in[0], 0);
    rule::require_float(in[1], 1);
    rule::require_same_dtype(in[0], in[1]);
    if (in[0].shape != in[1].shape)
      throw ShapeError("mse_loss needs equal shapes, got " + to_string(in[0]) + " and " + to_string(in[1]));
    return TensorType{in[0].dtype, Shape{}};
  }
  // Per element (the CUDA kernels call these too): the squared difference,
  // and the gradient term (x - t) * scale with scale = 2 g / N.
  template <class S> VT_HD static S square_diff(const S& x, const S& t) {
    const S d = x - t;
    return d * d;
  }
  template <class S> VT_HD static S grad_scale(const S& g, long n) { return K(g, 2) * g / K(g, n); }
  template <class S> VT_HD static S grad_term(const S& x, const S& t, const S& scale) { return (x - t) * scale; }

  template <class S>
  static void forward(Ins<S> in, const AttrMap&, Dense<S>& y) {
    const Dense<S>&x = *in[0], &t = *in[1];
    S acc = y[0];  // arrives as zero
    for (std::int64_t i = 0; i < x.numel(); ++i) acc += square_diff(x[i], t[i]);
    y[0] = acc / K(acc, static_cast<long>(x.numel()));
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    const Dense<S>&x = *in[0], &t = *in[1];
    const S scale = grad_scale(g[0], static_cast<long>(x.numel()));
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const S d = grad_term(x[i], t[i], scale);
      if (dx[0]) (*dx[0])[i] += d;
      if (dx[1]) (*dx[1])[i] -= d;
    }
  }
};

// cross_entropy(logits [N, C], target i64 [N]): y = (1/N) sum_n (logsumexp(x_n) - x_n[t_n])
// (torch.nn.functional.cross_entropy with class indices, reduction='mean').
// dx[n, c] += (g / N) (softmax(x_n)_c - [c == t_n]); the target is not differentiable.
// A target outside [0, C) or not an integer is a DomainError naming it.
struct CrossEntropy {
  static constexpr std::string_view name = "cross_entropy",
                                    math = "y = mean_n(logsumexp(x_n) - x_n[t_n]); dx += g/N*(softmax(x) - onehot(t))";
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  static constexpr int min_arity = 2, max_arity = 2;
  static constexpr std::array<AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int input) { return input == 0; }
  static TensorType infer(std::span<const TensorType> in, const AttrMap&) {
    rule::require_float(in[0], 0);
    if (in[0].shape.rank() != 2) throw ShapeError("cross_entropy logits must be [N, C], got " + to_string(in[0]));
    if (in[1].dtype != DType::i64 || in[1].shape.rank() != 1 || in[1].shape[0] != in[0].shape[0])
      throw ShapeError("cross_entropy target must be i64[" + std::to_string(in[0].shape[0]) + "], got " + to_string(in[1]));
    if (in[0].shape[1] == 0) throw ShapeError("cross_entropy needs at least one class");
    return TensorType{in[0].dtype, Shape{}};
  }
  template <class S>
  static std::int64_t target(const Dense<S>& t, std::int64_t n, std::int64_t classes) {
    bool integral = false;
    const std::int64_t c = ScalarTraits<S>::to_index(t[n], integral);
    if (!integral || c < 0 || c >= classes)
      throw DomainError("cross_entropy: target[" + std::to_string(n) + "] is not a class index in [0, " +
                        std::to_string(classes) + ")" + (integral ? " (got " + std::to_string(c) + ")" : ""));
    return c;
  }
  // Per row (the CUDA kernels call these too): row n's term
  // logsumexp(x_n) - x_n[t], and its gradient scale * (softmax(x_n) - onehot(t))
  // with scale = g / N.
  template <class S, class X>
  VT_HD static S row_loss(const X& x, LaneAt at, std::int64_t C, std::int64_t t) {
    const LaneExpSum<S> l = lane_exp_sum<S>(x, at, C);
    return (l.m + math::log(l.sum)) - x[at(t)];
  }
  template <class S> VT_HD static S grad_scale(const S& g, long n) { return g / K(g, n); }
  template <class S, class X, class Add>
  VT_HD static void row_vjp(const X& x, LaneAt at, std::int64_t C, std::int64_t t, const S& scale, Add&& add) {
    const LaneExpSum<S> l = lane_exp_sum<S>(x, at, C);
    for (std::int64_t c = 0; c < C; ++c) {
      const S p = math::exp(S(x[at(c)] - l.m)) / l.sum;
      add(at(c), S(scale * (c == t ? S(p - K(p, 1)) : p)));
    }
  }

  template <class S>
  static void forward(Ins<S> in, const AttrMap&, Dense<S>& y) {
    const Dense<S>&x = *in[0], &t = *in[1];
    const std::int64_t N = x.shape[0], C = x.shape[1];
    S acc = y[0];  // arrives as zero
    for (std::int64_t n = 0; n < N; ++n) acc += row_loss<S>(x, LaneAt{n * C, 1}, C, target(t, n, C));
    y[0] = acc / K(acc, static_cast<long>(N));
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    if (!dx[0]) return;
    const Dense<S>&x = *in[0], &t = *in[1];
    const std::int64_t N = x.shape[0], C = x.shape[1];
    const S scale = grad_scale(g[0], static_cast<long>(N));
    Dense<S>& d = *dx[0];
    for (std::int64_t n = 0; n < N; ++n)
      row_vjp<S>(x, LaneAt{n * C, 1}, C, target(t, n, C), scale, [&](std::int64_t i, const S& v) { d[i] += v; });
  }
};

}  // namespace vt::spec::ops
