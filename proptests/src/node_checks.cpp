#include "vt/proptests/node_checks.hpp"

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

bool has_equal_pair(const RDense& a, const RDense& b) {
  for (const Rational& x : a.data)
    for (const Rational& y : b.data)
      if (x == y) return true;
  return false;
}

// Inputs at which the op's rule is a convention rather than a derivative
// (the domain hints of the soundness properties; see node_checks.hpp).
bool at_kink(std::string_view op, const std::vector<RDense>& xs, const spec::AttrMap& a) {
  const auto any_equal_to = [&](const Rational& q) {
    for (const Rational& x : xs[0].data)
      if (x == q) return true;
    return false;
  };
  if (op == "relu" || op == "abs") return any_equal_to(Rational(0));
  if (op == "clamp")
    return (a.has("min") && any_equal_to(Rational(a.get_float("min")))) || (a.has("max") && any_equal_to(Rational(a.get_float("max"))));
  if (op == "maximum" || op == "minimum") return has_equal_pair(xs[0], xs[1]);
  if (op == "max_pool2d") return spec::ops::MaxPool2d::has_tie(xs[0], a);  // a tie inside a window
  if (op == "max") {  // a tie anywhere (a superset of ties along the axis)
    for (std::size_t i = 0; i < xs[0].data.size(); ++i)
      for (std::size_t j = i + 1; j < xs[0].data.size(); ++j)
        if (xs[0].data[i] == xs[0].data[j]) return true;
  }
  if (op == "softplus") {
    // beta x at the threshold switch, or so near it that the finite-difference
    // cross-check (step 2^-100 max(1, |x|), tangents |v| <= 2, ref/soundness.hpp)
    // straddles the switch, where softplus jumps by log1p(e^-threshold) / beta:
    // within 2^-90 max(1, |beta x|) of it (x = 1e-310 against threshold 0).
    const Rational beta(a.get_float_or("beta", 1)), thr(a.get_float_or("threshold", 20));
    const Rational two_90(boost::multiprecision::mpz_int(1) << 90);
    for (const Rational& x : xs[0].data) {
      const Rational z = beta * x, near = boost::multiprecision::abs(z) > 1 ? Rational(boost::multiprecision::abs(z)) : Rational(1);
      if (boost::multiprecision::abs(z - thr) * two_90 <= near) return true;
    }
  }
  return false;
}

std::string node_text(const spec::Node& n) { return "%" + n.name + " = " + n.op + "(...)"; }

}  // namespace

std::string per_node_soundness(const GraphCase& c, std::uint64_t seed, NodeCheckStats* stats) {
  const spec::GraphData& g = c.graph;
  const ref::AuditData run = ref::run_generic_float(g, c.args);
  const spec::ResolvedGraph r = spec::resolve(g);
  std::map<std::string, const spec::TensorType*> type_of;
  for (const spec::Arg& a : g.args) type_of[a.name] = &a.type;
  for (const spec::Node& n : g.nodes) type_of[n.name] = &n.type;
  train::Rng rng(seed, 7);
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    const spec::Node& node = g.nodes[k];
    std::vector<RDense> xs, vs;
    for (const spec::Operand& o : node.inputs) {
      const auto it = run.args.find(o.name);
      xs.push_back(exact(type_of.at(o.name)->shape, it != run.args.end() ? it->second : run.values.at(o.name)));
      vs.push_back(random_dense(xs.back().shape, rng));
    }
    const RDense cot = random_dense(node.type.shape, rng);
    if (at_kink(node.op, xs, r.attrs[k])) {
      if (stats) ++stats->at_kinks;
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
    if (stats) ++(inconclusive ? stats->inconclusive : stats->checked);
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
    if (at_kink(g.nodes[k].op, xs, r.attrs[k])) {
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
