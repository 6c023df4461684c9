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

void max(Ctx& c, Dial& d, std::string_view op) {
  const auto x = c.operand(d, 1, c.max_rank(), Need::None);
  const std::size_t r = c.shape_of(x).rank();
  AttrMap a;
  a.set("axis", axis_form(d.pick(static_cast<int>(r)), r, d));
  maybe_keepdim(a, d);
  c.apply(op, {x}, std::move(a), c.range_of(x));
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

constexpr OpStep kSteps[] = {
    {"add", binary},        {"sub", binary},          {"mul", binary},         {"div", binary},
    {"maximum", binary},    {"minimum", binary},      {"neg", unary},          {"square", unary},
    {"exp", unary},         {"log", unary},           {"sqrt", unary},         {"tanh", unary},
    {"sigmoid", unary},     {"relu", unary},          {"abs", unary},          {"clamp", clamp},
    {"constant", constant}, {"matmul", matmul},       {"linear", linear},      {"permute", permute},
    {"transpose", transpose}, {"reshape", reshape},   {"broadcast_to", broadcast_to},
    {"sum", reduce},        {"mean", reduce},         {"max", max},            {"softmax", softmax},
    {"log_softmax", softmax}, {"mse_loss", mse_loss}, {"cross_entropy", cross_entropy},
    {"softplus", softplus}, {"gelu", gelu}, {"silu", unary}, {"log_sigmoid", unary}, {"dropout", dropout},
};

}  // namespace

std::span<const OpStep> op_steps() { return kSteps; }

const OpStep* find_step(std::string_view op) {
  for (const auto& s : kSteps)
    if (s.op == op) return &s;
  return nullptr;
}

}  // namespace vt::proptests::detail
