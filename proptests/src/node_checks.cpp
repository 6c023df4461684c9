#include "vt/proptests/node_checks.hpp"

#include <algorithm>
#include <optional>

#include "vt/reference/audit.hpp"
#include "vt/reference/soundness.hpp"
#include "vt/train/rng.hpp"
#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::proptests {
namespace {

using ref::Rational;
using RDense = spec::Dense<Rational>;

RDense exact(const spec::Shape& shape, const std::vector<double>& v) {
  RDense d = RDense::full(shape, Rational(0));
  for (std::int64_t i = 0; i < d.numel(); ++i) d[i] = Rational(v[static_cast<std::size_t>(i)]);
  return d;
}

// Small dyadic rationals k/8, |k| <= 16: exact everywhere, never all zero.
RDense random_dense(const spec::Shape& shape, train::Rng& rng) {
  RDense d = RDense::full(shape, Rational(0));
  for (std::int64_t i = 0; i < d.numel(); ++i) d[i] = Rational(static_cast<int>(rng.below(33)) - 16, 8);
  if (d.numel() > 0) d[0] = Rational(3, 8);
  return d;
}

// Per input, the elements where the op's rule is a convention rather than a
// derivative: relu/abs at 0, clamp at a bound, ties of maximum/minimum (at
// the same output), of max/min/amax/amin in a lane and of max_pool2d within a window;
// and softplus so near its threshold switch that the finite-difference
// cross-check (step 2^-100 max(1, |x|), tangents |v| <= 2, ref/soundness.hpp)
// straddles it, where softplus jumps by log1p(e^-threshold) / beta. An input
// with no such element gets an empty mask.
using Masks = std::vector<std::vector<bool>>;

bool is_extreme(std::string_view op) { return op == "max" || op == "min" || op == "amax" || op == "amin"; }

// Per lane of an extreme op: its extreme value, how many elements tie for
// it, and the first of them; out maps each element to its lane.
struct Lanes {
  std::vector<std::int64_t> out, first;
  std::vector<Rational> top;
  std::vector<std::int64_t> ties;
};
Lanes lanes_of(std::string_view op, const RDense& x, const spec::AttrMap& a) {
  const bool largest = op == "max" || op == "amax";
  Lanes l;
  l.out = spec::ops::reduction_index(x.shape, spec::ops::extreme::axes(x.shape, a));
  const std::int64_t lanes = x.numel() == 0 ? 0 : *std::max_element(l.out.begin(), l.out.end()) + 1;
  l.first.assign(static_cast<std::size_t>(lanes), -1);
  l.top.assign(static_cast<std::size_t>(lanes), Rational(0));
  l.ties.assign(static_cast<std::size_t>(lanes), 0);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const auto o = static_cast<std::size_t>(l.out[static_cast<std::size_t>(i)]);
    const Rational& v = x[i];
    if (l.first[o] < 0 || (largest ? v > l.top[o] : v < l.top[o])) l.top[o] = v, l.first[o] = i, l.ties[o] = 1;
    else if (v == l.top[o]) ++l.ties[o];
  }
  return l;
}

