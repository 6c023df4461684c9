#include "vt/runtime/kernel_paths.hpp"

#include <algorithm>

#include "elementwise_loops.hpp"
#include "fast_attention.hpp"
#include "fast_conv.hpp"
#include "fast_layout.hpp"
#include "fast_norm.hpp"
#include "fast_pool.hpp"
#include "fast_pool2x2.hpp"
#include "im2col.hpp"
#include "vt/spec/ops/attention.hpp"
#include "vt/spec/ops/conv.hpp"
#include "vt/spec/ops/layout.hpp"
#include "vt/spec/ops/matmul.hpp"
#include "vt/spec/ops/norm.hpp"

namespace vt::rt {

namespace {

namespace ops = spec::ops;
using spec::AttrMap;
using spec::Shape;
using Shapes = std::vector<Shape>;

// Sizes just below, at and above n.
std::vector<std::int64_t> around(std::int64_t n) { return {n - 1, n, n + 1}; }
std::vector<std::int64_t> joined(std::vector<std::int64_t> a, const std::vector<std::int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// conv2d
ops::Window2d conv_window(const Shapes& in, const AttrMap& a) { return ops::Conv2d::geometry(in[0], in[1], a); }
std::int64_t conv_columns(const Shapes& in, const AttrMap& a) {  // K = C/groups * kh * kw
  const ops::Window2d g = conv_window(in, a);
  return g.C / a.get_int_or("groups", 1) * g.kh * g.kw;
}

// max_pool2d
ops::Window2d pool_window(const Shapes& in, const AttrMap& a) { return ops::MaxPool2d::geometry(in[0], a); }
bool unrolled_taps(const ops::Window2d& g) {
  return std::find(std::begin(kUnrolledWindowTaps), std::end(kUnrolledWindowTaps), static_cast<std::size_t>(g.kh * g.kw)) !=
         std::end(kUnrolledWindowTaps);
}

// Elements per normalization group: layer_norm's normalized size; batch_norm's N * H * W.
std::int64_t norm_group(std::string_view op, const Shapes& in, const AttrMap& a) {
  if (op == "layer_norm") return ops::LayerNorm::group(a);
  return in[0][1] == 0 ? 0 : in[0].numel() / in[0][1];
}

ops::ScaledDotProductAttention::Dims attention_dims(const Shapes& in, const AttrMap& a) {
  return ops::ScaledDotProductAttention::dims(in[0], in[2], a);
}

std::vector<std::int64_t> permutation(std::string_view op, const Shapes& in, const AttrMap& a) {
  return op == "permute" ? ops::Permute::checked_perm(in[0], a) : ops::Transpose::perm(in[0], a);
}

std::vector<KernelPath> make_table() {
  std::vector<KernelPath> t;
  const auto lanes = [](int L) { return joined(around(L), {2 * L - 1, 2 * L + 1}); };

  t.push_back({"linear", "one row (R = 1: the GEMMs are matrix-vector shaped)",
               [](const Shapes&, const AttrMap&, const Shape& y) { return y.numel() == y[y.rank() - 1]; }, {1}, {}});
  t.push_back({"linear", "several rows (R > 1)",
               [](const Shapes&, const AttrMap&, const Shape& y) { return y.numel() > y[y.rank() - 1]; }, {2, 3}, {}});

  const auto matmul_broadcast = [](const Shapes& in, const AttrMap&, const Shape& y) {
    const ops::Matmul::Plan p = ops::Matmul::plan(in[0], in[1], y);
    const auto repeats = [](std::vector<std::int64_t> z) {
      std::sort(z.begin(), z.end());
      return std::adjacent_find(z.begin(), z.end()) != z.end();
    };
    return repeats(p.za) || repeats(p.zb);
  };
  t.push_back({"matmul", "a batch operand read by several products (its gradient GEMMs accumulate)", matmul_broadcast, {1, 2, 3}, {}});
  t.push_back({"matmul", "one product per batch, no operand shared",
               [matmul_broadcast](const Shapes& in, const AttrMap& a, const Shape& y) { return !matmul_broadcast(in, a, y); }, {1, 2}, {}});

  t.push_back({"conv2d", "dW as g x columns^T (K = C/groups*kh*kw < kConvTransposedMinK = 64)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return conv_columns(in, a) < kConvTransposedMinK; },
               {7, 8}, {}});
  t.push_back({"conv2d", "dW summed transposed (K >= 64)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return conv_columns(in, a) >= kConvTransposedMinK; },
               joined(around(kConvTransposedMinK), {8, 16, 22, 32}), {}});
  t.push_back({"conv2d", "im2col shifted plane (stride 1, output as wide as the input)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return im2col_shifted_plane(conv_window(in, a)); }, {3, 5}, {}});
  t.push_back({"conv2d", "im2col row by row, unit column stride",
               [](const Shapes& in, const AttrMap& a, const Shape&) {
                 const ops::Window2d g = conv_window(in, a);
                 return !im2col_shifted_plane(g) && g.sw == 1;
               }, {3, 4}, {}});
  t.push_back({"conv2d", "im2col row by row, strided columns (stride > 1)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return conv_window(in, a).sw > 1; }, {5, 7}, {}});
  t.push_back({"conv2d", "grouped (groups > 1: one product per image and group)",
               [](const Shapes&, const AttrMap& a, const Shape&) { return a.get_int_or("groups", 1) > 1; }, {2, 4}, {}});
  t.push_back({"conv2d", "bias gradient summed in kConvBiasLanes = 8 lanes (P = Ho*Wo >= 8)",
               [](const Shapes& in, const AttrMap&, const Shape& y) { return in.size() == 3 && y[2] * y[3] >= kConvBiasLanes; },
               lanes(kConvBiasLanes), {}});
  t.push_back({"conv2d", "bias gradient shorter than the lanes (P < 8)",
               [](const Shapes& in, const AttrMap&, const Shape& y) { return in.size() == 3 && y[2] * y[3] < kConvBiasLanes; },
               {1, 2}, {}});

  t.push_back({"max_pool2d", "2x2 stride-2 path, even H and W",
               [](const Shapes& in, const AttrMap& a, const Shape&) {
                 const ops::Window2d g = pool_window(in, a);
                 return is_pool2x2(g) && g.H % 2 == 0 && g.W % 2 == 0;
               }, {2, 4, 6}, {}});
  t.push_back({"max_pool2d", "2x2 stride-2 path, odd H or W (the last row or column in no window)",
               [](const Shapes& in, const AttrMap& a, const Shape&) {
                 const ops::Window2d g = pool_window(in, a);
                 return is_pool2x2(g) && (g.H % 2 == 1 || g.W % 2 == 1);
               }, {3, 5, 7}, {}});
  t.push_back({"max_pool2d", "whole 4- or 9-tap windows as an unrolled tournament (not the 2x2 path)",
               [](const Shapes& in, const AttrMap& a, const Shape&) {
                 const ops::Window2d g = pool_window(in, a);
                 return !is_pool2x2(g) && unrolled_taps(g);
               }, {2, 3}, {}});
  t.push_back({"max_pool2d", "windows scanned tap by tap (other tap counts)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return !unrolled_taps(pool_window(in, a)); }, {1, 2, 3}, {}});

  for (const std::string_view op : {"layer_norm", "batch_norm"}) {
    t.push_back({op, "group sums in kNormLanes = 16 lanes (n >= 16)",
                 [op](const Shapes& in, const AttrMap& a, const Shape&) { return norm_group(op, in, a) >= kNormLanes; },
                 lanes(kNormLanes), {}});
    t.push_back({op, "group sums in one chain (n < 16)",
                 [op](const Shapes& in, const AttrMap& a, const Shape&) { return norm_group(op, in, a) < kNormLanes; }, {1, 2, 3}, {}});
  }
  t.push_back({"batch_norm", "channel groups gathered from strided runs (N > 1)",
               [](const Shapes& in, const AttrMap&, const Shape&) { return in[0][0] > 1; }, {2, 3}, {}});
  t.push_back({"batch_norm", "a channel group contiguous in place (N = 1)",
               [](const Shapes& in, const AttrMap&, const Shape&) { return in[0][0] == 1; }, {1}, {}});

  const std::string_view attention = "scaled_dot_product_attention";
  t.push_back({attention, "probabilities kept for the backward (Z*L*S <= kAttentionMaxSaved = 2^23)",
               [](const Shapes& in, const AttrMap& a, const Shape&) {
                 const auto d = attention_dims(in, a);
                 return d.Z * d.L * d.S <= kAttentionMaxSaved;
               }, {}, {}});
  t.push_back({attention, "probabilities recomputed in the backward (Z*L*S > 2^23)",
               [](const Shapes& in, const AttrMap& a, const Shape&) {
                 const auto d = attention_dims(in, a);
                 return d.Z * d.L * d.S > kAttentionMaxSaved;
               }, {},
               "8M probabilities are past what the exact reference can check per case; "
               "runtime/tests/test_fast_attention.cpp (large_attention_recomputes_its_probabilities) covers it"});
  t.push_back({attention, "backward row dots in kAttentionLanes = 8 lanes (S >= 8)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return attention_dims(in, a).S >= kAttentionLanes; },
               lanes(kAttentionLanes), {}});
  t.push_back({attention, "backward row dots shorter than the lanes (S < 8)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return attention_dims(in, a).S < kAttentionLanes; }, {1, 2}, {}});
  t.push_back({attention, "causal rows (keys past the row masked)",
               [](const Shapes& in, const AttrMap& a, const Shape&) { return attention_dims(in, a).causal; }, {}, {}});

  for (const std::string_view op : {"permute", "transpose"}) {
    t.push_back({op, "whole rows copied (the last axis stays last)",
                 [op](const Shapes& in, const AttrMap& a, const Shape&) { return permute_keeps_last_axis(permutation(op, in, a)); },
                 {}, {}});
    t.push_back({op, "element by element (the last axis moves)",
                 [op](const Shapes& in, const AttrMap& a, const Shape&) { return !permute_keeps_last_axis(permutation(op, in, a)); },
                 {}, {}});
  }

  for (const std::string_view op : {"add", "sub", "mul", "div", "maximum", "minimum"}) {
    t.push_back({op, "equal shapes, one loop",
                 [](const Shapes& in, const AttrMap&, const Shape& y) { return in[0] == y && in[1] == y; }, {}, {}});
    t.push_back({op, "a trailing-axes broadcast, looped in periods",
                 [](const Shapes& in, const AttrMap&, const Shape& y) {
                   return !(in[0] == y && in[1] == y) && elementwise_loop_shapes(in[0], &in[1], y);
                 }, {}, {}});
    t.push_back({op, "other broadcasts (declined: the generic rule runs)",
                 [](const Shapes& in, const AttrMap&, const Shape& y) { return !elementwise_loop_shapes(in[0], &in[1], y); }, {}, {}});
  }

  // FastKernels with a single path, whatever the sizes.
  const auto always = [](const Shapes&, const AttrMap&, const Shape&) { return true; };
  for (const std::string_view op : {"neg", "square", "exp", "tanh", "sigmoid", "relu", "abs"})
    t.push_back({op, "one elementwise loop", always, {}, {}});
  for (const std::string_view op : {"reshape", "flatten"}) t.push_back({op, "one copy", always, {}, {}});
  t.push_back({"avg_pool2d", "each window's valid taps, in order", always, {}, {}});
  t.push_back({"embedding", "rows copied, gradients added row by row", always, {}, {}});
  return t;
}

}  // namespace

const std::vector<KernelPath>& kernel_paths() {
  static const std::vector<KernelPath> table = make_table();
  return table;
}

std::vector<std::string_view> fast_kernel_ops() {
  std::vector<std::string_view> out;
  for (const KernelPath& p : kernel_paths())
    if (std::find(out.begin(), out.end(), p.op) == out.end()) out.push_back(p.op);
  return out;
}

std::vector<std::int64_t> kernel_path_sizes(std::string_view op) {
  std::vector<std::int64_t> out;
  for (const KernelPath& p : kernel_paths())
    if (op.empty() || p.op == op) out.insert(out.end(), p.sizes.begin(), p.sizes.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace vt::rt
