#pragma once
// Lowering a verified graph onto a tape: one leaf slot per argument, one node
// per graph node, laid out once. Afterwards a program runs many times: write
// new argument values into their leaf slots, run_forward(), backward().
// Eager recording and lowering fill the same Tape with the same nodes, which
// is why compiled execution equals eager execution.
#include <string>
#include <vector>

#include "vt/spec/graph.hpp"
#include "vt/spec/tape.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::spec {

struct LoweredGraph {
  std::vector<Slot> arg_slots;     // in GraphData::args order
  std::vector<Slot> output_slots;  // in GraphData::outputs order
  std::vector<Slot> value_slots;   // by value id: args, then nodes
};

struct LowerOptions {
  // Inputs get gradients too (parameters always do); audits want them.
  bool inputs_require_grad = false;
};

template <class Backend>
LoweredGraph lower(const GraphData& g, Tape<Backend>& tape, LowerOptions opt = {}, std::string_view filename = "<graph>") {
  const ResolvedGraph r = resolve(g, filename);
  LoweredGraph out;
  for (const auto& a : g.args) {
    const bool rg = is_float(a.type.dtype) && (a.kind == ArgKind::Param || opt.inputs_require_grad);
    out.arg_slots.push_back(tape.leaf(tape.backend().allocate(a.type), rg));
  }
  out.value_slots = out.arg_slots;
  std::vector<Slot> ins;
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    ins.clear();
    for (int id : r.operand_ids[n]) ins.push_back(out.value_slots[static_cast<std::size_t>(id)]);
    out.value_slots.push_back(tape.append(r.ops[n]->id, ins, r.attrs[n], g.nodes[n].type, "%" + g.nodes[n].name));
  }
  for (int id : r.output_ids) out.output_slots.push_back(out.value_slots[static_cast<std::size_t>(id)]);
  return out;
}

}  // namespace vt::spec
