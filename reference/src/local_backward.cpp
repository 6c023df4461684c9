#include "local_backward.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "vt/reference/backward_bound.hpp"
#include "vt/reference/ref_backend.hpp"
#include "vt/spec/generic_ops.hpp"

namespace vt::ref::detail {
namespace {

using spec::Dense;

// Everything the rows read, by value id (arguments, then nodes).
struct GivenValues {
  const spec::GraphData& g;
  const spec::ResolvedGraph& r;
  const AuditData& data;

  std::size_t count() const { return g.args.size() + g.nodes.size(); }
  bool is_arg(std::size_t id) const { return id < g.args.size(); }
  const std::string& name(std::size_t id) const { return is_arg(id) ? g.args[id].name : g.nodes[id - g.args.size()].name; }
  const spec::TensorType& type(std::size_t id) const { return is_arg(id) ? g.args[id].type : g.nodes[id - g.args.size()].type; }
  const std::vector<double>* value(std::size_t id) const {
    const auto& m = is_arg(id) ? data.args : data.values;
    const auto it = m.find(name(id));
    return it == m.end() ? nullptr : &it->second;
  }
  // The given cotangent; output 0 is seeded with ones when not given.
  std::optional<std::vector<double>> cotangent(std::size_t id) const {
    const auto& m = is_arg(id) ? data.grads : data.node_grads;
    if (const auto it = m.find(name(id)); it != m.end()) return it->second;
    if (!r.output_ids.empty() && static_cast<std::size_t>(r.output_ids[0]) == id)
      return std::vector<double>(static_cast<std::size_t>(type(id).shape.numel()), 1.0);
    return std::nullopt;
  }
  bool finite(const std::vector<double>& v) const {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
  }
};

struct Consumer {
  std::size_t node;
  std::vector<std::size_t> positions;  // where the value enters it
};

// The float nodes that take value `id` as a differentiable operand.
std::vector<std::vector<Consumer>> consumers_of(const GivenValues& gv) {
  std::vector<std::vector<Consumer>> out(gv.count());
  for (std::size_t n = 0; n < gv.g.nodes.size(); ++n) {
    if (!spec::is_float(gv.g.nodes[n].type.dtype)) continue;
    for (std::size_t i = 0; i < gv.r.operand_ids[n].size(); ++i) {
      const auto id = static_cast<std::size_t>(gv.r.operand_ids[n][i]);
      if (!gv.r.ops[n]->differentiable(static_cast<int>(i)) || !spec::is_float(gv.type(id).dtype)) continue;
      auto& list = out[id];
      if (list.empty() || list.back().node != n) list.push_back({n, {}});
      list.back().positions.push_back(i);
    }
  }
  return out;
}

// One row: the VJPs of `nodes`, summed into the values `targets`, against
// their given gradients.
NodeAudit audit_row(const GivenValues& gv, const std::vector<std::size_t>& nodes, const std::vector<std::size_t>& targets,
                    NodeAudit row, spec::DType dtype, const RefBackend& be) {
  auto missing = [&](const std::string& why) {
    row.verdict = NodeVerdict::NotAudited;
    row.detail = why;
    return row;
  };
  std::map<std::size_t, RefTensor> exact_dx;
  std::map<std::size_t, Dense<Mag>> mag_dx;
  for (std::size_t t : targets) {
    exact_dx.emplace(t, be.allocate(gv.type(t)));
    mag_dx.emplace(t, Dense<Mag>::full(gv.type(t).shape, Mag{}));
  }
  double deepest = 0;
  for (std::size_t n : nodes) {
    const std::size_t out = gv.g.args.size() + n;
    const std::vector<double>* y = gv.value(out);
    const std::optional<std::vector<double>> cot = gv.cotangent(out);
    if (!y) return missing("float value of %" + gv.name(out) + " not given");
    if (!cot) return missing("gradient of %" + gv.name(out) + " not given");
    if (!gv.finite(*y) || !gv.finite(*cot)) return missing("%" + gv.name(out) + " or its gradient holds non-finite values");
    std::vector<RefTensor> ex_in;
    std::vector<Dense<Mag>> m_in;
    for (int id : gv.r.operand_ids[n]) {
      const std::vector<double>* x = gv.value(static_cast<std::size_t>(id));
      if (!x) return missing("float value of input %" + gv.name(static_cast<std::size_t>(id)) + " not given");
      if (!gv.finite(*x)) return missing("input %" + gv.name(static_cast<std::size_t>(id)) + " holds non-finite values");
      const spec::Shape& shape = gv.type(static_cast<std::size_t>(id)).shape;
      ex_in.push_back(exact_tensor(shape, *x));
      m_in.push_back(exact_mags(shape, *x));
    }
    std::vector<const RefTensor*> ex_ptr;
    std::vector<RefTensor*> ex_dx;
    std::vector<const Dense<Mag>*> m_ptr;
    std::vector<Dense<Mag>*> m_dx;
    for (std::size_t i = 0; i < ex_in.size(); ++i) {
      const auto id = static_cast<std::size_t>(gv.r.operand_ids[n][i]);
      const bool target = exact_dx.count(id) > 0 && gv.r.ops[n]->differentiable(static_cast<int>(i));
      ex_ptr.push_back(&ex_in[i]);
      ex_dx.push_back(target ? &exact_dx.at(id) : nullptr);
      m_ptr.push_back(&m_in[i]);
      m_dx.push_back(target ? &mag_dx.at(id) : nullptr);
    }
    const spec::Shape& ys = gv.type(out).shape;
    const Dense<Mag> m_y = exact_mags(ys, *y), m_g = exact_mags(ys, *cot);
    try {
      be.vjp(gv.r.ops[n]->id, ex_ptr, exact_tensor(ys, *y), exact_tensor(ys, *cot), gv.r.attrs[n], ex_dx);
      spec::generic_vjp<Mag>(gv.r.ops[n]->id, m_ptr, m_y, m_g, gv.r.attrs[n], m_dx);
    } catch (const spec::DomainError& e) {
      row.verdict = NodeVerdict::Inconclusive;
      row.detail = "exact VJP of %" + gv.name(out) + " undefined on these float values: " + e.what();
      return row;
    }
  }
  for (std::size_t t : targets)
    for (const Mag& m : mag_dx.at(t).data) deepest = std::max(deepest, m.k);
  char text[64];
  std::snprintf(text, sizeof text, "backward gamma_k*terms, k <= %.0f", deepest);
  row.contract = text;
  row.verdict = NodeVerdict::Met;
  for (std::size_t t : targets) {
    const std::vector<double> given = *gv.cotangent(t);
    if (static_cast<std::int64_t>(given.size()) != gv.type(t).shape.numel())
      throw spec::ShapeError("gradient of %" + gv.name(t) + " needs " + std::to_string(gv.type(t).shape.numel()) + " numbers, got " +
                             std::to_string(given.size()));
    for (std::int64_t k = 0; k < static_cast<std::int64_t>(given.size()); ++k) {
      const Mag& mag = mag_dx.at(t)[k];
      const double bound = backward_bound(mag, dtype), f = given[static_cast<std::size_t>(k)];
      double err = 0;
      const NodeVerdict v = check_within(f, exact_dx.at(t).interval_at(k), bound, err);
      row.local.max_abs = std::max(row.local.max_abs, err);
      row.bound_use = std::max(row.bound_use, bound_use(err, bound));
      // The detail tells the first violation, or else the first undecided element.
      const bool worse = (v == NodeVerdict::Violated && row.verdict != NodeVerdict::Violated) ||
                         (v == NodeVerdict::Inconclusive && row.verdict == NodeVerdict::Met);
      if (!worse) continue;
      row.verdict = v;
      char why[240];
      std::snprintf(why, sizeof why, "gradient of %%%s element %lld: |g - g*| = %.3g, bound %.3g (g = %.9g, g* = %.17g, k = %.0f)",
                    gv.name(t).c_str(), static_cast<long long>(k), err, bound, f,
                    boost::multiprecision::median(exact_dx.at(t).interval_at(k).raw()).convert_to<double>(), mag.k);
      row.detail = why;
    }
  }
  return row;
}

std::string origin_of(const AuditData& data, const std::string& name) {
  const auto it = data.origins.find(name);
  return it == data.origins.end() ? "" : it->second;
}

}  // namespace

std::vector<NodeAudit> audit_given_backward(const spec::GraphData& g, const spec::ResolvedGraph& r, const AuditData& data,
                                            spec::DType dtype, unsigned interval_bits) {
  const GivenValues gv{g, r, data};
  const RefBackend be(interval_bits);
  const auto consumers = consumers_of(gv);
  auto given = [&](std::size_t id) { return (gv.is_arg(id) ? data.grads : data.node_grads).count(gv.name(id)) > 0; };
  std::vector<NodeAudit> rows;
  if (!r.output_ids.empty() && given(static_cast<std::size_t>(r.output_ids[0]))) {  // the seed: d out / d out = 1
    const auto out = static_cast<std::size_t>(r.output_ids[0]);
    NodeAudit row;
    row.node = "%" + gv.name(out) + " (gradient seed)";
    row.contract = "exactly 1";
    row.verdict = NodeVerdict::Met;
    const std::vector<double> seed = *gv.cotangent(out);
    for (const double v : seed)
      if (v != 1) {
        row.verdict = NodeVerdict::Violated;
        row.local.max_abs = std::isfinite(v) ? std::abs(v - 1) : INFINITY;
        row.detail = "the gradient of output %" + gv.name(out) + " with respect to itself is " + std::to_string(v) + ", not 1";
        break;
      }
    rows.push_back(std::move(row));
  }
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {  // values with one consumer, by that consumer
    std::vector<std::size_t> targets;
    for (int raw : r.operand_ids[n]) {
      const auto id = static_cast<std::size_t>(raw);
      if (given(id) && consumers[id].size() == 1 && consumers[id][0].node == n &&
          std::find(targets.begin(), targets.end(), id) == targets.end())
        targets.push_back(id);
    }
    if (targets.empty()) continue;
    NodeAudit row;
    row.node = "%" + g.nodes[n].name + " (backward)";
    row.op = std::string(r.ops[n]->name);
    row.origin = origin_of(data, g.nodes[n].name);
    rows.push_back(audit_row(gv, {n}, targets, std::move(row), dtype, be));
  }
  for (std::size_t id = 0; id < gv.count(); ++id) {  // values with several consumers, by value
    if (!given(id) || consumers[id].size() < 2) continue;
    NodeAudit row;
    row.node = "%" + gv.name(id) + " (gradient sum)";
    std::vector<std::size_t> nodes;
    for (const Consumer& c : consumers[id]) {
      nodes.push_back(c.node);
      row.op += (row.op.empty() ? "" : "+") + std::string(r.ops[c.node]->name);
    }
    row.origin = origin_of(data, gv.name(id));
    rows.push_back(audit_row(gv, nodes, {id}, std::move(row), dtype, be));
  }
  return rows;
}

}  // namespace vt::ref::detail
