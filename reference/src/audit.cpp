#include "vt/reference/audit.hpp"

#include "backward_on_values.hpp"
#include "gradient_scale.hpp"
#include "local_backward.hpp"

#include <optional>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "vt/reference/backward_bound.hpp"
#include "vt/reference/contract_bounds.hpp"
#include "vt/reference/ref_backend.hpp"
#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"

namespace vt::ref {

using spec::Dense;

constexpr double kInf = std::numeric_limits<double>::infinity();

const char* to_string(NodeVerdict v) {
  switch (v) {
    case NodeVerdict::Met: return "met";
    case NodeVerdict::Violated: return "VIOLATED";
    case NodeVerdict::Inconclusive: return "inconclusive";
    case NodeVerdict::NotAudited: return "not audited";
  }
  return "?";
}

bool AuditReport::all_met() const {
  int audited = 0;
  for (const auto& n : nodes) {
    if (n.verdict == NodeVerdict::Violated || n.verdict == NodeVerdict::Inconclusive) return false;
    audited += n.verdict == NodeVerdict::Met;
  }
  for (const auto& g : gradients)
    if (g.verdict != NodeVerdict::Met) return false;
  return audited + static_cast<int>(gradients.size()) > 0;  // nothing audited proves nothing
}

spec::DType float_dtype(const spec::GraphData& g) {
  std::optional<spec::DType> t;
  auto see = [&](spec::DType d, const std::string& where) {
    if (!spec::is_float(d)) return;
    if (t && *t != d) throw spec::ShapeError("graph mixes f32 and f64 (at %" + where + "); audit needs one float dtype");
    t = d;
  };
  for (const auto& a : g.args) see(a.type.dtype, a.name);
  for (const auto& n : g.nodes) see(n.type.dtype, n.name);
  return t.value_or(spec::DType::f64);
}

namespace {

// Each number must be a value of the declared dtype, or the float code and
// the reference would not be computing on the same input.
void check_representable(const std::vector<double>& v, spec::DType t, const std::string& what) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double x = v[i];
    const bool ok = t == spec::DType::i64   ? std::floor(x) == x && std::abs(x) <= 0x1p53
                    : t == spec::DType::f32 ? std::isnan(x) || static_cast<double>(static_cast<float>(x)) == x
                                            : true;
    if (!ok) {
      char buf[64];
      const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;  // shortest form that reads back as x
      throw spec::ShapeError(what + "[" + std::to_string(i) + "] = " + std::string(buf, end) + " is not a" +
                             (t == spec::DType::i64 ? "n integer within 2^53" : " float32 value"));
    }
  }
}

}  // namespace

const std::vector<double>& arg_values(const std::map<std::string, std::vector<double>>& args, const spec::Arg& a) {
  const auto it = args.find(a.name);
  if (it == args.end()) throw spec::ShapeError("no values given for argument %" + a.name);
  if (static_cast<std::int64_t>(it->second.size()) != a.type.shape.numel())
    throw spec::ShapeError("argument %" + a.name + " : " + to_string(a.type) + " needs " + std::to_string(a.type.shape.numel()) +
                           " values, got " + std::to_string(it->second.size()));
  check_representable(it->second, a.type.dtype, "argument %" + a.name);
  for (double x : it->second)
    if (!std::isfinite(x)) throw spec::ShapeError("argument %" + a.name + " holds a non-finite value");
  return it->second;
}

