#pragma once
// Normalization: layer_norm and batch_norm (torch.nn.functional semantics).
// Both normalize "groups" of elements: layer_norm a group per position of the
// leading axes (its trailing normalized_shape elements), batch_norm (training)
// a group per channel (every element of that channel across N and the spatial
// axes). Within a group of n elements, with eps > 0:
//   mu = sum(x)/n,  d = x - mu,  var = sum(d^2)/n (biased),  s = sqrt(var + eps),
//   z = d / s,  y = z * w + b   (w, b: the optional elementwise affine).
// VJP, with gz = g * w:
//   dx += (gz - mean(gz) - z * mean(gz * z)) / s,  dw += sum(g * z),  db += sum(g)
// (the sums over the positions that share the weight element). Transcendental
// (sqrt); the float error bound is derived in reference/contract_bounds.cpp.
#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

namespace norm {

// The group functions below are the op's math, written once: the CPU loops
// call them per group and a CUDA thread for its own group. x, w, b, g are
// anything indexable (a Dense, a kernel's View), at(k) the linear index of
// the group's k-th element, wi(k) its weight element, put(i, v) stores and
// add(i, v) accumulates.

// One group's statistics: mu and s = sqrt(var + eps).
template <class S>
struct Stats {
  S mu, s;
};
template <class S, class X, class At>
VT_HD Stats<S> stats(const X& x, At at, std::int64_t n, double eps) {
  S sum = K(S(x[at(0)]), 0);
  for (std::int64_t k = 0; k < n; ++k) sum += x[at(k)];
  const S mu = sum / K(sum, static_cast<long>(n));
  S sq = K(mu, 0);
  for (std::int64_t k = 0; k < n; ++k) {
    const S d = x[at(k)] - mu;
    sq += d * d;
  }
  const S var = sq / K(sq, static_cast<long>(n));
  return {mu, math::sqrt(S(var + ScalarTraits<S>::from_double(var, eps)))};
}

// y at the group's elements: ((x - mu) / s) * w[wi(k)] + b[wi(k)] (w, b may be null).
template <class S, class X, class At, class W, class Wi, class Put>
VT_HD void forward_group(const X& x, At at, std::int64_t n, const Stats<S>& st, const W* w, const W* b, Wi wi, Put&& put) {
  for (std::int64_t k = 0; k < n; ++k) {
    S z = (x[at(k)] - st.mu) / st.s;
    if (w) z = z * (*w)[wi(k)];
    if (b) z = z + (*b)[wi(k)];
    put(at(k), z);
  }
}
template <class S, class At, class Wi>
void forward(const Dense<S>& x, At at, std::int64_t n, const Stats<S>& st, const Dense<S>* w, const Dense<S>* b, Wi wi,
             Dense<S>& y) {
  forward_group<S>(x, at, n, st, w, b, wi, [&](std::int64_t i, const S& v) { y[i] = v; });
}

// The VJP of one group (training-mode statistics), arranged so that no
// rounding that may underflow is followed by a division by s (which may be as
// small as sqrt(eps) and would amplify an absolute error of one subnormal):
// the centred values are c_k = n x_k - sum(x) (exact scaling instead of a
// rounded mean), z_k = c_k / (n s), and the cotangent is scaled by w/s first:
//   g'_k = g_k (w_k / s),  dx_k += g'_k - mean(g') - z_k mean(g' z).
// With drop_mean_term (the planted bug layer_norm_drops_mean_term) the
// mean(g') term is left out.
template <class S>
struct VjpStats {
  S nn, sum, s, ns;  // n, sum(x), s, n s
};
template <class S, class X, class At>
VT_HD VjpStats<S> vjp_stats(const X& x, At at, std::int64_t n, double eps) {
  const S nn = K(S(x[at(0)]), static_cast<long>(n));
  S sum = K(nn, 0);
  for (std::int64_t k = 0; k < n; ++k) sum += x[at(k)];
  S sq = K(nn, 0);
  for (std::int64_t k = 0; k < n; ++k) {
    const S c = nn * x[at(k)] - sum;
    sq += c * c;
  }
  const S var = sq / (nn * nn * nn);
  const S s = math::sqrt(S(var + ScalarTraits<S>::from_double(var, eps)));
  return {nn, sum, s, nn * s};
}
// z_k = c_k / (n s).
template <class S, class X, class At>
VT_HD S z_at(const X& x, At at, std::int64_t k, const VjpStats<S>& st) {
  return S(st.nn * x[at(k)] - st.sum) / st.ns;
}
// dx of one group: add(at(k), g'_k - mean(g') - z_k mean(g' z)).
template <class S, class X, class At, class W, class Wi, class G, class Add>
VT_HD void dx_group(const X& x, At at, std::int64_t n, const VjpStats<S>& st, const W* w, Wi wi, const G& g, bool drop_mean_term,
                    Add&& add) {
  const auto gp = [&](std::int64_t k) { return w ? S(g[at(k)] * ((*w)[wi(k)] / st.s)) : S(g[at(k)] / st.s); };
  S mg = K(st.s, 0), mgz = K(st.s, 0);
  for (std::int64_t k = 0; k < n; ++k) {
    mg += gp(k);
    mgz += gp(k) * z_at<S>(x, at, k, st);
  }
  // A group of one normalizes to 0 whatever x is: dx is exactly 0 (written
  // so, not as g' - g' with s's enclosure in both terms).
  if (n == 1) return;
  mg = mg / st.nn;
  mgz = mgz / st.nn;
  for (std::int64_t k = 0; k < n; ++k) {
    const S z = z_at<S>(x, at, k, st);
    add(at(k), drop_mean_term ? S(gp(k) - z * mgz) : S(gp(k) - mg - z * mgz));
  }
}
template <class S, class At, class Wi>
void vjp(const Dense<S>& x, At at, std::int64_t n, double eps, const Dense<S>* w, Wi wi, const Dense<S>& g, Dense<S>* dx,
         Dense<S>* dw, Dense<S>* db, bool drop_mean_term = false) {
  const VjpStats<S> st = vjp_stats<S>(x, at, n, eps);
  if (dw || db)
    for (std::int64_t k = 0; k < n; ++k) {
      const S gk = g[at(k)];
      if (dw) (*dw)[wi(k)] += gk * z_at<S>(x, at, k, st);
      if (db) (*db)[wi(k)] += gk;
    }
  if (dx) dx_group<S>(x, at, n, st, w, wi, g, drop_mean_term, [&](std::int64_t i, const S& v) { (*dx)[i] += v; });
}

inline double eps_of(const AttrMap& a) { return a.get_float_or("eps", 1e-5); }

inline void require_eps(const AttrMap& a, std::string_view op) {
  const double eps = eps_of(a);
  if (!(eps > 0) || !std::isfinite(eps))
    throw ShapeError(std::string(op) + " needs a finite eps > 0, got " + std::to_string(eps));
}

}  // namespace norm

