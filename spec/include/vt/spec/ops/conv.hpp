#pragma once
// 2-D convolution and pooling over NCHW tensors (torch.nn.functional
// semantics). One window geometry serves all three: output position (oh, ow)
// and kernel tap (i, j) read input row ih = oh*stride - padding + i*dilation
// (likewise for columns); taps that land in the padding read zero (conv2d,
// avg_pool2d) or are skipped (max_pool2d). Sums run over (c, i, j) in order.
#include <tuple>
#include <vector>

#include "vt/spec/op_decl.hpp"

namespace vt::spec::ops {

// Sizes of one 2-D windowed op, checked and derived from the attributes.
// A template over the index type so that contracts/ can run the same index
// arithmetic on Z3 integers and prove it in bounds for all shapes (Window2d
// is the int64 instance every kernel uses).
template <class I>
struct BasicWindow2d {
  I N, C, H, W;  // input
  I kh, kw;      // kernel (taps)
  I sh = I(1), sw = I(1), ph = I(0), pw = I(0), dh = I(1), dw = I(1);
  I Ho = I(0), Wo = I(0);

  // Input row/column of output position o and tap k, possibly outside [0, H).
  I row(I oh, I i) const { return oh * sh - ph + i * dh; }
  I col(I ow, I j) const { return ow * sw - pw + j * dw; }
  auto inside(I r, I c) const { return r >= 0 && r < H && c >= 0 && c < W; }
  // Flat indices (row-major NCHW) of input element [n, c, r, q], output
  // element [n, o, oh, ow] of O channels, and kernel tap [o, c, i, j] of Ck channels.
  I in_at(I n, I c, I r, I q) const { return ((n * C + c) * H + r) * W + q; }
  I out_at(I n, I o, I O, I oh, I ow) const { return ((n * O + o) * Ho + oh) * Wo + ow; }
  I tap_at(I o, I c, I Ck, I i, I j) const { return ((o * Ck + c) * kh + i) * kw + j; }
};
using Window2d = BasicWindow2d<std::int64_t>;

// Along one axis: the extent of a kernel of k taps at dilation d, and the
// number of window positions over n elements padded by p on both sides at
// stride s (n + 2p >= extent; window::make checks that, and overflow, first).
template <class I>
I window_extent(I k, I d) {
  return d * (k - 1) + 1;
}
template <class I>
I window_positions(I n, I k, I s, I p, I d) {
  return (n + 2 * p - window_extent(k, d)) / s + 1;
}

namespace window {

// An int-list attribute given as [v] or [v_h, v_w] (absent: dflt for both).
inline std::pair<std::int64_t, std::int64_t> pair_attr(const AttrMap& a, std::string_view name, std::int64_t dflt,
                                                       std::int64_t min) {
  const auto v = a.get_ints_opt(name);
  if (!v) return {dflt, dflt};
  if (v->size() != 1 && v->size() != 2)
    throw ShapeError(std::string(name) + " must be [v] or [v_h, v_w], got " + to_string(AttrValue(*v)));
  const std::int64_t h = (*v)[0], w = v->size() == 2 ? (*v)[1] : (*v)[0];
  if (h < min || w < min)
    throw ShapeError(std::string(name) + " must be >= " + std::to_string(min) + ", got " + to_string(AttrValue(*v)));
  return {h, w};
}

// Geometry for input shape x = [N, C, H, W] and a kernel of kh x kw taps.
inline Window2d make(const Shape& x, std::int64_t kh, std::int64_t kw, const AttrMap& a, std::pair<std::int64_t, std::int64_t> stride) {
  Window2d w{x[0], x[1], x[2], x[3], kh, kw};
  std::tie(w.sh, w.sw) = stride;
  std::tie(w.ph, w.pw) = pair_attr(a, "padding", 0, 0);
  std::tie(w.dh, w.dw) = pair_attr(a, "dilation", 1, 1);
  // Effective kernel extent and padded input, overflow-checked: the
  // attributes may hold any int64.
  const std::int64_t eh = rule::checked_add(rule::checked_mul(w.dh, kh - 1, "dilation x kernel"), 1, "kernel extent"),
                     ew = rule::checked_add(rule::checked_mul(w.dw, kw - 1, "dilation x kernel"), 1, "kernel extent");
  const std::int64_t ph2 = rule::checked_add(w.H, rule::checked_mul(2, w.ph, "padding"), "padded input"),
                     pw2 = rule::checked_add(w.W, rule::checked_mul(2, w.pw, "padding"), "padded input");
  if (eh > ph2 || ew > pw2)
    throw ShapeError("kernel " + std::to_string(kh) + "x" + std::to_string(kw) + " (dilation " + std::to_string(w.dh) + "x" +
                     std::to_string(w.dw) + ", extent " + std::to_string(eh) + "x" + std::to_string(ew) +
                     ") is larger than the padded input " + std::to_string(ph2) + "x" + std::to_string(pw2));
  w.Ho = window_positions(w.H, kh, w.sh, w.ph, w.dh);
  w.Wo = window_positions(w.W, kw, w.sw, w.pw, w.dw);
  return w;
}

inline void require_nchw(const TensorType& t, int input) {
  if (t.shape.rank() != 4)
    throw ShapeError("input " + std::to_string(input) + " must be [N, C, H, W] (rank 4), got " + to_string(t));
}

}  // namespace window

// Attribute sets for the builder and sessions (defaults left out of the map,
// so printed graphs stay short).
struct Conv2dOptions {
  IntList stride{1}, padding{0}, dilation{1};
  std::int64_t groups = 1;
  AttrMap attrs() const {
    AttrMap a;
    if (stride != IntList{1}) a.set("stride", stride);
    if (padding != IntList{0}) a.set("padding", padding);
    if (dilation != IntList{1}) a.set("dilation", dilation);
    if (groups != 1) a.set("groups", groups);
    return a;
  }
};
struct Pool2dOptions {
  IntList kernel_size, stride{}, padding{0};  // stride empty: the kernel size
  AttrMap attrs() const {
    AttrMap a;
    a.set("kernel_size", kernel_size);
    if (!stride.empty()) a.set("stride", stride);
    if (padding != IntList{0}) a.set("padding", padding);
    return a;
  }
};

// conv2d(x [N, C, H, W], w [O, C/groups, kh, kw], b [O]?) -> [N, O, Ho, Wo]
// {stride = [1], padding = [0], dilation = [1], groups = 1} (each list [v] or [v_h, v_w]):
//   y[n, o, oh, ow] = sum_{c, i, j} x[n, gc + c, row(oh, i), col(ow, j)] w[o, c, i, j] + b[o]
//   (gc = first channel of o's group; padding reads zero)
//   dx[n, gc + c, row, col] += g[n, o, oh, ow] w[o, c, i, j];  dw[o, c, i, j] += sum_{n, oh, ow} g x;  db[o] += sum g
struct Conv2d {
  static constexpr std::string_view name = "conv2d",
                                    math = "y = cross-correlation(x, w) + b; dx += g (*) w (transposed conv); dw += x (*) g; db += sum(g)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = dot_contract;
  static constexpr int min_arity = 2, max_arity = 3;
  static constexpr std::array<AttrSpec, 4> attrs{{{"stride", AttrKind::Ints},
                                                  {"padding", AttrKind::Ints},
                                                  {"dilation", AttrKind::Ints},
                                                  {"groups", AttrKind::Int}}};
  static constexpr bool differentiable(int) { return true; }