namespace {

bool is_scalar_float(const spec::GraphData& g, const std::string& name) {
  for (const auto& n : g.nodes)
    if (n.name == name) return spec::is_float(n.type.dtype) && n.type.shape.numel() == 1;
  return false;
}

template <class S>
AuditData run_float(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args) {
  spec::DenseBackend<S> be;
  spec::Tape<spec::DenseBackend<S>> tape(be);
  const auto L = spec::lower(g, tape, spec::LowerOptions{.inputs_require_grad = true});
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    const auto& v = arg_values(args, g.args[a]);
    auto& leaf = tape.leaf_value(L.arg_slots[a]);
    for (std::size_t i = 0; i < v.size(); ++i) leaf.data[i] = static_cast<S>(v[i]);
  }
  tape.run_forward();
  AuditData d;
  d.args = args;
  d.producer = std::string("generic float path (op table code on ") + (std::is_same_v<S, float> ? "float" : "double") + ")";
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    const auto& y = tape.value(L.value_slots[g.args.size() + n]);
    d.values[g.nodes[n].name] = spec::to_doubles(y);
  }
  if (!g.outputs.empty() && is_scalar_float(g, g.outputs[0].name) && tape.requires_grad(L.output_slots[0])) {
    tape.backward(L.output_slots[0]);
    for (std::size_t a = 0; a < g.args.size(); ++a)
      if (tape.requires_grad(L.arg_slots[a])) {
        const auto* gr = tape.grad(L.arg_slots[a]);
        d.grads[g.args[a].name] = gr ? spec::to_doubles(*gr)
                                     : std::vector<double>(static_cast<std::size_t>(g.args[a].type.shape.numel()), 0.0);
      }
  }
  return d;
}

// Element i of an exact or enclosed tensor, rounded to double (for magnitudes).
double rounded_at(const RefTensor& t, std::int64_t i) {
  return t.exact() ? t.rational()[i].convert_to<double>() : boost::multiprecision::median(t.intervals()[i].raw()).convert_to<double>();
}

// The error of one float value against the exact (or enclosed) value. For an
// enclosure [lo, hi], `abs` is the distance to the nearest point (the error is
// at least this) and `far` to the farthest (at most this).
struct ElementError {
  double abs;
  double far;
  double reference;  // y* rounded to double
};

ElementError element_error(double y, const RefTensor& t, std::int64_t i) {
  if (t.exact()) {
    const Rational& q = t.rational()[i];
    const double ref = rounded_at(t, i);
    if (!std::isfinite(y)) return {kInf, kInf, ref};
    const double d = boost::multiprecision::abs(Rational(exact(y) - q)).convert_to<double>();
    return {d, d, ref};
  }
  // Distances at more than the enclosure's precision: they round negligibly.
  IntervalPrecision precision(static_cast<unsigned>(mpfi_get_prec(t.intervals()[i].raw().backend().data())) + 64);
  const auto& raw = t.intervals()[i].raw();
  const BigFloat lo = boost::multiprecision::lower(raw), hi = boost::multiprecision::upper(raw);
  const double ref = rounded_at(t, i);
  if (!std::isfinite(y)) return {kInf, kInf, ref};
  const BigFloat yb(y);
  const BigFloat near = yb < lo ? BigFloat(lo - yb) : yb > hi ? BigFloat(yb - hi) : BigFloat(0);
  const BigFloat far = boost::multiprecision::max(BigFloat(boost::multiprecision::abs(yb - lo)), BigFloat(boost::multiprecision::abs(hi - yb)));
  return {near.convert_to<double>(), far.convert_to<double>(), ref};
}

void update(ErrorStats& s, const ElementError& e, spec::DType dtype, std::int64_t i) {
  const double rel = e.abs == 0 ? 0 : e.reference == 0 ? std::numeric_limits<double>::infinity() : e.abs / std::abs(e.reference);
  const double ulp = e.abs / ulp_of(e.reference, dtype);
  s.max_abs = std::max(s.max_abs, e.abs);
  s.max_rel = std::max(s.max_rel, rel);
  if (s.worst < 0 || ulp > s.max_ulp) s.max_ulp = ulp, s.worst = i;
}

ErrorStats stats(const std::vector<double>& y, const RefTensor& t, spec::DType dtype) {
  ErrorStats s;
  for (std::int64_t i = 0; i < t.numel(); ++i) update(s, element_error(y[static_cast<std::size_t>(i)], t, i), dtype, i);
  return s;
}

Dense<double> rounded(const RefTensor& t) {
  Dense<double> d = Dense<double>::full(t.shape(), 0.0);
  for (std::int64_t i = 0; i < d.numel(); ++i) d[i] = rounded_at(t, i);
  return d;
}

