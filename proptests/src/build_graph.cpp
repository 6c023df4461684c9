#include "build_graph.hpp"

#include <stdexcept>

#include "build_ctx.hpp"
#include "op_steps.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::proptests::detail {

std::vector<std::string_view> allowed_ops(const GenOptions& o) {
  if (!is_float(o.dtype)) throw std::invalid_argument("GenOptions.dtype must be f32 or f64");
  if (o.max_nodes < 0 || o.max_rank < 0 || o.max_dim < 1)
    throw std::invalid_argument("GenOptions: max_nodes and max_rank must be >= 0, max_dim >= 1");
  for (const auto& name : o.ops) {
    const spec::OpInfo* op = spec::find_op(name);
    if (!op) throw std::invalid_argument("GenOptions.ops: unknown op '" + name + "'");
    if (!find_step(name)) throw std::invalid_argument("GenOptions.ops: the generator cannot produce op '" + name + "'");
    if (o.rational_only && op->fragment != spec::Fragment::Rational)
      throw std::invalid_argument("GenOptions.ops: '" + name + "' is not in the rational fragment");
  }
  std::vector<std::string_view> out;
  for (const auto& op : spec::all_ops()) {
    if (!find_step(op.name)) continue;  // a new op without a step: see ops_without_generator()
    if (o.rational_only && op.fragment != spec::Fragment::Rational) continue;
    if (!o.ops.empty() && std::find(o.ops.begin(), o.ops.end(), op.name) == o.ops.end()) continue;
    out.push_back(op.name);
  }
  return out;
}

Built build_graph(const Plan& p, const GenOptions& o) {
  const auto ops = allowed_ops(o);
  Ctx c(o, p.dim_cap);
  Dial init(p.init);
  c.fresh_arg(init, c.shape(init, 0, o.max_rank), Need::None, init.pick(4) != 3);
  for (const Knobs& k : p.steps) {
    if (ops.empty()) break;
    Dial d(k);
    const std::string_view op = ops[static_cast<std::size_t>(d.pick(static_cast<int>(ops.size())))];
    Ctx saved = c;  // a step either applies whole or not at all
    try {
      find_step(op)->step(c, d, op);
    } catch (const Skip&) {
      c = std::move(saved);
    }
  }
  Dial loss(p.loss);
  c.finish(loss);
  return c.build();
}

std::vector<std::string_view> ops_without_generator() {
  std::vector<std::string_view> out;
  for (const auto& op : spec::all_ops())
    if (!find_step(op.name)) out.push_back(op.name);
  return out;
}

}  // namespace vt::proptests::detail