  static Window2d geometry(const Shape& x, const Shape& w, const AttrMap& a) {
    return window::make(x, w[2], w[3], a, window::pair_attr(a, "stride", 1, 1));
  }

  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      rule::require_float(in[i], static_cast<int>(i));
      rule::require_same_dtype(in[0], in[i]);
    }
    window::require_nchw(in[0], 0);
    window::require_nchw(in[1], 1);
    const Shape &x = in[0].shape, &w = in[1].shape;
    const std::int64_t groups = a.get_int_or("groups", 1), C = x[1], O = w[0];
    if (groups < 1) throw ShapeError("groups must be >= 1, got " + std::to_string(groups));
    if (C % groups != 0 || O % groups != 0)
      throw ShapeError("groups = " + std::to_string(groups) + " must divide the input channels (" + std::to_string(C) +
                       ") and the output channels (" + std::to_string(O) + ")");
    if (w[1] != C / groups)
      throw ShapeError("weight " + to_string(in[1]) + " must have C/groups = " + std::to_string(C / groups) +
                       " input channels for input " + to_string(in[0]));
    if (w[2] == 0 || w[3] == 0) throw ShapeError("kernel must be at least 1x1, got " + to_string(in[1]));
    if (in.size() == 3 && in[2].shape != Shape{O})
      throw ShapeError("conv2d bias must be [" + std::to_string(O) + "], got " + to_string(in[2]));
    const Window2d g = geometry(x, w, a);
    return TensorType{in[0].dtype, Shape{g.N, O, g.Ho, g.Wo}};
  }

  // Rounded operations per output (the Dot contract's n): the window's
  // products and sums, plus the bias.
  template <class S>
  static std::int64_t rounded_terms(Ins<S> in, const AttrMap&) {
    const Shape& w = in[1]->shape;
    return w[1] * w[2] * w[3] + (in.size() == 3 ? 1 : 0);
  }

  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>&x = *in[0], &w = *in[1];
    const Window2d g = geometry(x.shape, w.shape, a);
    const std::int64_t O = w.shape[0], groups = a.get_int_or("groups", 1), Cg = g.C / groups, Og = O / groups;
    for (std::int64_t n = 0; n < g.N; ++n)
      for (std::int64_t o = 0; o < O; ++o)
        for (std::int64_t oh = 0; oh < g.Ho; ++oh)
          for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
            const std::int64_t yi = g.out_at(n, o, O, oh, ow);
            S acc = y[yi];  // arrives as zero
            for (std::int64_t c = 0; c < Cg; ++c)
              for (std::int64_t i = 0; i < g.kh; ++i)
                for (std::int64_t j = 0; j < g.kw; ++j) {
                  const std::int64_t r = g.row(oh, i), q = g.col(ow, j);
                  if (!g.inside(r, q)) continue;
                  acc += x[g.in_at(n, (o / Og) * Cg + c, r, q)] * w[g.tap_at(o, c, Cg, i, j)];
                }
            if (in.size() == 3) acc += (*in[2])[o];
            y[yi] = acc;
          }
  }

  // The rule; the two flags exist for the planted bugs of mutants.hpp
  // (dx through the flipped kernel; dx ignoring the padding offset).
  template <class S>
  static void vjp_rule(Ins<S> in, const Dense<S>& y, const Dense<S>& gy, const AttrMap& a, Grads<S> dx, bool flip_kernel,
                       bool ignore_padding) {
    if (y.numel() == 0) return;
    const Dense<S>&x = *in[0], &w = *in[1];
    const Window2d g = geometry(x.shape, w.shape, a);
    const std::int64_t O = w.shape[0], groups = a.get_int_or("groups", 1), Cg = g.C / groups, Og = O / groups;
    const auto at = [&](std::int64_t n, std::int64_t o, std::int64_t oh, std::int64_t ow) -> const S& {
      return gy[g.out_at(n, o, O, oh, ow)];
    };
    const std::int64_t pad_h = ignore_padding ? 0 : g.ph, pad_w = ignore_padding ? 0 : g.pw;
    if (dx[0])
      for (std::int64_t n = 0; n < g.N; ++n)
        for (std::int64_t o = 0; o < O; ++o)
          for (std::int64_t oh = 0; oh < g.Ho; ++oh)
            for (std::int64_t ow = 0; ow < g.Wo; ++ow)
              for (std::int64_t c = 0; c < Cg; ++c)
                for (std::int64_t i = 0; i < g.kh; ++i)
                  for (std::int64_t j = 0; j < g.kw; ++j) {
                    const std::int64_t r = oh * g.sh - pad_h + i * g.dh, q = ow * g.sw - pad_w + j * g.dw;
                    if (!g.inside(r, q)) continue;
                    const std::int64_t ti = flip_kernel ? g.kh - 1 - i : i, tj = flip_kernel ? g.kw - 1 - j : j;
                    (*dx[0])[g.in_at(n, (o / Og) * Cg + c, r, q)] += at(n, o, oh, ow) * w[g.tap_at(o, c, Cg, ti, tj)];
                  }
    if (dx[1])
      for (std::int64_t o = 0; o < O; ++o)
        for (std::int64_t c = 0; c < Cg; ++c)
          for (std::int64_t i = 0; i < g.kh; ++i)
            for (std::int64_t j = 0; j < g.kw; ++j) {
              S acc = K(gy[0], 0);
              for (std::int64_t n = 0; n < g.N; ++n)
                for (std::int64_t oh = 0; oh < g.Ho; ++oh)
                  for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
                    const std::int64_t r = g.row(oh, i), q = g.col(ow, j);
                    if (g.inside(r, q)) acc += at(n, o, oh, ow) * x[g.in_at(n, (o / Og) * Cg + c, r, q)];
                  }
              (*dx[1])[g.tap_at(o, c, Cg, i, j)] += acc;
            }
    if (in.size() == 3 && dx[2])
      for (std::int64_t o = 0; o < O; ++o) {
        S acc = K(gy[0], 0);
        for (std::int64_t n = 0; n < g.N; ++n)
          for (std::int64_t p = 0; p < g.Ho * g.Wo; ++p) acc += gy[(n * O + o) * g.Ho * g.Wo + p];
        (*dx[2])[o] += acc;
      }
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    vjp_rule<S>(in, y, g, a, dx, false, false);
  }
};

