#include "vt/reference/audit.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "vt/reference/contract_bounds.hpp"
#include "vt/reference/ref_backend.hpp"
#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"

namespace vt::ref {

using spec::Dense;

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
  return audited > 0;  // nothing audited proves nothing
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

const std::vector<double>& arg_values(const std::map<std::string, std::vector<double>>& args, const spec::Arg& a) {
  const auto it = args.find(a.name);
  if (it == args.end()) throw spec::ShapeError("no values given for argument %" + a.name);
  if (static_cast<std::int64_t>(it->second.size()) != a.type.shape.numel())
    throw spec::ShapeError("argument %" + a.name + " : " + to_string(a.type) + " needs " + std::to_string(a.type.shape.numel()) +
                           " values, got " + std::to_string(it->second.size()));
  return it->second;
}

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
    d.values[g.nodes[n].name] = std::vector<double>(y.data.begin(), y.data.end());
  }
  if (!g.outputs.empty() && is_scalar_float(g, g.outputs[0].name) && tape.requires_grad(L.output_slots[0])) {
    tape.backward(L.output_slots[0]);
    for (std::size_t a = 0; a < g.args.size(); ++a)
      if (tape.requires_grad(L.arg_slots[a])) {
        const auto* gr = tape.grad(L.arg_slots[a]);
        d.grads[g.args[a].name] = gr ? std::vector<double>(gr->data.begin(), gr->data.end())
                                     : std::vector<double>(static_cast<std::size_t>(g.args[a].type.shape.numel()), 0.0);
      }
  }
  return d;
}

// The error of one float value against the exact (or enclosed) value.
struct ElementError {
  double abs;        // |y - y*|, or the distance from y to the enclosure
  double reference;  // y* rounded to double
  double width;      // of the enclosure; 0 when exact
};

ElementError element_error(double y, const RefTensor& t, std::int64_t i) {
  if (t.exact()) {
    const Rational& q = t.rational()[i];
    const double ref = q.convert_to<double>();
    if (!std::isfinite(y)) return {std::numeric_limits<double>::infinity(), ref, 0};
    const Rational diff = exact(y) - q;
    return {boost::multiprecision::abs(diff).convert_to<double>(), ref, 0};
  }
  const auto& raw = t.intervals()[i].raw();
  const BigFloat lo = boost::multiprecision::lower(raw), hi = boost::multiprecision::upper(raw);
  const double ref = boost::multiprecision::median(raw).convert_to<double>();
  const double width = boost::multiprecision::width(raw).convert_to<double>();
  if (!std::isfinite(y)) return {std::numeric_limits<double>::infinity(), ref, width};
  const BigFloat yb(y);
  const BigFloat dist = yb < lo ? BigFloat(lo - yb) : yb > hi ? BigFloat(yb - hi) : BigFloat(0);
  return {dist.convert_to<double>(), ref, width};
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
  for (std::int64_t i = 0; i < d.numel(); ++i)
    d[i] = t.exact() ? t.rational()[i].convert_to<double>() : boost::multiprecision::median(t.intervals()[i].raw()).convert_to<double>();
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
  for (std::int64_t i = 0; i < exact.numel(); ++i) {
    const ElementError e = element_error(own->second[static_cast<std::size_t>(i)], exact, i);
    update(out.local, e, dtype, i);
    const double b = bound.bound[static_cast<std::size_t>(i)];
    if (!(e.abs <= b)) {
      if (out.verdict != NodeVerdict::Violated) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "element %lld: |y - y*| = %.3g exceeds the bound %.3g (y = %.9g, y* = %.17g)",
                      static_cast<long long>(i), e.abs, b, own->second[static_cast<std::size_t>(i)], e.reference);
        out.detail = buf;
      }
      out.verdict = NodeVerdict::Violated;
    } else if (e.width > 0.01 * b && out.verdict == NodeVerdict::Met) {
      out.verdict = NodeVerdict::Inconclusive;
      out.detail = "enclosure of element " + std::to_string(i) + " too wide to decide at this precision";
    }
  }
}

}  // namespace

AuditData run_generic_float(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args) {
  return float_dtype(g) == spec::DType::f32 ? run_float<float>(g, args) : run_float<double>(g, args);
}