// Local audit of node n: the exact op on the node's own float inputs.
void audit_local(NodeAudit& out, const spec::GraphData& g, std::size_t n, const spec::ResolvedGraph& r, const AuditData& data,
                 const RefBackend& be, spec::DType dtype) {
  const spec::Node& node = g.nodes[n];
  const auto own = data.values.find(node.name);
  if (own == data.values.end()) {
    out.detail = "no float value given";
    return;
  }
  if (static_cast<std::int64_t>(own->second.size()) != node.type.shape.numel())
    throw spec::ShapeError("value of %" + node.name + " : " + to_string(node.type) + " needs " +
                           std::to_string(node.type.shape.numel()) + " numbers, got " + std::to_string(own->second.size()));
  std::vector<RefTensor> exact_in;
  std::vector<Dense<double>> float_in;
  for (int id : r.operand_ids[n]) {
    const bool is_arg = static_cast<std::size_t>(id) < g.args.size();
    const std::string& name = is_arg ? g.args[static_cast<std::size_t>(id)].name : g.nodes[static_cast<std::size_t>(id) - g.args.size()].name;
    const spec::Shape& shape = is_arg ? g.args[static_cast<std::size_t>(id)].type.shape : g.nodes[static_cast<std::size_t>(id) - g.args.size()].type.shape;
    const auto it = is_arg ? data.args.find(name) : data.values.find(name);
    if (it == (is_arg ? data.args.end() : data.values.end())) {
      out.detail = "float value of input %" + name + " not given";
      return;
    }
    if (std::any_of(it->second.begin(), it->second.end(), [](double v) { return !std::isfinite(v); })) {
      out.detail = "input %" + name + " holds non-finite values: no exact value to compare with";
      return;
    }
    exact_in.push_back(exact_tensor(shape, it->second));
    float_in.push_back(Dense<double>{shape, it->second});
  }
  std::vector<const RefTensor*> ptrs;
  for (const auto& t : exact_in) ptrs.push_back(&t);
  RefTensor exact = be.allocate(node.type);
  try {
    be.forward(r.ops[n]->id, ptrs, r.attrs[n], exact);
  } catch (const spec::DomainError& e) {
    out.verdict = NodeVerdict::Inconclusive;
    out.detail = std::string("exact value undefined on these float inputs: ") + e.what();
    return;
  }
  std::vector<const Dense<double>*> fptrs;
  for (const auto& f : float_in) fptrs.push_back(&f);
  const ContractBound bound = contract_bound(r.ops[n]->id, fptrs, rounded(exact), r.attrs[n], dtype);
  out.contract = bound.text;
  out.verdict = NodeVerdict::Met;
  auto flag = [&](NodeVerdict v, std::int64_t i, const std::string& why) {
    if (out.verdict == NodeVerdict::Violated) return;  // keep the first violation's detail
    if (v == NodeVerdict::Inconclusive && out.verdict == NodeVerdict::Inconclusive) return;
    out.verdict = v;
    out.detail = "element " + std::to_string(i) + ": " + why;
  };
  for (std::int64_t i = 0; i < exact.numel(); ++i) {
    const double y = own->second[static_cast<std::size_t>(i)];
    const ElementError e = element_error(y, exact, i);
    update(out.local, e, dtype, i);
    const double b = bound.bound[static_cast<std::size_t>(i)];
    out.bound_use = std::max(out.bound_use, bound_use(e.far, b));
    char buf[200];
    std::snprintf(buf, sizeof buf, "|y - y*| = %.3g, bound %.3g (y = %.9g, y* = %.17g)", e.abs, b, y, e.reference);
    if (!std::isfinite(y)) flag(NodeVerdict::Violated, i, std::string("non-finite result: ") + buf);
    else if (!std::isfinite(b)) flag(NodeVerdict::Inconclusive, i, std::string("the contract bound is not finite: ") + buf);
    else if (e.abs > b) flag(NodeVerdict::Violated, i, std::string("exceeds the contract: ") + buf);
    else if (e.far > b) flag(NodeVerdict::Inconclusive, i, std::string("enclosure too wide to certify: ") + buf);
  }
}