// layer_norm(x, weight?, bias?) {normalized_shape (required), eps = 1e-5}
// (torch.nn.functional.layer_norm): x's trailing axes must equal
// normalized_shape; each group of those trailing elements is normalized with
// its own mean and biased variance; weight and bias, when given, have shape
// normalized_shape (a bias needs a weight: inputs are positional).
struct LayerNorm {
  static constexpr std::string_view name = "layer_norm",
                                    math = "z = (x-mean)/sqrt(var+eps); y = z*w + b; dx += (gz - mean(gz) - z*mean(gz*z))/s, "
                                           "gz = g*w; dw += sum(g*z); db += sum(g)";
  static constexpr int min_arity = 1, max_arity = 3;
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  static constexpr std::array<AttrSpec, 2> attrs{{{"eps", AttrKind::Float}, {"normalized_shape", AttrKind::Ints, true}}};
  static constexpr bool differentiable(int) { return true; }
  // Elements per group (the product of normalized_shape).
  static std::int64_t group(const AttrMap& a) {
    std::int64_t n = 1;
    for (auto v : a.get_ints("normalized_shape")) n *= v;
    return n;
  }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    const IntList& ns = a.get_ints("normalized_shape");
    const Shape norm_shape{IntList(ns)};
    if (ns.empty()) throw ShapeError("layer_norm normalized_shape must not be empty");
    for (auto v : ns)
      if (v <= 0) throw ShapeError("layer_norm normalized_shape " + to_string(norm_shape) + " must have positive dims");
    const Shape& xs = in[0].shape;
    bool tail = xs.rank() >= ns.size();
    for (std::size_t k = 0; tail && k < ns.size(); ++k) tail = xs[xs.rank() - ns.size() + k] == ns[k];
    if (!tail)
      throw ShapeError("layer_norm normalized_shape " + to_string(norm_shape) + " does not match the trailing axes of input " +
                       to_string(in[0]));
    for (std::size_t i = 1; i < in.size(); ++i) {
      rule::require_float(in[i], static_cast<int>(i));
      rule::require_same_dtype(in[0], in[i]);
      if (in[i].shape != norm_shape)
        throw ShapeError(std::string("layer_norm ") + (i == 1 ? "weight " : "bias ") + to_string(in[i]) +
                         " does not match normalized_shape " + to_string(norm_shape));
    }
    norm::require_eps(a, "layer_norm");
    return in[0];
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    const std::int64_t n = group(a);
    const Dense<S>* w = in.size() > 1 ? in[1] : nullptr;
    const Dense<S>* b = in.size() > 2 ? in[2] : nullptr;
    const auto wi = [](std::int64_t k) { return k; };
    for (std::int64_t o = 0; o * n < x.numel(); ++o) {
      const auto at = [o, n](std::int64_t k) { return o * n + k; };
      norm::forward(x, at, n, norm::stats<S>(x, at, n, norm::eps_of(a)), w, b, wi, y);
    }
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx, bool drop_mean_term = false) {
    const Dense<S>& x = *in[0];
    const std::int64_t n = group(a);
    const Dense<S>* w = in.size() > 1 ? in[1] : nullptr;
    Dense<S>* dw = in.size() > 1 ? dx[1] : nullptr;
    Dense<S>* db = in.size() > 2 ? dx[2] : nullptr;
    const auto wi = [](std::int64_t k) { return k; };
    for (std::int64_t o = 0; o * n < x.numel(); ++o) {
      const auto at = [o, n](std::int64_t k) { return o * n + k; };
      norm::vjp(x, at, n, norm::eps_of(a), w, wi, g, dx[0], dw, db, drop_mean_term);
    }
  }
};