Masks kink_masks(std::string_view op, const std::vector<RDense>& xs, const spec::AttrMap& a) {
  Masks m(xs.size());
  const auto mark_where = [&](std::size_t input, auto&& at_kink) {
    for (std::size_t i = 0; i < xs[input].data.size(); ++i)
      if (at_kink(xs[input].data[i])) {
        if (m[input].empty()) m[input].assign(xs[input].data.size(), false);
        m[input][i] = true;
      }
  };
  if (op == "relu" || op == "abs") mark_where(0, [](const Rational& x) { return x == 0; });
  if (op == "clamp") {
    const std::optional<Rational> lo = a.has("min") ? std::optional(Rational(a.get_float("min"))) : std::nullopt,
                                  hi = a.has("max") ? std::optional(Rational(a.get_float("max"))) : std::nullopt;
    mark_where(0, [&](const Rational& x) { return (lo && x == *lo) || (hi && x == *hi); });
  }
  if (op == "maximum" || op == "minimum") {
    const spec::Shape out = spec::broadcast_shapes(xs[0].shape, xs[1].shape);
    const auto ia = spec::broadcast_index(xs[0].shape, out), ib = spec::broadcast_index(xs[1].shape, out);
    for (std::size_t j = 0; j < ia.size(); ++j) {
      const auto p = static_cast<std::size_t>(ia[j]), q = static_cast<std::size_t>(ib[j]);
      if (xs[0].data[p] != xs[1].data[q]) continue;
      for (std::size_t input : {0, 1})
        if (m[input].empty()) m[input].assign(xs[input].data.size(), false);
      m[0][p] = m[1][q] = true;
    }
  }
  if (is_extreme(op)) {  // ties for the extreme of a lane (along the axis, or all elements)
    const Lanes l = lanes_of(op, xs[0], a);
    for (std::size_t i = 0; i < xs[0].data.size(); ++i) {
      const auto o = static_cast<std::size_t>(l.out[i]);
      if (l.ties[o] < 2 || xs[0].data[i] != l.top[o]) continue;
      if (m[0].empty()) m[0].assign(xs[0].data.size(), false);
      m[0][i] = true;
    }
  }
  if (op == "max_pool2d") {
    std::vector<bool> t = spec::ops::MaxPool2d::tie_mask(xs[0], a);
    if (std::find(t.begin(), t.end(), true) != t.end()) m[0] = std::move(t);
  }
  if (op == "softplus") {
    const Rational beta(a.get_float_or("beta", 1)), thr(a.get_float_or("threshold", 20));
    const Rational two_90(boost::multiprecision::mpz_int(1) << 90);
    mark_where(0, [&](const Rational& x) {
      const Rational z = beta * x, near = boost::multiprecision::abs(z) > 1 ? Rational(boost::multiprecision::abs(z)) : Rational(1);
      return boost::multiprecision::abs(z - thr) * two_90 <= near;
    });
  }
  return m;
}

bool any_kink(const Masks& m) {
  for (const auto& v : m)
    if (!v.empty()) return true;
  return false;
}

// The gradient the op's documented convention gives at kink element i of
// input `input`: relu'(0) = abs'(0) = 0; clamp passes g at its bounds where
// lo <= x <= hi holds at all; tied maximum/minimum share g equally; amax
// (and max over all axes) tied t ways gives g/t to each, max along an axis
// gives g to the first of them. nullopt where the convention is not checked
// here (broadcast ties of maximum/minimum, max_pool2d's first-tap rule, and
// softplus, which has no kink, only a switch too near for the FD check).
std::optional<Rational> convention(std::string_view op, const std::vector<RDense>& xs, const RDense& cot, const spec::AttrMap& a,
                                   std::size_t input, std::size_t i) {
  if (op == "relu" || op == "abs") return Rational(0);
  if (op == "clamp") {  // g where lo <= x <= hi (both inclusive; with lo > hi nothing passes)
    const Rational& x = xs[0].data[i];
    const bool passes = (!a.has("min") || x >= Rational(a.get_float("min"))) && (!a.has("max") || x <= Rational(a.get_float("max")));
    return passes ? cot.data[i] : Rational(0);
  }
  if ((op == "maximum" || op == "minimum") && xs[0].shape == xs[1].shape) return cot.data[i] / 2;
  if (is_extreme(op) && input == 0) {
    const Lanes l = lanes_of(op, xs[0], a);
    const auto o = static_cast<std::size_t>(l.out[i]);
    if (xs[0].data[i] != l.top[o]) return std::nullopt;
    // amax/amin, and max/min over all axes, share among ties; max/min along
    // an axis send everything to the first (argmax's index).
    const bool share = op == "amax" || op == "amin" || !a.has("axis");
    if (share) return cot[static_cast<std::int64_t>(o)] / l.ties[o];
    return static_cast<std::int64_t>(i) == l.first[o] ? cot[static_cast<std::int64_t>(o)] : Rational(0);
  }
  return std::nullopt;
}