AuditReport audit(const spec::GraphData& g, const AuditData& data, unsigned interval_bits) {
  const spec::ResolvedGraph r = spec::resolve(g, g.name);
  AuditReport rep;
  rep.graph = g.name;
  rep.producer = data.producer;
  rep.dtype = float_dtype(g);
  rep.interval_bits = interval_bits;
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
    const auto own = data.values.find(g.nodes[n].name);
    if (own != data.values.end() && e2e_failure.empty())
      na.end_to_end = stats(own->second, tape.value(L.value_slots[g.args.size() + n]), rep.dtype);
    if (rep.first_error.empty() && na.local.max_abs > 0) rep.first_error = na.node;
    if (rep.first_violation.empty() && (na.verdict == NodeVerdict::Violated || na.verdict == NodeVerdict::Inconclusive))
      rep.first_violation = na.node;
    rep.nodes.push_back(std::move(na));
  }
  if (!e2e_failure.empty()) {
    rep.first_violation = rep.first_violation.empty() ? "(end to end)" : rep.first_violation;
    rep.nodes.push_back(NodeAudit{"(end to end)", "", "", NodeVerdict::Inconclusive, {}, {}, e2e_failure});
    return rep;
  }
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    const auto it = data.grads.find(g.args[a].name);
    if (it == data.grads.end()) continue;
    if (static_cast<std::int64_t>(it->second.size()) != g.args[a].type.shape.numel())
      throw spec::ShapeError("gradient of %" + g.args[a].name + " needs " + std::to_string(g.args[a].type.shape.numel()) +
                             " numbers, got " + std::to_string(it->second.size()));
    const RefTensor* exact = tape.requires_grad(L.arg_slots[a]) ? tape.grad(L.arg_slots[a]) : nullptr;
    const RefTensor zero = be.zeros_like(tape.value(L.arg_slots[a]));
    rep.gradients.push_back(GradientAudit{"%" + g.args[a].name, stats(it->second, exact ? *exact : zero, rep.dtype)});
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
  char line[400];
  std::snprintf(line, sizeof line, "%-14s %-14s %-34s %10s %10s %9s %10s  %s\n", "node", "op", "contract", "max abs",
                "max rel", "max ulp", "e2e ulp", "verdict");
  out += line;
  for (const auto& n : r.nodes) {
    std::snprintf(line, sizeof line, "%-14s %-14s %-34s %10s %10s %9s %10s  %s\n", n.node.c_str(), n.op.c_str(),
                  n.contract.c_str(), num(n.local.max_abs).c_str(), num(n.local.max_rel).c_str(), num(n.local.max_ulp).c_str(),
                  num(n.end_to_end.max_ulp).c_str(), to_string(n.verdict));
    out += line;
    if (!n.detail.empty() && n.verdict != NodeVerdict::Met) out += "    " + n.detail + "\n";
  }
  if (!r.gradients.empty()) {
    std::snprintf(line, sizeof line, "%-14s %10s %10s %9s   (end to end, vs the exact gradient on the same inputs)\n",
                  "gradient", "max abs", "max rel", "max ulp");
    out += line;
    for (const auto& g : r.gradients) {
      std::snprintf(line, sizeof line, "%-14s %10s %10s %9s\n", g.arg.c_str(), num(g.error.max_abs).c_str(),
                    num(g.error.max_rel).c_str(), num(g.error.max_ulp).c_str());
      out += line;
    }
  }
  out += "first node with error: " + (r.first_error.empty() ? std::string("none") : r.first_error) + "\n";
  out += "first contract violation: " + (r.first_violation.empty() ? std::string("none") : r.first_violation) + "\n";
  int met = 0, audited = 0;
  for (const auto& n : r.nodes) met += n.verdict == NodeVerdict::Met, audited += n.verdict != NodeVerdict::NotAudited;
  out += std::to_string(met) + " of " + std::to_string(audited) + " audited nodes meet their contracts\n";
  if (audited == 0)
    out += "nothing could be audited: give each node's float value together with the values of its inputs\n";
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
                          {"local", stats_json(n.local)}, {"end_to_end", stats_json(n.end_to_end)}, {"detail", n.detail}});
  j["gradients"] = nlohmann::json::array();
  for (const auto& g : r.gradients) j["gradients"].push_back({{"arg", g.arg}, {"error", stats_json(g.error)}});
  return j;
}

}  // namespace vt::ref