// batch_norm(x [N, C, ...], weight [C], bias [C], running_mean [C], running_var [C])
// {training = false, eps = 1e-5} (torch.nn.functional.batch_norm, momentum aside):
// training: each channel is normalized with its batch mean and biased variance
// over N and the spatial axes (running_mean/var are not read; at least two
// values per channel, as torch requires); eval: z = (x - running_mean) /
// sqrt(running_var + eps). y = z * weight + bias. The running statistics are
// not differentiable (their update is train/batch_norm_stats.hpp's, outside
// the pure op). Eval VJP: dx += g w / s, dw += sum(g z), db += sum(g).
struct BatchNorm {
  static constexpr std::string_view name = "batch_norm",
                                    math = "z = (x-mean_c)/sqrt(var_c+eps) (batch stats if training, else running); "
                                           "y = z*w + b; dx += training ? (gz - mean(gz) - z*mean(gz*z))/s : gz/s";
  static constexpr int min_arity = 5, max_arity = 5;
  static constexpr Fragment fragment = Fragment::Transcendental;
  static constexpr ErrorContract contract = derived_contract;
  static constexpr std::array<AttrSpec, 2> attrs{{{"eps", AttrKind::Float}, {"training", AttrKind::Bool}}};
  static constexpr bool differentiable(int input) { return input < 3; }
  static constexpr bool index_input(int) { return false; }  // the running statistics are floats
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    if (in[0].shape.rank() < 2) throw ShapeError("batch_norm input must be [N, C, ...], got " + to_string(in[0]));
    const std::int64_t C = in[0].shape[1];
    static constexpr const char* kNames[] = {"", "weight", "bias", "running_mean", "running_var"};
    for (std::size_t i = 1; i < 5; ++i) {
      rule::require_float(in[i], static_cast<int>(i));
      rule::require_same_dtype(in[0], in[i]);
      if (in[i].shape != Shape{C})
        throw ShapeError(std::string("batch_norm ") + kNames[i] + " must be [" + std::to_string(C) + "] (the channels of " +
                         to_string(in[0]) + "), got " + to_string(in[i]));
    }
    norm::require_eps(a, "batch_norm");
    if (a.get_bool_or("training", false) && in[0].shape.numel() / std::max<std::int64_t>(C, 1) <= 1 && C > 0)
      throw ShapeError("batch_norm in training needs more than one value per channel, got " + to_string(in[0]));
    return in[0];
  }
  // Calls f(at, n, c) for every channel c: at(k) is the k-th of its n elements.
  template <class F>
  static void channels(const Shape& s, F&& f) {
    const std::int64_t N = s[0], C = s[1], inner = C == 0 || N == 0 ? 0 : s.numel() / (N * C);
    for (std::int64_t c = 0; c < C; ++c)
      if (N * inner > 0)
        f([N, C, c, inner](std::int64_t k) { return ((k / inner) * C + c) * inner + k % inner; }, N * inner, c);
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    const double eps = norm::eps_of(a);
    const bool training = a.get_bool_or("training", false);
    channels(x.shape, [&](auto at, std::int64_t n, std::int64_t c) {
      const auto wi = [c](std::int64_t) { return c; };
      const S& rv = (*in[4])[c];
      const norm::Stats<S> st = training ? norm::stats<S>(x, at, n, eps)
                                         : norm::Stats<S>{(*in[3])[c], math::sqrt(S(rv + ScalarTraits<S>::from_double(rv, eps)))};
      norm::forward(x, at, n, st, in[1], in[2], wi, y);
    });
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    const Dense<S>& x = *in[0];
    const double eps = norm::eps_of(a);
    const bool training = a.get_bool_or("training", false);
    channels(x.shape, [&](auto at, std::int64_t n, std::int64_t c) {
      const auto wi = [c](std::int64_t) { return c; };
      if (training) return norm::vjp(x, at, n, eps, in[1], wi, g, dx[0], dx[1], dx[2]);
      const S& rv = (*in[4])[c];
      const S s = math::sqrt(S(rv + ScalarTraits<S>::from_double(rv, eps)));
      const S w_s = (*in[1])[c] / s;  // w/s first: see norm::vjp
      for (std::int64_t k = 0; k < n; ++k) {
        const S gk = g[at(k)];
        if (dx[0]) (*dx[0])[at(k)] += gk * w_s;
        if (dx[1]) (*dx[1])[c] += gk * ((x[at(k)] - (*in[3])[c]) / s);
        if (dx[2]) (*dx[2])[c] += gk;
      }
    });
  }
};

}  // namespace vt::spec::ops