// Shared declaration of the pools: {kernel_size (required), stride = kernel_size,
// padding = [0], dilation = [1]}; padding at most half the kernel, as torch.
template <class Op>
struct Pool2d {
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<AttrSpec, 4> attrs{{{"kernel_size", AttrKind::Ints, true},
                                                  {"stride", AttrKind::Ints},
                                                  {"padding", AttrKind::Ints},
                                                  {"dilation", AttrKind::Ints}}};
  static constexpr bool differentiable(int) { return true; }

  static Window2d geometry(const Shape& x, const AttrMap& a) {
    const auto [kh, kw] = window::pair_attr(a, "kernel_size", 1, 1);
    const auto stride = a.has("stride") ? window::pair_attr(a, "stride", 1, 1) : std::pair{kh, kw};
    const Window2d g = window::make(x, kh, kw, a, stride);
    if (2 * g.ph > kh || 2 * g.pw > kw)
      throw ShapeError("padding " + std::to_string(g.ph) + "x" + std::to_string(g.pw) + " must be at most half the kernel " +
                       std::to_string(kh) + "x" + std::to_string(kw));
    return g;
  }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    window::require_nchw(in[0], 0);
    const Window2d g = geometry(in[0].shape, a);
    return TensorType{in[0].dtype, Shape{g.N, g.C, g.Ho, g.Wo}};
  }
  // Calls f(window's flat output index, flat input index of each tap inside the input).
  template <class F>
  static void each_window(const Window2d& g, F&& f) {
    std::vector<std::int64_t> taps;
    for (std::int64_t nc = 0; nc < g.N * g.C; ++nc)
      for (std::int64_t oh = 0; oh < g.Ho; ++oh)
        for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
          taps.clear();
          for (std::int64_t i = 0; i < g.kh; ++i)
            for (std::int64_t j = 0; j < g.kw; ++j) {
              const std::int64_t r = g.row(oh, i), q = g.col(ow, j);
              if (g.inside(r, q)) taps.push_back((nc * g.H + r) * g.W + q);
            }
          f((nc * g.Ho + oh) * g.Wo + ow, taps);
        }
  }
};