// The exact backward pass run on the float forward values: every node's
// VJP applied, exactly, to its own float inputs and output and to the exact
// cotangent. The float gradient is compared with this, as node values are
// compared with the exact op on their own float inputs: what is measured is
// the backward pass's rounding, not the forward rounding every gradient
// inherits through its derivative formulas (1 - y*y of a rounded tanh y is
// what any correct float backward computes). Null when some node's float
// value is missing (the end-to-end gradient is used then).
std::optional<std::vector<std::optional<RefTensor>>> exact_backward_at_floats(const spec::GraphData& g, const spec::ResolvedGraph& r,
                                                                              const AuditData& data, const RefBackend& be) {
  std::vector<RefTensor> value;  // by value id: the float values as exact numbers
  for (const spec::Arg& a : g.args) value.push_back(exact_tensor(a.type.shape, arg_values(data.args, a)));
  for (const spec::Node& n : g.nodes) {
    const auto it = data.values.find(n.name);
    if (it == data.values.end() || static_cast<std::int64_t>(it->second.size()) != n.type.shape.numel()) return std::nullopt;
    for (double v : it->second)
      if (!std::isfinite(v)) return std::nullopt;
    value.push_back(exact_tensor(n.type.shape, it->second));
  }
  return detail::backward_on_values(be, g, r, value);
}

}  // namespace

std::map<std::string, std::vector<double>> random_inputs(const spec::GraphData& g, std::uint64_t seed) {
  // Class counts of the arguments that feed a cross_entropy target.
  std::map<std::string, spec::TensorType> type_of;
  for (const auto& a : g.args) type_of[a.name] = a.type;
  for (const auto& n : g.nodes) type_of[n.name] = n.type;
  std::map<std::string, std::int64_t> classes;
  for (const auto& n : g.nodes)
    if (n.op == "cross_entropy" && n.inputs.size() == 2 && type_of.count(n.inputs[0].name))
      classes[n.inputs[1].name] = type_of[n.inputs[0].name].shape[1];
  // Index arguments of gather / scatter_add (size of x along axis) and embedding (rows of weight):
  // the smallest bound over their uses.
  for (const auto& n : g.nodes) {
    if (n.inputs.size() < 2 || !type_of.count(n.inputs[0].name)) continue;
    const spec::Shape& x = type_of[n.inputs[0].name].shape;
    std::int64_t bound = -1;
    if (n.op == "embedding" && x.rank() == 2) bound = x[0];
    if ((n.op == "gather" || n.op == "scatter_add") && n.attrs.has("axis") && x.rank() > 0) {
      const std::int64_t r = static_cast<std::int64_t>(x.rank()), ax = n.attrs.get_int("axis");
      if (ax >= -r && ax < r) bound = x[static_cast<std::size_t>(ax < 0 ? ax + r : ax)];
    }
    if (bound < 0) continue;
    const auto it = classes.find(n.inputs[1].name);
    classes[n.inputs[1].name] = it == classes.end() ? bound : std::min(it->second, bound);
  }

  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  const bool f32 = ref::float_dtype(g) == spec::DType::f32;
  std::map<std::string, std::vector<double>> out;
  for (const auto& a : g.args) {
    const std::int64_t k = classes.count(a.name) ? classes[a.name] : 10;
    std::uniform_int_distribution<std::int64_t> cls(0, std::max<std::int64_t>(k, 1) - 1);
    auto& v = out[a.name];
    for (std::int64_t i = 0; i < a.type.shape.numel(); ++i) {
      if (a.type.dtype == spec::DType::i64) v.push_back(static_cast<double>(cls(rng)));
      else v.push_back(f32 ? static_cast<double>(static_cast<float>(u(rng))) : u(rng));
    }
  }
  return out;
}