// Checks the op's exact VJP at every kink element against its convention;
// "" when they agree, counting the elements checked. Rational ops only (the
// VJP runs on exact rationals); softplus's near-switch elements have none.
std::string check_conventions(const spec::Node& node, const spec::OpInfo& info, const std::vector<RDense>& xs, const RDense& cot,
                              const spec::AttrMap& a, const Masks& masks, std::int64_t& checked) {
  std::vector<const RDense*> in;
  for (const RDense& x : xs) in.push_back(&x);
  RDense y = RDense::full(cot.shape, Rational(0));
  spec::generic_forward<Rational>(info.id, in, a, y);
  std::vector<RDense> dx;
  std::vector<RDense*> dxp;
  for (const RDense& x : xs) dx.push_back(RDense::full(x.shape, Rational(0)));
  for (std::size_t k = 0; k < xs.size(); ++k) dxp.push_back(info.differentiable(static_cast<int>(k)) ? &dx[k] : nullptr);
  spec::generic_vjp<Rational>(info.id, in, y, cot, a, dxp);
  for (std::size_t k = 0; k < masks.size(); ++k)
    for (std::size_t i = 0; i < masks[k].size(); ++i) {
      if (!masks[k][i] || !dxp[k]) continue;
      const std::optional<Rational> want = convention(node.op, xs, cot, a, k, i);
      if (!want) continue;
      ++checked;
      if (dx[k].data[i] != *want)
        return "%" + node.name + " = " + node.op + "(...): at the kink input " + std::to_string(k) + " element " + std::to_string(i) +
               " = " + xs[k].data[i].str() + " the VJP gives " + dx[k].data[i].str() + ", the convention " + want->str();
    }
  return "";
}

std::string node_text(const spec::Node& n) { return "%" + n.name + " = " + n.op + "(...)"; }

}  // namespace

std::string per_node_soundness(const GraphCase& c, std::uint64_t seed, Coverage* coverage) {
  const spec::GraphData& g = c.graph;
  const ref::AuditData run = ref::run_generic_float(g, c.args);
  const spec::ResolvedGraph r = spec::resolve(g);
  std::map<std::string, const spec::TensorType*> type_of;
  for (const spec::Arg& a : g.args) type_of[a.name] = &a.type;
  for (const spec::Node& n : g.nodes) type_of[n.name] = &n.type;
  train::Rng rng(seed, 7);
  OpCoverage ignored;
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    const spec::Node& node = g.nodes[k];
    std::vector<RDense> xs, vs;
    for (const spec::Operand& o : node.inputs) {
      const auto it = run.args.find(o.name);
      xs.push_back(exact(type_of.at(o.name)->shape, it != run.args.end() ? it->second : run.values.at(o.name)));
      vs.push_back(random_dense(xs.back().shape, rng));
    }
    const RDense cot = random_dense(node.type.shape, rng);
    std::int64_t elements = 0;  // of differentiable inputs: a node without any (constant) claims nothing
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (r.ops[k]->differentiable(static_cast<int>(i))) elements += xs[i].numel();
    if (elements == 0) continue;
    OpCoverage& cov = coverage ? coverage->ops[node.op] : ignored;
    ++cov.nodes;
    // Kinks per element: their tangents are zero, so the derivative check
    // covers every other element, and their gradients meet the convention.
    const Masks masks = kink_masks(node.op, xs, r.attrs[k]);
    bool any_tangent = false;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const bool differentiable = r.ops[k]->differentiable(static_cast<int>(i));
      for (std::size_t e = 0; e < vs[i].data.size(); ++e) {
        if (!masks[i].empty() && masks[i][e]) {
          vs[i].data[e] = 0;
          cov.kink_elements += differentiable;
        }
        any_tangent = any_tangent || (differentiable && vs[i].data[e] != 0);
      }
    }
    if (any_kink(masks) && r.ops[k]->fragment == spec::Fragment::Rational)
      if (std::string f = check_conventions(node, *r.ops[k], xs, cot, r.attrs[k], masks, cov.conventions_checked); !f.empty()) return f;
    if (!any_tangent) {
      ++cov.all_at_kinks;
      continue;
    }
    std::string failure;
    bool inconclusive = false;  // enclosures too wide to decide (sides cancelling to ~0): no claim
    spec::visit_op(r.ops[k]->id, [&]<class Op>() {
      if constexpr (Op::fragment == spec::Fragment::Rational) {
        const auto sides = ref::soundness_sides<Op, Rational>(xs, vs, cot, r.attrs[k]);
        if (sides.jvp_side != sides.vjp_side)
          failure = node_text(node) + ": <g, J v> = " + sides.jvp_side.str() + " but <VJP g, v> = " + sides.vjp_side.str();
      } else {
        const ref::IntervalSoundness s = ref::interval_soundness<Op>(xs, vs, cot, r.attrs[k]);
        if (s.verdict == ref::Verdict::Unsound) failure = node_text(node) + ": unsound: " + s.detail;
        if (s.verdict == ref::Verdict::Inconclusive) inconclusive = true;
      }
    });
    if (!failure.empty()) return failure;
    ++(inconclusive ? cov.undecided : cov.decided);
  }
  return "";
}

