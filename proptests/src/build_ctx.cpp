#include "build_ctx.hpp"

#include <cmath>

#include "vt/spec/op_table.hpp"

namespace vt::proptests::detail {

namespace {

using spec::AttrMap;
using spec::Shape;

// Ranges of fresh arguments, by profile (see values.cpp for the values).
Range arg_range(Profile p, bool rational) {
  switch (p) {
    case Profile::Plain: return rational ? Range{-4, 4} : Range{-2, 2};
    case Profile::Large: return {-1e4, 1e4};
    case Profile::Positive: return rational ? Range{0.25, 4} : Range{0.25, 2};
    case Profile::PositiveLarge: return {0.25, 1e4};
    case Profile::Classes: break;
  }
  return {0, 0};
}

// Constants: small dyadic values, so f32 and f64 graphs hold the same number.
constexpr double kConstants[] = {1, 0.5, 2, -1, 0, -0.5, 0.25, 3};
constexpr double kPositiveConstants[] = {1, 0.5, 2, 0.25, 3};

}  // namespace

Ctx::Ctx(const GenOptions& o, int dim_cap) : o_(&o), dim_cap_(std::max(1, std::min(dim_cap, o.max_dim))) {}

std::int64_t Ctx::dim(Dial& d) const { return dim_from(o_->favored_dims, d); }

std::int64_t Ctx::dim_for(std::string_view op, Dial& d) const {
  const auto own = o_->op_sizes.find(std::string(op));
  return dim_from(own != o_->op_sizes.end() ? own->second : o_->favored_dims, d);
}

std::int64_t Ctx::dim_from(const std::vector<std::int64_t>& sizes, Dial& d) const {
  if (sizes.empty()) return 1 + d.pick(dim_cap_);
  std::vector<std::int64_t> favored;
  for (const std::int64_t f : sizes)
    if (f >= 1 && f <= dim_cap_) favored.push_back(f);
  const int how = d.pick(3);
  if (how == 0 && !favored.empty()) return favored[static_cast<std::size_t>(d.pick(static_cast<int>(favored.size())))];
  if (how == 1) return 1 + d.pick(std::min(8, dim_cap_));
  return 1 + d.pick(dim_cap_);
}

Shape Ctx::shape(Dial& d, int min_rank, int max_rank) const {
  max_rank = std::min(max_rank, o_->max_rank);
  if (min_rank > max_rank) throw Skip{};
  const int rank = min_rank + d.pick(max_rank - min_rank + 1);
  std::vector<std::int64_t> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(dim(d));
  return within_budget(std::move(dims));
}

Shape Ctx::within_budget(std::vector<std::int64_t> dims) const {
  std::int64_t room = o_->max_numel;  // 0: no limit
  if (room > 0)
    for (std::int64_t& x : dims) x = std::min(x, std::max<std::int64_t>(room, 1)), room /= x;
  return Shape(std::move(dims));
}

void Ctx::check_numel(const Shape& s) const {
  if (o_->max_numel > 0 && s.numel() > o_->max_numel) throw Skip{};
}

Shape Ctx::broadcast_partner(const Shape& s, Dial& d) const {
  std::vector<std::int64_t> dims = s.dims();
  const int mode = d.pick(4);
  if (mode == 1 && !dims.empty())
    dims.erase(dims.begin(), dims.begin() + 1 + d.pick(static_cast<int>(dims.size())));  // a suffix, maybe a scalar
  else if (mode == 2 && static_cast<int>(dims.size()) < o_->max_rank)
    dims.insert(dims.begin(), dim(d));  // one more leading axis: the result grows
  for (auto& x : dims) {
    const int m = d.pick(4);
    if (m == 2) x = 1;                      // broadcast along this axis
    else if (m == 3 && x == 1) x = dim(d);  // the other operand broadcasts here
  }
  return Shape(std::move(dims));
}

std::size_t Ctx::operand(Dial& d, int min_rank, int max_rank, Need need) {
  max_rank = std::min(max_rank, o_->max_rank);
  if (min_rank > max_rank) throw Skip{};
  const auto fits = [&](std::size_t i) {
    const int r = rank_of(i);
    return r >= min_rank && r <= max_rank;
  };
  // 0-2: the latest value (chains), 3: a fresh argument, 4-5: a value nobody
  // uses yet, 6-7: any value (shared subexpressions, parameters used twice).
  const int src = d.pick(8);
  if (src <= 2) {
    if (!vals_.empty() && fits(vals_.size() - 1)) return ensure(vals_.size() - 1, need, d);
  } else if (src >= 4) {
    std::vector<std::size_t> cands;
    for (std::size_t i = 0; i < vals_.size(); ++i)
      if (fits(i) && (src >= 6 || (vals_[i].uses == 0 && !vals_[i].is_arg))) cands.push_back(i);
    if (!cands.empty()) return ensure(cands[static_cast<std::size_t>(d.pick(static_cast<int>(cands.size())))], need, d);
  }
  return fresh(d, shape(d, min_rank, max_rank), need);
}

std::size_t Ctx::fresh(Dial& d, Shape s, Need need) {
  // 0-3: parameter, 4-6: input, 7: a constant node (while the budget allows).
  const int kind = d.pick(8);
  if (kind == 7 && nodes_ < o_->max_nodes) {
    if (need == Need::Positive || need == Need::AwayFromZero)
      return constant(d, kPositiveConstants[d.pick(std::size(kPositiveConstants))], s);
    return constant(d, kConstants[d.pick(std::size(kConstants))], s);
  }
  return fresh_arg(d, s, need, kind <= 3);
}

std::size_t Ctx::fresh_arg(Dial& d, Shape s, Need need, bool param) {
  check_numel(s);
  const bool rational = o_->rational_only;
  const bool large = o_->edge_values && !rational && need != Need::BoundedAbove && d.pick(6) == 5;
  const bool pos = need == Need::Positive || need == Need::AwayFromZero;
  const Profile p = pos ? (large ? Profile::PositiveLarge : Profile::Positive) : (large ? Profile::Large : Profile::Plain);
  std::string name = (param ? "p" : "x") + std::to_string(next_arg_++);
  spec::GValue g = param ? b_.param(name, dtype(), s) : b_.input(name, dtype(), s);
  vals_.push_back(Val{std::move(g), arg_range(p, rational), true, 0, true});
  args_.push_back(ArgMeta{std::move(name), dtype(), s.numel(), p, 0});
  return vals_.size() - 1;
}

std::size_t Ctx::constant(Dial& d, double value, const Shape& s) {
  AttrMap a;
  a.set("value", value);
  // The defaults (dtype f32, shape []) are sometimes left implicit.
  if (dtype() != spec::DType::f32 || d.pick(2) == 0) a.set("dtype", std::string(to_string(dtype())));
  if (s.rank() > 0 || d.pick(2) == 0) a.set("shape", s.dims());
  return apply("constant", {}, std::move(a), Range{value, value});
}

spec::GValue Ctx::target(std::int64_t n, std::int64_t classes) {
  std::string name = "t" + std::to_string(next_arg_++);
  args_.push_back(ArgMeta{name, spec::DType::i64, n, Profile::Classes, classes});
  return b_.input(std::move(name), spec::DType::i64, Shape{n});
}

spec::GValue Ctx::index_arg(const Shape& s, std::int64_t bound) {
  std::string name = "t" + std::to_string(next_arg_++);
  args_.push_back(ArgMeta{name, spec::DType::i64, s.numel(), Profile::Classes, bound});
  return b_.input(std::move(name), spec::DType::i64, s);
}

std::size_t Ctx::half() {
  if (!half_) {
    AttrMap a;
    a.set("value", 0.5);
    a.set("dtype", std::string(to_string(dtype())));
    half_ = apply("constant", {}, std::move(a), Range{0.5, 0.5});
  }
  return *half_;
}

std::size_t Ctx::positive(std::size_t v, Dial& d) {
  const Range r = range_of(v);
  if (d.pick(2) == 0) {
    AttrMap a;
    a.set("min", 0.5);
    return apply("clamp", {v}, std::move(a), r_clamp(r, true, 0.5, false, 0));
  }
  const std::size_t h = half();  // may append the constant: take it before abs
  const std::size_t m = apply("abs", {v}, {}, r_abs(r));
  return apply("add", {m, h}, {}, r_add(range_of(m), {0.5, 0.5}));
}

std::size_t Ctx::ensure(std::size_t v, Need need, Dial& d) {
  const Range r = range_of(v);
  switch (need) {
    case Need::None: return v;
    case Need::Positive: return r.lo >= kMinPositive ? v : positive(v, d);
    case Need::AwayFromZero: {
      if (r.lo >= kMinPositive || r.hi <= -kMinPositive) return v;
      const std::size_t p = positive(v, d);
      return d.pick(4) == 3 ? apply("neg", {p}, {}, r_neg(range_of(p))) : p;
    }
    case Need::BoundedAbove: {
      if (r.hi <= kMaxExpArg) return v;
      if (!o_->rational_only && d.pick(2) == 1) return apply("tanh", {v}, {}, {std::tanh(r.lo), std::tanh(r.hi)});
      AttrMap a;
      a.set("max", 4.0);
      return apply("clamp", {v}, std::move(a), r_clamp(r, false, 0, true, 4.0));
    }
  }
  return v;
}

std::vector<std::size_t> Ctx::fitting(std::string_view op, std::vector<spec::TensorType> others, int hole,
                                      const AttrMap& attrs) const {
  const spec::OpInfo* info = spec::find_op(op);
  std::vector<std::size_t> out;
  others.insert(others.begin() + hole, spec::TensorType{});
  for (std::size_t i = 0; i < vals_.size(); ++i) {
    others[static_cast<std::size_t>(hole)] = vals_[i].v.type;
    AttrMap a = attrs;
    try {
      if (static_cast<int>(spec::infer_type(*info, others, a).shape.rank()) <= o_->max_rank) out.push_back(i);
    } catch (const spec::ShapeError&) {
    }
  }
  return out;
}

std::size_t Ctx::apply(std::string_view op, const std::vector<std::size_t>& in, AttrMap attrs, Range r) {
  if (nodes_ >= o_->max_nodes) throw Skip{};
  if (!(r.mag() <= kMaxMagnitude)) throw Skip{};  // also catches NaN ranges
  ++nodes_;
  const std::size_t v = push_node(op, in, std::move(attrs), r, "v" + std::to_string(next_node_++));
  check_numel(shape_of(v));
  return v;
}

std::size_t Ctx::apply_with_target(std::string_view op, std::size_t x, const spec::GValue& target, Range r) {
  if (nodes_ >= o_->max_nodes) throw Skip{};
  ++nodes_;
  const std::size_t v = push_node(op, {x}, {}, r, "v" + std::to_string(next_node_++), &target);
  check_numel(shape_of(v));
  return v;
}

std::size_t Ctx::apply_with_index(std::string_view op, const std::vector<std::size_t>& in, std::size_t at,
                                  const spec::GValue& index, AttrMap attrs, Range r) {
  if (nodes_ >= o_->max_nodes) throw Skip{};
  if (!(r.mag() <= kMaxMagnitude)) throw Skip{};
  ++nodes_;
  const std::size_t v = push_node(op, in, std::move(attrs), r, "v" + std::to_string(next_node_++), &index, at);
  check_numel(shape_of(v));
  return v;
}

spec::GValue Ctx::index_node(std::string_view op, std::size_t x, AttrMap attrs) {
  if (nodes_ >= o_->max_nodes) throw Skip{};
  ++nodes_;
  ++vals_[x].uses;
  return b_.apply(op, {vals_[x].v}, std::move(attrs), "v" + std::to_string(next_node_++));
}

std::size_t Ctx::push_node(std::string_view op, const std::vector<std::size_t>& in, AttrMap attrs, Range r,
                           std::string name, const spec::GValue* target, std::size_t target_at) {
  std::vector<spec::GValue> gv;
  bool dep = false;
  for (auto i : in) {
    gv.push_back(vals_[i].v);
    dep = dep || vals_[i].dep;
    ++vals_[i].uses;
  }
  if (target) gv.insert(gv.begin() + static_cast<std::ptrdiff_t>(std::min(target_at, gv.size())), *target);
  spec::GValue out = b_.apply(op, gv, std::move(attrs), std::move(name));
  vals_.push_back(Val{std::move(out), r, dep, 0, false});
  return vals_.size() - 1;
}

void Ctx::finish(Dial& d) {
  // The latest value with a gradient path to an argument (the first value
  // always is one: the plan's initial argument).
  std::size_t v = vals_.size() - 1;
  while (v > 0 && !vals_[v].dep) --v;
  if (d.pick(4) != 0) v = merge_unused(v);
  // The plan's first argument, when nothing reads it, usually goes (always
  // in shrunk cases); now and then it stays as an unused parameter or input.
  drop_unused_init_ = d.pick(4) != 3;
  const Shape s = shape_of(v);
  // 0: sum, 1: mean, 2-4: mse_loss, 5-7: cross_entropy on [N, C] values outside
  // rational mode (else mse_loss). The loss op may lie outside GenOptions.ops.
  const int kind = d.pick(8);
  std::size_t loss = 0;
  if (kind <= 1) {
    AttrMap a;
    if (s.rank() > 0 && d.pick(2) == 1) {  // every axis, spelled out
      spec::IntList axes;
      for (std::size_t i = 0; i < s.rank(); ++i) axes.push_back(static_cast<std::int64_t>(i));
      a.set("axes", axes);
    }
    const double n = static_cast<double>(s.numel());
    loss = push_node(kind == 0 ? "sum" : "mean", {v}, std::move(a), kind == 0 ? r_scale(range_of(v), n) : range_of(v), "loss");
  } else if (kind >= 5 && s.rank() == 2 && !o_->rational_only) {
    const spec::GValue t = target(s[0], s[1]);
    loss = push_node("cross_entropy", {v}, {}, {0, 0}, "loss", &t);
  } else {
    std::size_t t = 0;
    const auto same = fitting("mse_loss", {vals_[v].v.type}, 1);
    std::vector<std::size_t> others;
    for (auto i : same)
      if (i != v) others.push_back(i);
    if (d.pick(4) == 3 && !others.empty()) t = others[static_cast<std::size_t>(d.pick(static_cast<int>(others.size())))];
    else t = fresh_arg(d, s, Need::None, false);
    loss = push_node("mse_loss", {v, t}, {}, r_square(r_sub(range_of(v), range_of(t))), "loss");
  }
  b_.output(vals_[loss].v);
}

std::size_t Ctx::merge_unused(std::size_t v) {
  for (std::size_t u = 0; u < vals_.size(); ++u) {
    if (u == v || !unused_node(u) || !vals_[u].dep) continue;
    Ctx saved = *this;
    try {
      std::size_t t = u;
      bool keeps_shape = false;
      try {
        keeps_shape = spec::broadcast_shapes(shape_of(v), shape_of(u)) == shape_of(v);
      } catch (const spec::ShapeError&) {
      }
      if (!keeps_shape) t = apply("sum", {u}, {}, r_scale(range_of(u), static_cast<double>(shape_of(u).numel())));
      v = apply("add", {v, t}, {}, r_add(range_of(v), range_of(t)));
    } catch (const Skip&) {
      *this = std::move(saved);
      break;
    }
  }
  return v;
}

Built Ctx::build() const {
  Built out{b_.build(), args_};
  if (drop_unused_init_ && vals_.front().is_arg && vals_.front().uses == 0) {
    out.graph.args.erase(out.graph.args.begin());
    out.args.erase(out.args.begin());
  }
  // Every case trains something: without a parameter, the first float
  // argument (an input "xN") becomes one, renamed "pN" like every parameter.
  bool has_param = false;
  for (const auto& a : out.graph.args) has_param = has_param || a.kind == spec::ArgKind::Param;
  if (has_param) return out;
  for (std::size_t i = 0; i < out.graph.args.size(); ++i) {
    auto& a = out.graph.args[i];
    if (!is_float(a.type.dtype)) continue;
    const std::string from = a.name, to = "p" + from.substr(1);
    a.kind = spec::ArgKind::Param;
    a.name = to;
    out.args[i].name = to;
    for (auto& n : out.graph.nodes)
      for (auto& o : n.inputs)
        if (o.name == from) o.name = to;
    for (auto& o : out.graph.outputs)
      if (o.name == from) o.name = to;
    break;
  }
  return out;
}

}  // namespace vt::proptests::detail