AuditData run_generic_float(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args) {
  return float_dtype(g) == spec::DType::f32 ? run_float<float>(g, args) : run_float<double>(g, args);
}

AuditReport audit(const spec::GraphData& g, const AuditData& data, unsigned interval_bits, double gradient_tolerance) {
  const spec::ResolvedGraph r = spec::resolve(g, g.name);
  AuditReport rep;
  rep.graph = g.name;
  rep.producer = data.producer;
  rep.dtype = float_dtype(g);
  rep.interval_bits = interval_bits;
  rep.gradient_tolerance = gradient_tolerance > 0 ? gradient_tolerance : std::sqrt(unit_roundoff(rep.dtype));
  for (const auto& n : g.nodes)
    if (const auto it = data.values.find(n.name); it != data.values.end()) check_representable(it->second, n.type.dtype, "value of %" + n.name);
  for (const auto& a : g.args)
    if (const auto it = data.grads.find(a.name); it != data.grads.end()) check_representable(it->second, a.type.dtype, "gradient of %" + a.name);
  for (const auto& n : g.nodes)
    if (const auto it = data.node_grads.find(n.name); it != data.node_grads.end())
      check_representable(it->second, n.type.dtype, "gradient of %" + n.name);
  RefBackend be(interval_bits);

  // End to end: the whole graph exactly on the float inputs.
  spec::Tape<RefBackend> tape(be);
  const auto L = spec::lower(g, tape, spec::LowerOptions{.inputs_require_grad = true}, g.name);
  for (std::size_t a = 0; a < g.args.size(); ++a)
    tape.leaf_value(L.arg_slots[a]) = exact_tensor(g.args[a].type.shape, arg_values(data.args, g.args[a]));
  std::string e2e_failure;
  try {
    tape.run_forward();
    if (!data.grads.empty()) {
      if (g.outputs.empty() || !is_scalar_float(g, g.outputs[0].name))
        throw spec::ShapeError("gradients were given, but output %" + (g.outputs.empty() ? std::string("?") : g.outputs[0].name) +
                               " is not a float scalar");
      tape.backward(L.output_slots[0]);
    }
  } catch (const spec::DomainError& e) {
    e2e_failure = e.what();
  }

  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    NodeAudit na;
    na.node = "%" + g.nodes[n].name;
    na.op = std::string(r.ops[n]->name);
    audit_local(na, g, n, r, data, be, rep.dtype);
    if (const auto o = data.origins.find(g.nodes[n].name); o != data.origins.end()) na.origin = o->second;
    const auto own = data.values.find(g.nodes[n].name);
    if (own != data.values.end() && e2e_failure.empty())
      na.end_to_end = stats(own->second, tape.value(L.value_slots[g.args.size() + n]), rep.dtype);
    if (rep.first_error.empty() && na.local.max_abs > 0) rep.first_error = na.node;
    if (rep.first_violation.empty() && (na.verdict == NodeVerdict::Violated || na.verdict == NodeVerdict::Inconclusive))
      rep.first_violation = na.node;
    rep.nodes.push_back(std::move(na));
  }
  if (!data.node_grads.empty())
    for (NodeAudit& row : detail::audit_given_backward(g, r, data, rep.dtype, interval_bits)) {
      if (rep.first_violation.empty() && (row.verdict == NodeVerdict::Violated || row.verdict == NodeVerdict::Inconclusive))
        rep.first_violation = row.node;
      rep.nodes.push_back(std::move(row));
    }
  if (!e2e_failure.empty()) {
    rep.first_violation = rep.first_violation.empty() ? "(end to end)" : rep.first_violation;
    rep.nodes.push_back(NodeAudit{"(end to end)", "", "", NodeVerdict::Inconclusive, {}, {},
                                  e2e_failure + (data.grads.empty() ? "" : "; gradients not audited")});
    return rep;
  }
  std::optional<std::vector<std::optional<RefTensor>>> local;
  if (!data.grads.empty()) {
    try {
      local = exact_backward_at_floats(g, r, data, be);
    } catch (const spec::DomainError& e) {
      rep.nodes.push_back(NodeAudit{"(backward)", "", "", NodeVerdict::Inconclusive, {}, {}, std::string(e.what()) + "; gradients not audited"});
      if (rep.first_violation.empty()) rep.first_violation = "(backward)";
      return rep;
    }
  }
  if (!data.grads.empty())
    rep.gradient_reference = local ? "the exact backward pass on the float forward values"
                                   : "the exact end-to-end gradient on the float inputs (not every node value was given)";
  const std::map<std::string, double> magnitude = data.grads.empty() ? std::map<std::string, double>{} : detail::gradient_scales(g, data.args, data.values);
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    const auto it = data.grads.find(g.args[a].name);
    if (it == data.grads.end()) continue;
    if (static_cast<std::int64_t>(it->second.size()) != g.args[a].type.shape.numel())
      throw spec::ShapeError("gradient of %" + g.args[a].name + " needs " + std::to_string(g.args[a].type.shape.numel()) +
                             " numbers, got " + std::to_string(it->second.size()));
    const RefTensor* exact = local ? ((*local)[a] ? &*(*local)[a] : nullptr)
                                   : (tape.requires_grad(L.arg_slots[a]) ? tape.grad(L.arg_slots[a]) : nullptr);
    const RefTensor truth = exact ? *exact : be.zeros_like(tape.value(L.arg_slots[a]));  // no gradient: exactly 0
    GradientAudit ga{"%" + g.args[a].name, stats(it->second, truth, rep.dtype)};
    double scale = 0;
    for (std::int64_t i = 0; i < truth.numel(); ++i) scale = std::max(scale, std::abs(rounded_at(truth, i)));
    if (const auto m = magnitude.find(g.args[a].name); m != magnitude.end() && std::isfinite(m->second)) scale = std::max(scale, m->second);
    ga.normwise = ga.error.max_abs == 0 ? 0 : scale == 0 ? kInf : ga.error.max_abs / scale;
    // Underflow: each node may flush a tiny gradient contribution to zero or
    // a subnormal; errors of that size say nothing about the rules.
    const double underflow = static_cast<double>(g.nodes.size() + 1) * smallest_subnormal(rep.dtype);
    const bool within = ga.error.max_abs <= rep.gradient_tolerance * scale + underflow;
    ga.verdict = std::isfinite(ga.error.max_abs) && within ? NodeVerdict::Met : NodeVerdict::Violated;
    if (rep.first_violation.empty() && ga.verdict != NodeVerdict::Met) rep.first_violation = "gradient " + ga.arg;
    rep.gradients.push_back(std::move(ga));
  }
  return rep;
}

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}
nlohmann::json stats_json(const ErrorStats& s) {
  return {{"max_abs", s.max_abs}, {"max_rel", s.max_rel}, {"max_ulp", s.max_ulp}, {"worst_element", s.worst}};
}
}  // namespace