std::string graph_gradient_soundness(const GraphCase& c, std::uint64_t seed, bool* skipped) {
  const spec::GraphData& g = c.graph;
  if (skipped) *skipped = false;
  // Reverse: the tape's sweep over exact rationals, every float argument
  // requiring grad.
  spec::DenseBackend<Rational> be;
  spec::Tape<spec::DenseBackend<Rational>> tape(be);
  const spec::LoweredGraph L = spec::lower(g, tape, spec::LowerOptions{.inputs_require_grad = true});
  for (std::size_t a = 0; a < g.args.size(); ++a) tape.leaf_value(L.arg_slots[a]) = exact(g.args[a].type.shape, c.args.at(g.args[a].name));
  tape.run_forward();
  // A kink anywhere: the directional derivative is one-sided there; no claim.
  const spec::ResolvedGraph r = spec::resolve(g);
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    std::vector<RDense> xs;
    for (int id : r.operand_ids[k]) xs.push_back(tape.value(L.value_slots[static_cast<std::size_t>(id)]));
    if (any_kink(kink_masks(g.nodes[k].op, xs, r.attrs[k]))) {
      if (skipped) *skipped = true;
      return "";
    }
  }
  tape.backward(L.output_slots[0]);

  // Forward: every node on dual numbers, tangent v on every float argument.
  using D = ref::Dual<Rational>;
  train::Rng rng(seed, 11);
  std::vector<spec::Dense<D>> values;
  Rational rhs = 0;
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    const RDense x = exact(g.args[a].type.shape, c.args.at(g.args[a].name));
    const bool tangent = spec::is_float(g.args[a].type.dtype);
    const RDense v = tangent ? random_dense(x.shape, rng) : RDense::full(x.shape, Rational(0));
    spec::Dense<D> d = spec::Dense<D>::full(x.shape, D{Rational(0), Rational(0)});
    for (std::int64_t i = 0; i < x.numel(); ++i) d[i] = D{x[i], v[i]};
    values.push_back(std::move(d));
    if (const RDense* grad = tangent ? tape.grad(L.arg_slots[a]) : nullptr)
      for (std::int64_t i = 0; i < x.numel(); ++i) rhs += (*grad)[i] * v[i];
  }
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    std::vector<const spec::Dense<D>*> in;
    for (int id : r.operand_ids[k]) in.push_back(&values[static_cast<std::size_t>(id)]);
    spec::Dense<D> y = spec::Dense<D>::full(g.nodes[k].type.shape, D{Rational(0), Rational(0)});
    spec::generic_forward<D>(r.ops[k]->id, in, r.attrs[k], y);
    values.push_back(std::move(y));
  }
  const Rational lhs = values[static_cast<std::size_t>(r.output_ids[0])][0].d;
  if (lhs == rhs) return "";
  return "graph " + g.name + ": d/dt loss(x + t v) = " + lhs.str() + " but <grad, v> summed over the arguments = " + rhs.str();
}

}  // namespace vt::proptests
