// One generator step per op of the op table: choose operands (in the op's
// domain, see domain_hints.hpp), valid attributes, and the range of the result.
#include <cmath>
#include <numeric>

#include "build_ctx.hpp"
#include "op_steps.hpp"

namespace vt::proptests::detail {

namespace {

using spec::AttrMap;
using spec::IntList;
using spec::Shape;

// An axis index, sometimes written in its negative form.
std::int64_t axis_form(std::int64_t axis, std::size_t rank, Dial& d) {
  return d.pick(4) == 3 ? axis - static_cast<std::int64_t>(rank) : axis;
}

// keepdim absent (default false), false or true.
void maybe_keepdim(AttrMap& a, Dial& d) {
  const int k = d.pick(3);
  if (k > 0) a.set("keepdim", k == 2);
}

std::size_t pick_of(const std::vector<std::size_t>& v, Dial& d) {
  return v[static_cast<std::size_t>(d.pick(static_cast<int>(v.size())))];
}

Range unary_range(std::string_view op, Range r) {
  if (op == "neg") return r_neg(r);
  if (op == "square") return r_square(r);
  if (op == "exp") return {std::exp(r.lo), std::exp(r.hi)};
  if (op == "log") return {std::log(r.lo), std::log(r.hi)};
  if (op == "sqrt") return {std::sqrt(r.lo), std::sqrt(r.hi)};
  if (op == "tanh") return {std::tanh(r.lo), std::tanh(r.hi)};
  if (op == "sigmoid") return {sigmoid(r.lo), sigmoid(r.hi)};
  if (op == "relu") return {std::max(r.lo, 0.0), std::max(r.hi, 0.0)};
  // silu and gelu lie between min(x, 0) and max(x, 0), above their minima
  // (silu: -0.2785, gelu: -0.1700); log_sigmoid is increasing.
  if (op == "silu") return {std::max(-0.28, std::min(r.lo, 0.0)), std::max(r.hi, 0.0)};
  if (op == "gelu") return {std::max(-0.18, std::min(r.lo, 0.0)), std::max(r.hi, 0.0)};
  if (op == "log_sigmoid") return {log_sigmoid(r.lo), log_sigmoid(r.hi)};
  if (op == "log1p") return {std::log1p(r.lo), std::log1p(r.hi)};
  if (op == "expm1") return {std::expm1(r.lo), std::expm1(r.hi)};
  return r_abs(r);  // abs
}

Range binary_range(std::string_view op, Range a, Range b) {
  if (op == "add") return r_add(a, b);
  if (op == "sub") return r_sub(a, b);
  if (op == "mul") return r_mul(a, b);
  if (op == "div") return r_div(a, b);
  if (op == "maximum") return r_max(a, b);
  return r_min(a, b);  // minimum
}

void unary(Ctx& c, Dial& d, std::string_view op) {
  const auto a = c.operand(d, 0, c.max_rank(), need_of(op, 0));
  c.apply(op, {a}, {}, unary_range(op, c.range_of(a)));
}

// Elementwise binary ops: the partner is a fresh argument of a shape that
// broadcasts with the first operand, an existing value that broadcasts with
// it (a dangling one first), or the first operand itself (x op x: ties for
// maximum/minimum).
void binary(Ctx& c, Dial& d, std::string_view op) {
  const bool swap = d.pick(2) == 1;
  const int pa = swap ? 1 : 0, pb = 1 - pa;
  const auto a = c.operand(d, 0, c.max_rank(), need_of(op, pa));
  std::size_t b = 0;
  const int mode = d.pick(4);
  auto existing = mode == 2 ? c.fitting("add", {spec::TensorType{c.dtype(), c.shape_of(a)}}, 1) : std::vector<std::size_t>{};
  std::vector<std::size_t> dangling;  // preferred: joins a branch back into the graph
  for (auto i : existing)
    if (c.unused_node(i) && i != a) dangling.push_back(i);
  if (!dangling.empty()) existing = dangling;
  if (mode == 3) b = c.ensure(a, need_of(op, pb), d);
  else if (!existing.empty()) b = c.ensure(pick_of(existing, d), need_of(op, pb), d);
  else b = c.fresh(d, c.broadcast_partner(c.shape_of(a), d), need_of(op, pb));
  const std::size_t x = swap ? b : a, y = swap ? a : b;
  c.apply(op, {x, y}, {}, binary_range(op, c.range_of(x), c.range_of(y)));
}

void clamp(Ctx& c, Dial& d, std::string_view op) {
  // Bounds from the same dyadic table as the inputs' kink values, so inputs
  // sit exactly on them; lo > hi (everything becomes hi) now and then.
  static constexpr double kBounds[] = {0, 1, -1, 0.5, -0.5, 2, -2};
  static constexpr double kWidths[] = {1, 0.5, 2, 1, 0.5, 2, 0, -0.5};
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  const int mode = d.pick(3);  // 0: both bounds, 1: min only, 2: max only
  const double lo = kBounds[d.pick(std::size(kBounds))];
  const double hi = mode == 0 ? lo + kWidths[d.pick(std::size(kWidths))] : kBounds[d.pick(std::size(kBounds))];
  AttrMap a;
  if (mode != 2) a.set("min", lo);
  if (mode != 1) a.set("max", hi);
  c.apply(op, {x}, std::move(a), r_clamp(c.range_of(x), mode != 2, lo, mode != 1, hi));
}

void constant(Ctx& c, Dial& d, std::string_view) {
  static constexpr double kValues[] = {1, 0.5, 2, -1, 0, -0.5, 0.25, 3};
  const Shape s = c.shape(d, 0, c.max_rank());
  c.constant(d, kValues[d.pick(std::size(kValues))], s);
}

// matmul(a [..., M, K], b [..., K, N]); the existing value goes left or right,
// the partner's batch axes broadcast against it (equal, 1, or new leading axes).
void matmul(Ctx& c, Dial& d, std::string_view op) {
  if (c.max_rank() < 2) throw Skip{};
  const bool right = d.pick(2) == 1;
  const auto v = c.operand(d, 2, c.max_rank(), Need::None);
  const Shape s = c.shape_of(v);
  const std::vector<std::int64_t> batch(s.dims().begin(), s.dims().end() - 2);
  const int len = d.pick(c.max_rank() - 1);
  std::vector<std::int64_t> pb(static_cast<std::size_t>(len));
  for (int i = 0; i < len; ++i) {  // from the innermost batch axis outward
    auto& out = pb[static_cast<std::size_t>(len - 1 - i)];
    if (i < static_cast<int>(batch.size())) {
      const std::int64_t x = batch[batch.size() - 1 - static_cast<std::size_t>(i)];
      const int m = d.pick(3);
      out = m == 1 ? 1 : (m == 2 && x == 1 ? c.dim(d) : x);
    } else {
      out = c.dim(d);
    }
  }
  std::vector<std::int64_t> ps = pb;
  if (!right) ps.insert(ps.end(), {s[s.rank() - 1], c.dim(d)});  // v [.., M, K] @ p [.., K, N]
  else ps.insert(ps.end(), {c.dim(d), s[s.rank() - 2]});          // p [.., M, K] @ v [.., K, N]
  const spec::TensorType vt{c.dtype(), s};
  const auto existing = d.pick(4) == 3 ? c.fitting(op, {vt}, right ? 0 : 1) : std::vector<std::size_t>{};
  const std::size_t p = existing.empty() ? c.fresh(d, Shape(ps), Need::None) : pick_of(existing, d);
  const std::size_t a = right ? p : v, b = right ? v : p;
  const double k = static_cast<double>(c.shape_of(a)[c.shape_of(a).rank() - 1]);
  c.apply(op, {a, b}, {}, r_scale(r_mul(c.range_of(a), c.range_of(b)), k));
}

// linear(x [..., I], W [O, I], b [O]?), with and without bias; W is often a
// parameter and may be an existing value (a weight used twice).
void linear(Ctx& c, Dial& d, std::string_view op) {
  if (c.max_rank() < 2) throw Skip{};  // W is [O, I]
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const std::int64_t in = c.shape_of(x)[c.shape_of(x).rank() - 1];
  const spec::TensorType xt{c.dtype(), c.shape_of(x)};
  const auto ws = d.pick(4) == 3 ? c.fitting(op, {xt}, 1) : std::vector<std::size_t>{};
  const std::size_t w = ws.empty() ? c.fresh(d, Shape{c.dim(d), in}, Need::None) : pick_of(ws, d);
  const std::int64_t out = c.shape_of(w)[0];
  Range r = r_scale(r_mul(c.range_of(x), c.range_of(w)), static_cast<double>(in));
  std::vector<std::size_t> ins{x, w};
  if (d.pick(2) == 1) {
    std::vector<std::size_t> bs;
    if (d.pick(4) == 3)
      for (std::size_t i = 0; i < c.num_vals(); ++i)
        if (c.shape_of(i) == Shape{out}) bs.push_back(i);
    const std::size_t b = bs.empty() ? c.fresh(d, Shape{out}, Need::None) : pick_of(bs, d);
    r = r_add(r, c.range_of(b));
    ins.push_back(b);
  }
  c.apply(op, ins, {}, r);
}

void permute(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  const std::size_t r = c.shape_of(x).rank();
  std::vector<std::int64_t> rest(r);
  std::iota(rest.begin(), rest.end(), 0);
  IntList perm;  // a Lehmer code: all-zero knobs give the identity
  while (!rest.empty()) {
    const auto k = static_cast<std::size_t>(d.pick(static_cast<int>(rest.size())));
    perm.push_back(axis_form(rest[k], r, d));
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(k));
  }
  AttrMap a;
  a.set("perm", perm);
  c.apply(op, {x}, std::move(a), c.range_of(x));
}

void transpose(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const std::size_t r = c.shape_of(x).rank();
  AttrMap a;
  const int mode = d.pick(4);  // 0: the defaults (-2, -1); else explicit (maybe equal) axes
  if (r < 2 || mode != 0) {
    const int n = static_cast<int>(r);
    a.set("dim0", axis_form(d.pick(n), r, d));
    if (mode != 3 || r < 2) a.set("dim1", axis_form(d.pick(n), r, d));  // mode 3 leaves dim1 at its default
  }
  c.apply(op, {x}, std::move(a), c.range_of(x));
}

// reshape to a random factorization of the element count into dims of at
// most max_dim (largest factors placed first), maybe with one -1.
void reshape(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  std::int64_t n = c.shape_of(x).numel();
  std::vector<std::int64_t> factors;
  for (std::int64_t f = 2; n > 1;) {
    if (n % f == 0) factors.push_back(f), n /= f;
    else ++f;
  }
  const std::int64_t max_dim = c.opts().max_dim;
  int min_rank = 0;
  for (std::int64_t room = 1; room < c.shape_of(x).numel(); room *= max_dim) ++min_rank;
  if (min_rank > c.max_rank()) throw Skip{};
  const int rank = min_rank + d.pick(c.max_rank() - min_rank + 1);
  IntList dims(static_cast<std::size_t>(rank), 1);
  for (auto f = factors.rbegin(); f != factors.rend(); ++f) {
    std::vector<std::size_t> fit;
    for (std::size_t k = 0; k < dims.size(); ++k)
      if (dims[k] * *f <= max_dim) fit.push_back(k);
    if (fit.empty()) throw Skip{};  // no packing found this way
    dims[pick_of(fit, d)] *= *f;
  }
  if (rank > 0 && d.pick(3) == 2) dims[static_cast<std::size_t>(d.pick(rank))] = -1;
  AttrMap a;
  a.set("shape", dims);
  c.apply(op, {x}, std::move(a), c.range_of(x));
}

void broadcast_to(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  IntList dims = c.shape_of(x).dims();
  for (auto& v : dims)
    if (v == 1 && d.pick(2) == 1) v = c.dim(d);
  const int extra = d.pick(c.max_rank() - static_cast<int>(dims.size()) + 1);
  for (int i = 0; i < extra; ++i) dims.insert(dims.begin(), c.dim(d));
  AttrMap a;
  a.set("shape", dims);
  c.apply(op, {x}, std::move(a), c.range_of(x));
}

// sum/mean over all axes (attribute absent) or a random nonempty subset,
// in random order, keepdim absent/false/true.
void reduce(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  const Shape& s = c.shape_of(x);
  AttrMap a;
  std::int64_t n = s.numel();  // elements per output
  if (s.rank() > 0 && d.pick(4) != 0) {
    IntList axes;
    for (std::size_t i = 0; i < s.rank(); ++i)
      if (d.pick(2) == 1) axes.push_back(static_cast<std::int64_t>(i));
    if (axes.empty()) axes.push_back(d.pick(static_cast<int>(s.rank())));
    n = 1;
    for (auto k : axes) n *= s[static_cast<std::size_t>(k)];
    if (d.pick(4) == 3) std::reverse(axes.begin(), axes.end());
    for (auto& k : axes) k = axis_form(k, s.rank(), d);
    a.set("axes", axes);
  }
  maybe_keepdim(a, d);
  const Range r = op == "sum" ? r_scale(c.range_of(x), static_cast<double>(n)) : c.range_of(x);
  c.apply(op, {x}, std::move(a), r);
}

// amax/amin/max/min over one axis, or (a quarter of the time) all axes.
void extreme(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const std::size_t r = c.shape_of(x).rank();
  AttrMap a;
  if (d.pick(4) != 0) a.set("axis", axis_form(d.pick(static_cast<int>(r)), r, d));
  maybe_keepdim(a, d);
  c.apply(op, {x}, std::move(a), c.range_of(x));
}

// argmax/argmin (i64) feeding gather along the same axis: x.gather(axis,
// x.argmax(axis, keepdim=True)), torch's way of picking the extreme values.
void arg_extreme(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const std::size_t r = c.shape_of(x).rank();
  const std::int64_t axis = axis_form(d.pick(static_cast<int>(r)), r, d);
  AttrMap a;
  a.set("axis", axis);
  a.set("keepdim", true);
  const spec::GValue index = c.index_node(op, x, std::move(a));
  AttrMap g;
  g.set("axis", axis);
  c.apply_with_index("gather", {x}, 1, index, std::move(g), c.range_of(x));
}

// pow: a constant exponent (dyadic, so e - 1 is exact in f32 too) on a base
// in its domain, or a tensor exponent on a positive base.
void pow(Ctx& c, Dial& d, std::string_view op) {
  static constexpr double kExponents[] = {2, 3, 0.5, -1, 1.5, -0.5, 0, 1, 2.5, -2};
  if (d.pick(3) != 0) {
    const double e = kExponents[d.pick(std::size(kExponents))];
    const bool integer = std::floor(e) == e;
    const Need need = !integer ? Need::Positive : e < 0 ? Need::AwayFromZero : Need::None;
    const auto x = c.operand(d, 0, c.max_rank(), need);
    const Range r = c.range_of(x);
    // |x| >= kMinPositive where e < 0, so |y| <= max(|x|, 1/kMinPositive)^|e|.
    const double m = std::pow(std::max({std::abs(r.lo), std::abs(r.hi), 1 / kMinPositive}), std::abs(e));
    AttrMap a;
    a.set("exponent", e);
    c.apply(op, {x}, std::move(a), e == 0 ? Range{1, 1} : Range{-m, m});
    return;
  }
  const auto x = c.operand(d, 0, c.max_rank(), Need::Positive);
  const std::size_t y = c.fresh(d, c.broadcast_partner(c.shape_of(x), d), Need::None);
  const Range b = c.range_of(x), e = c.range_of(y);
  c.apply(op, {x, y}, {}, hull(std::pow(b.lo, e.lo), std::pow(b.lo, e.hi), std::pow(b.hi, e.lo), std::pow(b.hi, e.hi)));
}

void full(Ctx& c, Dial& d, std::string_view op) {
  static constexpr double kValues[] = {1, 0.5, -2, 0, 0.25};
  const Shape s = c.shape(d, 0, c.max_rank());
  const double v = kValues[d.pick(std::size(kValues))];
  AttrMap a;
  a.set("shape", s.dims());
  a.set("value", v);
  a.set("dtype", std::string(to_string(c.dtype())));
  c.apply(op, {}, std::move(a), Range{v, v});
}

// arange of n elements from a dyadic start and step (exact in every dtype).
void arange(Ctx& c, Dial& d, std::string_view op) {
  static constexpr double kStarts[] = {0, 1, -2, 0.5}, kSteps[] = {1, 0.5, -1, 2, 0.25};
  const double start = kStarts[d.pick(std::size(kStarts))], step = kSteps[d.pick(std::size(kSteps))];
  const std::int64_t n = c.dim(d);
  const double last = start + static_cast<double>(n - 1) * step;
  AttrMap a;
  if (start != 0 || d.pick(2) == 0) a.set("start", start);
  if (step != 1 || d.pick(2) == 0) a.set("step", step);
  a.set("end", start + static_cast<double>(n) * step);
  a.set("dtype", std::string(to_string(c.dtype())));
  c.apply(op, {}, std::move(a), Range{std::min(start, last), std::max(start, last)});
}

void softmax(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const Shape& s = c.shape_of(x);
  AttrMap a;
  std::size_t axis = s.rank() - 1;
  if (d.pick(2) == 1) {  // explicit axis (else the default, -1)
    axis = static_cast<std::size_t>(d.pick(static_cast<int>(s.rank())));
    a.set("axis", axis_form(static_cast<std::int64_t>(axis), s.rank(), d));
  }
  const Range in = c.range_of(x);
  const double n = static_cast<double>(s[axis]), w = in.hi - in.lo;
  const Range r = op == "softmax" ? Range{std::exp(-w) / n, 1} : Range{-w - std::log(n), 0};
  c.apply(op, {x}, std::move(a), r);
}

void mse_loss(Ctx& c, Dial& d, std::string_view op) {
  const auto a = c.operand(d, 0, c.max_rank(), Need::None);
  const spec::TensorType at{c.dtype(), c.shape_of(a)};
  const auto same = d.pick(4) == 3 ? c.fitting(op, {at}, 1) : std::vector<std::size_t>{};
  const std::size_t t = same.empty() ? c.fresh(d, c.shape_of(a), Need::None) : pick_of(same, d);
  const bool swap = d.pick(2) == 1;
  const std::size_t x = swap ? t : a, y = swap ? a : t;
  c.apply(op, {x, y}, {}, r_square(r_sub(c.range_of(x), c.range_of(y))));
}

// cross_entropy on [N, C] logits: a rank-2 value, or the latest value
// reshaped to [-1, C] (when N stays within max_dim), with a fresh i64 target
// of valid class indices.
void cross_entropy(Ctx& c, Dial& d, std::string_view op) {
  std::size_t x = 0;
  const std::size_t last = c.num_vals() - 1;
  const Shape& ls = c.shape_of(last);
  const std::int64_t classes = ls.rank() > 0 ? ls[ls.rank() - 1] : 1;
  if (d.pick(3) == 2 && c.rank_of(last) != 2 && ls.numel() / classes <= c.opts().max_dim) {
    AttrMap a;
    a.set("shape", IntList{-1, classes});
    x = c.apply("reshape", {last}, std::move(a), c.range_of(last));
  } else {
    x = c.operand(d, 2, 2, Need::None);
  }
  const Shape s = c.shape_of(x);
  const spec::GValue t = c.target(s[0], s[1]);
  const Range in = c.range_of(x);
  c.apply_with_target(op, x, t, Range{0, in.hi - in.lo + std::log(static_cast<double>(s[1]))});
}

// An NCHW image: an existing rank-4 value, the latest value reshaped to
// [1, 1, h, w], or a fresh [N, C, H, W] argument (rank 4 even where the
// options cap other shapes lower: images are NCHW).
std::size_t image_operand(Ctx& c, Dial& d, std::string_view op) {
  const bool realistic = !c.opts().favored_dims.empty();
  const int src = d.pick(4);
  if (src <= 1) {
    std::vector<std::size_t> images;
    for (std::size_t i = 0; i < c.num_vals(); ++i)
      if (c.rank_of(i) == 4) images.push_back(i);
    if (!images.empty()) return src == 0 ? images.back() : pick_of(images, d);
  }
  if (src == 2 && !realistic && c.num_vals() > 0) {  // (realistic: a fresh image, with channels)
    const std::size_t last = c.num_vals() - 1;
    const std::int64_t n = c.shape_of(last).numel();
    std::vector<std::size_t> divisors;
    for (std::int64_t h = 1; h <= c.opts().max_dim; ++h)
      if (n % h == 0 && n / h <= c.opts().max_dim) divisors.push_back(static_cast<std::size_t>(h));
    if (!divisors.empty()) {
      const auto h = static_cast<std::int64_t>(pick_of(divisors, d));
      AttrMap a;
      a.set("shape", IntList{1, 1, h, n / h});
      return c.apply("reshape", {last}, std::move(a), c.range_of(last));
    }
  }
  // Batch and channels stay small, except in the realistic profile, whose
  // channel counts reach the FastKernels' switches (conv2d's K >= 64).
  const int cap = static_cast<int>(c.opts().max_dim);
  const std::int64_t n = 1 + d.pick(std::min(2, cap));
  // (realistic: channels, height and width around the op's own switch sizes:
  // conv2d's column lengths, pooling's odd and even widths)
  const std::int64_t channels = realistic ? c.dim_for(op, d) : 1 + d.pick(std::min(3, cap));
  const std::int64_t h = realistic ? c.dim_for(op, d) : c.dim(d), w = realistic ? c.dim_for(op, d) : c.dim(d);
  return c.fresh(d, c.within_budget({n, channels, h, w}), Need::None);
}

// [v] or [v_h, v_w] (the same pair either way, written both ways).
IntList pair_form(std::int64_t h, std::int64_t w, Dial& d) {
  if (h == w && d.pick(2) == 0) return IntList{h};
  return IntList{h, w};
}

// One spatial axis of a window: kernel taps, dilation and padding such that
// the kernel fits the padded input; padding <= taps/2 when `pool`.
struct Axis {
  std::int64_t k, dil, pad, stride;
};
Axis window_axis(std::int64_t size, bool pool, std::int64_t max_dim, Dial& d) {
  Axis a{1 + d.pick(static_cast<int>(std::min<std::int64_t>(3, max_dim))), d.pick(4) == 3 ? 2 : 1, 0, 1 + d.pick(2)};
  a.pad = pool ? d.pick(static_cast<int>(a.k / 2 + 1)) : d.pick(3);
  if (a.dil * (a.k - 1) + 1 > size + 2 * a.pad) a.k = 1, a.dil = 1, a.pad = 0;  // always fits
  const auto extent = [&] { return a.dil * (a.k - 1) + 1; };
  while (a.pad > 0 && extent() <= size + 2 * (a.pad - 1) && (size + 2 * a.pad - extent()) / a.stride + 1 > max_dim)
    --a.pad;  // output within max_dim
  return a;
}

// conv2d over an image with a fresh weight [O, C/groups, kh, kw], groups a
// divisor of C, bias half the time, and every stride/padding/dilation form.
void conv2d(Ctx& c, Dial& d, std::string_view op) {
  const std::size_t x = image_operand(c, d, op);
  const Shape s = c.shape_of(x);
  std::vector<std::size_t> divisors;
  for (std::int64_t q = 1; q <= s[1]; ++q)
    if (s[1] % q == 0) divisors.push_back(static_cast<std::size_t>(q));
  // (realistic profile: groups = 1 half the time, so that long columns, K >= 64, come up)
  const bool ungrouped = !c.opts().favored_dims.empty() && d.pick(2) == 0;
  const auto groups = ungrouped ? std::int64_t{1} : static_cast<std::int64_t>(pick_of(divisors, d));
  const std::int64_t out = groups * (2 * groups <= c.opts().max_dim ? 1 + d.pick(2) : 1), cg = s[1] / groups;
  const Axis h = window_axis(s[2], false, c.opts().max_dim, d), w = window_axis(s[3], false, c.opts().max_dim, d);
  const std::size_t weight = c.fresh(d, Shape{out, cg, h.k, w.k}, Need::None);
  AttrMap a;
  if (h.stride != 1 || w.stride != 1 || d.pick(4) == 0) a.set("stride", pair_form(h.stride, w.stride, d));
  if (h.pad != 0 || w.pad != 0) a.set("padding", pair_form(h.pad, w.pad, d));
  if (h.dil != 1 || w.dil != 1) a.set("dilation", pair_form(h.dil, w.dil, d));
  if (groups != 1 || d.pick(4) == 0) a.set("groups", groups);
  const Range rx = c.range_of(x), taps{std::min(rx.lo, 0.0), std::max(rx.hi, 0.0)};  // padding reads zeros
  Range r = r_scale(r_mul(taps, c.range_of(weight)), static_cast<double>(cg * h.k * w.k));
  std::vector<std::size_t> ins{x, weight};
  if (d.pick(2) == 1) {
    const std::size_t b = c.fresh(d, Shape{out}, Need::None);
    r = r_add(r, c.range_of(b));
    ins.push_back(b);
  }
  c.apply(op, ins, std::move(a), r);
}

// max_pool2d / avg_pool2d: kernel, stride (absent = the kernel), padding up
// to half the kernel, dilation now and then; a quarter of the time the 2x2
// stride-2 window that models use most, which the FastKernels run on a path
// of its own (about 2% of the free draws would hit it).
void pool2d(Ctx& c, Dial& d, std::string_view op) {
  const std::size_t x = image_operand(c, d, op);
  const Shape s = c.shape_of(x);
  Axis h = window_axis(s[2], true, c.opts().max_dim, d), w = window_axis(s[3], true, c.opts().max_dim, d);
  if (op == "max_pool2d") h.dil = w.dil = 1;  // dilated windows may lie wholly in the padding (rejected)
  const bool common = s[2] >= 2 && s[3] >= 2 && d.pick(4) == 0;
  if (common) h = w = Axis{2, 1, 0, 2};
  AttrMap a;
  a.set("kernel_size", pair_form(h.k, w.k, d));
  if (!common && d.pick(2) == 1) a.set("stride", pair_form(h.stride, w.stride, d));
  if (h.pad != 0 || w.pad != 0) a.set("padding", pair_form(h.pad, w.pad, d));
  if (h.dil != 1 || w.dil != 1) a.set("dilation", pair_form(h.dil, w.dil, d));
  const Range rx = c.range_of(x);
  c.apply(op, {x}, std::move(a), op == "max_pool2d" ? rx : Range{std::min(rx.lo, 0.0), std::max(rx.hi, 0.0)});
}

// flatten: explicit start_dim <= end_dim (either maybe negative), or the
// defaults (1, -1) on rank >= 2; a scalar becomes [1] (axes 0 / -1). The
// merged size stays within max_dim (later fresh arguments take this shape).
void flatten(Ctx& c, Dial& d, std::string_view op) {
  if (c.max_rank() < 1) throw Skip{};
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  const Shape s = c.shape_of(x);
  const std::size_t r = std::max<std::size_t>(s.rank(), 1);
  const auto dim_at = [&](std::size_t k) { return s.rank() == 0 ? std::int64_t{1} : s[k]; };
  std::int64_t tail = 1;
  for (std::size_t k = 1; k < s.rank(); ++k) tail *= s[k];
  AttrMap a;
  if (s.rank() < 2 || tail > c.opts().max_dim || d.pick(4) != 0) {
    const auto st = static_cast<std::size_t>(d.pick(static_cast<int>(r)));
    std::size_t en = st;
    for (std::int64_t m = dim_at(st); en + 1 < r && m * dim_at(en + 1) <= c.opts().max_dim && d.pick(3) != 0;)
      m *= dim_at(++en);
    a.set("start_dim", axis_form(static_cast<std::int64_t>(st), r, d));
    if (en != r - 1 || d.pick(2) == 1) a.set("end_dim", axis_form(static_cast<std::int64_t>(en), r, d));
  }
  c.apply(op, {x}, std::move(a), c.range_of(x));
}

// concat of 1 to 8 operands along one axis (total size within max_dim): the
// others are fresh arguments, existing values of the same shape, or the first
// operand again (its gradient accumulates twice).
void concat(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const Shape s = c.shape_of(x);
  const std::size_t r = s.rank();
  const auto axis = static_cast<std::size_t>(d.pick(static_cast<int>(r)));
  const int n = d.pick(8) == 7 ? 8 : 1 + d.pick(4);
  std::vector<std::size_t> ins{x};
  Range range = c.range_of(x);
  std::int64_t total = s[axis];
  for (int k = 1; k < n; ++k) {
    const std::int64_t room = c.opts().max_dim - total;
    if (room < 1) break;
    const int mode = d.pick(4);
    std::size_t v = x;
    if (mode <= 1 || s[axis] > room) {
      Shape p = s;
      p[axis] = 1 + d.pick(static_cast<int>(room));
      v = c.fresh(d, p, Need::None);
    } else if (mode == 2) {
      std::vector<std::size_t> same;
      for (std::size_t i = 0; i < c.num_vals(); ++i)
        if (c.shape_of(i) == s) same.push_back(i);
      v = pick_of(same, d);  // x itself is among them
    }
    total += c.shape_of(v)[axis];
    range = Range{std::min(range.lo, c.range_of(v).lo), std::max(range.hi, c.range_of(v).hi)};
    ins.push_back(v);
  }
  AttrMap a;
  if (axis != 0 || d.pick(2) == 1) a.set("axis", axis_form(static_cast<std::int64_t>(axis), r, d));
  c.apply(op, ins, std::move(a), range);
}

// narrow: a nonempty slice start..start+length of one axis (start sometimes
// counted from the end).
void narrow(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const Shape& s = c.shape_of(x);
  const int axis = d.pick(static_cast<int>(s.rank()));
  const std::int64_t size = s[static_cast<std::size_t>(axis)];
  const std::int64_t start = d.pick(static_cast<int>(size));
  const std::int64_t length = 1 + d.pick(static_cast<int>(size - start));
  AttrMap a;
  a.set("axis", axis_form(axis, s.rank(), d));
  a.set("start", d.pick(4) == 3 ? start - size : start);
  a.set("length", length);
  c.apply(op, {x}, std::move(a), c.range_of(x));
}

// An index shape for gather/scatter_add: each dim in [1, bound dim], and
// along `axis` any size.
Shape index_shape(Ctx& c, Dial& d, const Shape& bound, std::size_t axis) {
  std::vector<std::int64_t> dims(bound.rank());
  for (std::size_t k = 0; k < dims.size(); ++k) dims[k] = k == axis ? c.dim(d) : 1 + d.pick(static_cast<int>(bound[k]));
  return Shape(std::move(dims));
}

// gather(x, index) with a fresh i64 index of valid positions (repeats likely:
// the gradient accumulates).
void gather(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const Shape s = c.shape_of(x);
  const auto axis = static_cast<std::size_t>(d.pick(static_cast<int>(s.rank())));
  const spec::GValue index = c.index_arg(index_shape(c, d, s, axis), s[axis]);
  AttrMap a;
  a.set("axis", axis_form(static_cast<std::int64_t>(axis), s.rank(), d));
  c.apply_with_index(op, {x}, 1, index, std::move(a), c.range_of(x));
}

// scatter_add(x, index, src): src is a fresh argument at least as large as
// the index (sometimes larger: its extra elements get no gradient).
void scatter_add(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const Shape s = c.shape_of(x);
  const auto axis = static_cast<std::size_t>(d.pick(static_cast<int>(s.rank())));
  const Shape is = index_shape(c, d, s, axis);
  Shape ss = is;
  for (auto& k : ss.dims())
    if (d.pick(4) == 3) k = std::min<std::int64_t>(k + d.pick(2) + 1, c.opts().max_dim);
  const auto src = c.fresh(d, ss, Need::None);
  const spec::GValue index = c.index_arg(is, s[axis]);
  AttrMap a;
  a.set("axis", axis_form(static_cast<std::int64_t>(axis), s.rank(), d));
  const double n = static_cast<double>(is[axis]);  // most src elements landing on one output
  const Range rs = c.range_of(src);
  const Range r = r_add(c.range_of(x), Range{std::min(rs.lo, 0.0) * n, std::max(rs.hi, 0.0) * n});
  c.apply_with_index(op, {x, src}, 1, index, std::move(a), r);
}

// embedding(weight [V, D], indices): the weight is a rank-2 value (often a
// fresh parameter), the indices a fresh i64 input of rank < max_rank.
void embedding(Ctx& c, Dial& d, std::string_view op) {
  if (c.max_rank() < 2) throw Skip{};
  const auto w = d.pick(2) == 0 ? c.fresh_arg(d, Shape{c.dim(d), c.dim(d)}, Need::None, true) : c.operand(d, 2, 2, Need::None);
  const spec::GValue indices = c.index_arg(c.shape(d, 0, c.max_rank() - 1), c.shape_of(w)[0]);
  c.apply_with_index(op, {w}, 1, indices, {}, c.range_of(w));
}

// eps absent (1e-5), 1e-5 or 0.25 (a group whose values all agree, e.g. a
// broadcast constant, then normalizes to 0 with s = sqrt(eps) bounded away
// from 0, so the intervals and the derivative (1/s) stay well-conditioned).
void maybe_eps(AttrMap& a, Dial& d) {
  const int k = d.pick(3);
  if (k > 0) a.set("eps", k == 1 ? 1e-5 : 0.25);
}

// The range of z * w + b, |z| <= sqrt(n) within a group of n.
Range affine_range(Ctx& c, double zmax, const std::vector<std::size_t>& ins, std::size_t first_affine) {
  Range r{-zmax, zmax};
  if (ins.size() > first_affine) r = r_mul(r, c.range_of(ins[first_affine]));
  if (ins.size() > first_affine + 1) r = r_add(r, c.range_of(ins[first_affine + 1]));
  return r;
}

// layer_norm over the last 1 or 2 axes of a value, with no affine, a weight,
// or a weight and a bias of the normalized shape.
void layer_norm(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const Shape& s = c.shape_of(x);
  const std::size_t k = s.rank() >= 2 && d.pick(3) == 2 ? 2 : 1;
  const IntList ns(s.dims().end() - static_cast<std::ptrdiff_t>(k), s.dims().end());
  AttrMap a;
  a.set("normalized_shape", ns);
  maybe_eps(a, d);
  std::vector<std::size_t> ins{x};
  const int affine = d.pick(3);  // 0: none, 1: weight, 2: weight and bias
  for (int i = 0; i < affine; ++i) ins.push_back(c.fresh(d, Shape(ns), Need::None));
  const Shape norm_shape{IntList(ns)};
  c.apply(op, ins, std::move(a), affine_range(c, std::sqrt(static_cast<double>(norm_shape.numel())), ins, 1));
}

// batch_norm on [N, C, ...]: training (batch statistics, at least two values
// per channel) or eval (a fresh positive running_var: s >= sqrt(0.25)).
void batch_norm(Ctx& c, Dial& d, std::string_view op) {
  if (c.max_rank() < 2) throw Skip{};
  const auto x = c.operand(d, 2, c.max_rank(), Need::None);
  const Shape s = c.shape_of(x);
  const std::int64_t C = s[1], per_channel = C == 0 ? 0 : s.numel() / C;
  bool training = d.pick(2) == 1;
  if (per_channel <= 1) training = false;
  AttrMap a;
  if (training || d.pick(2) == 1) a.set("training", training);
  maybe_eps(a, d);
  std::vector<std::size_t> ins{x};
  for (int i = 1; i < 5; ++i) ins.push_back(c.fresh(d, Shape{C}, need_of(op, i)));
  Range z{-std::sqrt(static_cast<double>(per_channel)), std::sqrt(static_cast<double>(per_channel))};
  if (!training) {
    const Range v = c.range_of(ins[4]);
    const double eps = a.get_float_or("eps", 1e-5);
    z = r_div(r_sub(c.range_of(x), c.range_of(ins[3])), Range{std::sqrt(std::max(v.lo, 0.0) + eps), std::sqrt(v.hi + eps)});
  }
  Range r = r_add(r_mul(z, c.range_of(ins[1])), c.range_of(ins[2]));
  c.apply(op, ins, std::move(a), r);
}
// softplus with beta a power of two (beta x exact: the threshold switch
// happens where the exact reference switches) and thresholds from the kink
// table, so that inputs sit exactly on the switch now and then.
void softplus(Ctx& c, Dial& d, std::string_view op) {
  static constexpr double kBetas[] = {1, 2, 0.5};
  static constexpr double kThresholds[] = {20, 1, 0.5, 2, -1, 0};
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  const double beta = kBetas[d.pick(std::size(kBetas))];
  double thr = kThresholds[d.pick(std::size(kThresholds))];
  // With beta < 1, beta x underflows to 0 at the smallest subnormal x > 0, and
  // a float decides "0 > threshold 0" where the exact z > 0: torch's float
  // convention itself differs there from the exact one (see ops::Softplus).
  if (beta < 1 && thr == 0) thr = 0.5;
  AttrMap a;
  if (beta != 1 || d.pick(2) == 1) a.set("beta", beta);
  if (thr != 20 || d.pick(2) == 1) a.set("threshold", thr);
  const Range r = c.range_of(x);
  // Increasing except for the small drop at the switch (y = x above it).
  const auto sp = [&](double v) { return softplus_of(beta * v) / beta; };
  c.apply(op, {x}, std::move(a), Range{std::min(sp(r.lo), std::max(r.lo, thr / beta)), std::max(sp(r.hi), r.hi)});
}

void gelu(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  AttrMap a;
  const int form = d.pick(3);  // default (none), none, tanh
  if (form > 0) a.set("approximate", std::string(form == 1 ? "none" : "tanh"));
  c.apply(op, {x}, std::move(a), unary_range(op, c.range_of(x)));
}

// dropout: p from a small table (0 and non-dyadic values included), any
// seed, training absent/true/false. Kept values are scaled by 1/(1-p).
void dropout(Ctx& c, Dial& d, std::string_view op) {
  static constexpr double kP[] = {0.5, 0, 0.25, 0.75, 0.3, 0.9};
  const auto x = c.operand(d, 0, c.max_rank(), Need::None);
  const double p = kP[d.pick(std::size(kP))];
  AttrMap a;
  a.set("p", p);
  a.set("seed", static_cast<std::int64_t>(d.pick(1 << 20)));
  const int mode = d.pick(3);
  if (mode > 0) a.set("training", mode == 1);
  const Range r = r_scale(c.range_of(x), 1 / (1 - p));
  c.apply(op, {x}, std::move(a), Range{std::min(r.lo, 0.0), std::max(r.hi, 0.0)});
}

// scaled_dot_product_attention: q is a value of rank >= 2; k and v are fresh
// (or q itself: self-attention through one value) with q's batch axes; the
// scale absent (1/sqrt(E)), dyadic, or not; causal now and then. y is a
// convex combination of v's rows.
void attention(Ctx& c, Dial& d, std::string_view op) {
  if (c.max_rank() < 2) throw Skip{};
  const auto q = c.operand(d, 2, c.max_rank(), Need::None);
  const Shape s = c.shape_of(q);
  const std::int64_t E = s[s.rank() - 1];
  if (E == 0) throw Skip{};
  const bool self = d.pick(4) == 0;
  std::vector<std::int64_t> ks = s.dims(), vs = s.dims();
  ks[ks.size() - 2] = vs[vs.size() - 2] = self ? s[s.rank() - 2] : c.dim(d);
  if (!self) vs.back() = c.dim(d);
  const std::size_t k = self ? q : c.fresh(d, Shape(ks), Need::None);
  const std::size_t v = self ? q : c.fresh(d, Shape(vs), Need::None);
  static constexpr double kScales[] = {0.5, 0.25, 0.3, 1};
  AttrMap a;
  if (d.pick(2) == 1) a.set("scale", kScales[d.pick(std::size(kScales))]);
  if (d.pick(3) == 2) a.set("causal", true);
  const Range r = c.range_of(v);
  c.apply(op, {q, k, v}, std::move(a), Range{std::min(r.lo, 0.0), std::max(r.hi, 0.0)});
}

constexpr OpStep kSteps[] = {
    {"add", binary},        {"sub", binary},          {"mul", binary},         {"div", binary},
    {"maximum", binary},    {"minimum", binary},      {"neg", unary},          {"square", unary},
    {"exp", unary},         {"log", unary},           {"sqrt", unary},         {"tanh", unary},
    {"sigmoid", unary},     {"relu", unary},          {"abs", unary},          {"clamp", clamp},
    {"constant", constant}, {"matmul", matmul},       {"linear", linear},      {"permute", permute},
    {"transpose", transpose}, {"reshape", reshape},   {"broadcast_to", broadcast_to},
    {"sum", reduce},        {"mean", reduce},         {"max", extreme},            {"softmax", softmax},
    {"log_softmax", softmax}, {"mse_loss", mse_loss}, {"cross_entropy", cross_entropy},
    {"conv2d", conv2d},     {"max_pool2d", pool2d},   {"avg_pool2d", pool2d},
    {"flatten", flatten},   {"concat", concat},       {"narrow", narrow},      {"gather", gather},
    {"scatter_add", scatter_add}, {"embedding", embedding},
    {"layer_norm", layer_norm}, {"batch_norm", batch_norm},
    {"softplus", softplus}, {"gelu", gelu}, {"silu", unary}, {"log_sigmoid", unary}, {"dropout", dropout},
    {"scaled_dot_product_attention", attention},
    {"log1p", unary}, {"expm1", unary}, {"pow", pow},
    {"amax", extreme}, {"amin", extreme}, {"min", extreme}, {"argmax", arg_extreme}, {"argmin", arg_extreme},
    {"full", full}, {"arange", arange},
};

}  // namespace

std::span<const OpStep> op_steps() { return kSteps; }

const OpStep* find_step(std::string_view op) {
  for (const auto& s : kSteps)
    if (s.op == op) return &s;
  return nullptr;
}

}  // namespace vt::proptests::detail