std::string format_table(const AuditReport& r) {
  std::string out = "audit of graph " + r.graph + " (" + std::string(spec::to_string(r.dtype)) + "), values from " + r.producer +
                    ", exact reference: rationals / " + std::to_string(r.interval_bits) + "-bit intervals\n";
  char line[600];
  int w = 14, wo = 14;  // node and op columns: as wide as the longest entry
  for (const auto& n : r.nodes) w = std::max(w, static_cast<int>(n.node.size())), wo = std::max(wo, static_cast<int>(n.op.size()));
  for (const auto& g : r.gradients) w = std::max(w, static_cast<int>(g.arg.size()));
  std::snprintf(line, sizeof line, "%-*s %-*s %-34s %10s %10s %9s %10s  %s\n", w, "node", wo, "op", "contract", "max abs",
                "max rel", "max ulp", "e2e ulp", "verdict");
  out += line;
  for (const auto& n : r.nodes) {
    std::snprintf(line, sizeof line, "%-*s %-*s %-34s %10s %10s %9s %10s  %s\n", w, n.node.c_str(), wo, n.op.c_str(),
                  n.contract.c_str(), num(n.local.max_abs).c_str(), num(n.local.max_rel).c_str(), num(n.local.max_ulp).c_str(),
                  num(n.end_to_end.max_ulp).c_str(), to_string(n.verdict));
    out += line;
    if (!n.detail.empty() && n.verdict != NodeVerdict::Met) out += "    " + n.detail + "\n";
    if (!n.origin.empty() && n.verdict != NodeVerdict::Met && n.verdict != NodeVerdict::NotAudited) out += "    from " + n.origin + "\n";
  }
  if (!r.gradients.empty()) {
    std::snprintf(line, sizeof line, "%-*s %10s %10s %9s %10s  verdict (vs %s; normwise tolerance %s)\n", w, "gradient",
                  "max abs", "max rel", "max ulp", "normwise", r.gradient_reference.c_str(), num(r.gradient_tolerance).c_str());
    out += line;
    for (const auto& g : r.gradients) {
      std::snprintf(line, sizeof line, "%-*s %10s %10s %9s %10s  %s\n", w, g.arg.c_str(), num(g.error.max_abs).c_str(),
                    num(g.error.max_rel).c_str(), num(g.error.max_ulp).c_str(), num(g.normwise).c_str(), to_string(g.verdict));
      out += line;
    }
  }
  out += "first node with error: " + (r.first_error.empty() ? std::string("none") : r.first_error) + "\n";
  out += "first contract violation: " + (r.first_violation.empty() ? std::string("none") : r.first_violation) + "\n";
  int met = 0, audited = 0;
  std::string skipped;
  for (const auto& n : r.nodes) {
    met += n.verdict == NodeVerdict::Met, audited += n.verdict != NodeVerdict::NotAudited;
    if (n.verdict == NodeVerdict::NotAudited) skipped += (skipped.empty() ? "" : ", ") + n.node;
  }
  out += std::to_string(met) + " of " + std::to_string(audited) + " audited nodes meet their contracts";
  if (!r.gradients.empty()) {
    int passed = 0;
    for (const auto& g : r.gradients) passed += g.verdict == NodeVerdict::Met;
    out += "; " + std::to_string(passed) + " of " + std::to_string(r.gradients.size()) + " gradients within tolerance";
  }
  out += "\n";
  if (!skipped.empty()) out += "skipped (no float value of the node and its inputs given): " + skipped + "\n";
  if (audited == 0 && r.gradients.empty())
    out += "nothing could be audited: give each node's float value together with the values of its inputs, or gradients\n";
  return out;
}