// max_pool2d {kernel_size, stride, padding, dilation}: y = the largest tap of
// each window (padding never wins). dx += g at the FIRST maximal tap in
// row-major window order, as torch's max_pool2d; a NaN tap wins and is chosen.
struct MaxPool2d : Pool2d<MaxPool2d> {
  static constexpr std::string_view name = "max_pool2d", math = "y = max over window; dx[argmax] += g (first maximal tap)";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;

  // A window wholly in the padding (possible with dilation) has no maximum.
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    const TensorType out = Pool2d<MaxPool2d>::infer(in, a);
    const Window2d g = geometry(in[0].shape, a);
    const auto touches = [](std::int64_t outputs, std::int64_t taps, auto&& position, std::int64_t size) {
      for (std::int64_t o = 0; o < outputs; ++o) {
        bool inside = false;
        for (std::int64_t k = 0; k < taps && !inside; ++k) inside = position(o, k) >= 0 && position(o, k) < size;
        if (!inside) return o;
      }
      return std::int64_t{-1};
    };
    const std::int64_t r = touches(g.Ho, g.kh, [&](std::int64_t o, std::int64_t k) { return g.row(o, k); }, g.H);
    const std::int64_t c = touches(g.Wo, g.kw, [&](std::int64_t o, std::int64_t k) { return g.col(o, k); }, g.W);
    if (r >= 0 || c >= 0)
      throw ShapeError("the window at output " + std::string(r >= 0 ? "row " : "column ") + std::to_string(r >= 0 ? r : c) +
                       " lies wholly in the padding (dilation " + std::to_string(g.dh) + "x" + std::to_string(g.dw) +
                       ", padding " + std::to_string(g.ph) + "x" + std::to_string(g.pw) + ")");
    return out;
  }

  template <class S>
  static std::int64_t argmax(const Dense<S>& x, const std::vector<std::int64_t>& taps) {
    std::int64_t best = taps[0];
    for (std::size_t t = 1; t < taps.size(); ++t) {
      const S& v = x[taps[t]];
      if (!(x[best] != x[best]) && (v > x[best] || v != v)) best = taps[t];
    }
    return best;
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    each_window(geometry(x.shape, a), [&](std::int64_t o, const std::vector<std::int64_t>& taps) { y[o] = x[argmax(x, taps)]; });
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    const Dense<S>& x = *in[0];
    each_window(geometry(x.shape, a),
                [&](std::int64_t o, const std::vector<std::int64_t>& taps) { (*dx[0])[argmax(x, taps)] += g[o]; });
  }
  // Where the rule is a convention: some window's maximum is attained twice.
  // The elements tied for the maximum of some window: there the gradient
  // follows the first-tap convention, not a derivative.
  template <class S>
  static std::vector<bool> tie_mask(const Dense<S>& x, const AttrMap& a) {
    std::vector<bool> mask(x.data.size(), false);
    each_window(geometry(x.shape, a), [&](std::int64_t, const std::vector<std::int64_t>& taps) {
      const std::int64_t m = argmax(x, taps);
      for (std::int64_t t : taps)
        if (t != m && x[t] == x[m]) mask[static_cast<std::size_t>(t)] = mask[static_cast<std::size_t>(m)] = true;
    });
    return mask;
  }
};

