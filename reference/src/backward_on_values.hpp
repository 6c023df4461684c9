#pragma once
// The reverse sweep of a graph on given values: every value (argument or
// node) is fixed in advance, not computed, and each reached node's VJP is
// applied to its own inputs, output and accumulated cotangent. The audit
// runs it exactly on the runtime's float values, and with magnitudes for the
// size of the terms summed into each gradient.
#include <optional>
#include <span>
#include <vector>

#include "vt/spec/graph.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::ref::detail {

// `value` by value id (arguments, then nodes); output 0 is seeded with ones.
// Returns the cotangent of every value id, empty where the sweep did not
// reach it or it needs no gradient (non-float, non-differentiable operand).
template <class Backend>
std::vector<std::optional<typename Backend::Value>> backward_on_values(const Backend& be, const spec::GraphData& g,
                                                                       const spec::ResolvedGraph& r,
                                                                       const std::vector<typename Backend::Value>& value) {
  using Value = typename Backend::Value;
  const auto dtype_of = [&](std::size_t id) { return id < g.args.size() ? g.args[id].type.dtype : g.nodes[id - g.args.size()].type.dtype; };
  std::vector<std::optional<Value>> cot(value.size());
  const auto root = static_cast<std::size_t>(r.output_ids[0]);
  cot[root] = be.zeros_like(value[root]);
  be.fill_one(*cot[root]);
  for (std::size_t n = g.nodes.size(); n-- > 0;) {
    const std::size_t out = g.args.size() + n;
    if (!cot[out]) continue;  // not on a path to the output
    std::vector<const Value*> in;
    std::vector<Value*> dx;
    for (std::size_t i = 0; i < r.operand_ids[n].size(); ++i) {
      const auto id = static_cast<std::size_t>(r.operand_ids[n][i]);
      in.push_back(&value[id]);
      const bool wanted = r.ops[n]->differentiable(static_cast<int>(i)) && spec::is_float(dtype_of(id));
      if (wanted && !cot[id]) cot[id] = be.zeros_like(value[id]);
      dx.push_back(wanted ? &*cot[id] : nullptr);
    }
    // Accumulates into dx; no buffer is stale (overwrite: none).
    be.vjp(r.ops[n]->id, std::span<const Value* const>(in), value[out], *cot[out], r.attrs[n], std::span<Value* const>(dx),
           std::span<const bool>{});
  }
  return cot;
}

}  // namespace vt::ref::detail