nlohmann::json to_json(const AuditReport& r) {
  nlohmann::json j{{"graph", r.graph},
                   {"dtype", spec::to_string(r.dtype)},
                   {"producer", r.producer},
                   {"interval_bits", r.interval_bits},
                   {"all_met", r.all_met()},
                   {"first_error", r.first_error.empty() ? nlohmann::json() : nlohmann::json(r.first_error)},
                   {"first_violation", r.first_violation.empty() ? nlohmann::json() : nlohmann::json(r.first_violation)}};
  j["nodes"] = nlohmann::json::array();
  for (const auto& n : r.nodes)
    j["nodes"].push_back({{"node", n.node}, {"op", n.op}, {"contract", n.contract}, {"verdict", to_string(n.verdict)},
                          {"local", stats_json(n.local)}, {"end_to_end", stats_json(n.end_to_end)}, {"detail", n.detail},
                          {"bound_use", n.bound_use}, {"origin", n.origin}});
  j["gradients"] = nlohmann::json::array();
  j["gradient_tolerance"] = r.gradient_tolerance;
  j["gradient_reference"] = r.gradient_reference;
  for (const auto& g : r.gradients)
    j["gradients"].push_back(
        {{"arg", g.arg}, {"error", stats_json(g.error)}, {"normwise", g.normwise}, {"verdict", to_string(g.verdict)}});
  return j;
}

}  // namespace vt::ref