// avg_pool2d {kernel_size, stride, padding, dilation}: y = (sum of the taps)
// / (kh*kw), padding counted as zeros (torch's count_include_pad = true).
// dx += g / (kh*kw) at every tap inside the input.
struct AvgPool2d : Pool2d<AvgPool2d> {
  static constexpr std::string_view name = "avg_pool2d", math = "y = sum over window / (kh*kw); dx += g/(kh*kw) at each tap";
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = dot_contract;

  // Rounded operations per output (the Dot contract's n): the window's sums and the division.
  template <class S>
  static std::int64_t rounded_terms(Ins<S> in, const AttrMap& a) {
    const Window2d g = geometry(in[0]->shape, a);
    return g.kh * g.kw + 1;
  }

  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const Dense<S>& x = *in[0];
    const Window2d g = geometry(x.shape, a);
    each_window(g, [&](std::int64_t o, const std::vector<std::int64_t>& taps) {
      S acc = y[o];  // arrives as zero
      for (std::int64_t t : taps) acc += x[t];
      y[o] = acc / K(acc, static_cast<long>(g.kh * g.kw));
    });
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (!dx[0]) return;
    const Window2d w = geometry(in[0]->shape, a);
    each_window(w, [&](std::int64_t o, const std::vector<std::int64_t>& taps) {
      const S share = g[o] / K(g[o], static_cast<long>(w.kh * w.kw));
      for (std::int64_t t : taps) (*dx[0])[t] += share;
    });
  }
};

}  // namespace vt::spec::ops
