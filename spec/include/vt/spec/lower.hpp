#pragma once
// Lowering a verified graph onto a tape: one leaf slot per argument, one node
// per graph node, laid out once. Afterwards a program runs many times: write
// new argument values into their leaf slots, run_forward(), backward().
// Eager recording and lowering fill the same Tape with the same nodes, which
// is why compiled execution equals eager execution; record_graph() is the
// eager side of that comparison for a whole graph.
#include <algorithm>
#include <span>
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
  // Or only these float inputs (d(loss)/d(x) for an input x).
  std::vector<std::string> grad_inputs = {};
};

namespace detail {
// Fills out.value_slots after the argument slots, one `place(node index, input
// slots)` per node, and out.output_slots: the one walk lower and record_graph share.
template <class Place>
void place_nodes(const GraphData& g, const ResolvedGraph& r, LoweredGraph& out, Place place) {
  out.value_slots = out.arg_slots;
  std::vector<Slot> ins;
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    ins.clear();
    for (int id : r.operand_ids[n]) ins.push_back(out.value_slots[static_cast<std::size_t>(id)]);
    out.value_slots.push_back(place(n, std::span<const Slot>(ins)));
  }
  for (int id : r.output_ids) out.output_slots.push_back(out.value_slots[static_cast<std::size_t>(id)]);
}
}  // namespace detail

template <class Backend>
LoweredGraph lower(const GraphData& g, Tape<Backend>& tape, LowerOptions opt = {}, std::string_view filename = "<graph>") {
  const ResolvedGraph r = resolve(g, filename);
  for (const std::string& name : opt.grad_inputs) {
    const auto it = std::find_if(g.args.begin(), g.args.end(), [&](const Arg& a) { return a.name == name; });
    if (it == g.args.end()) throw UsageError("gradient asked of %" + name + ", which is not an argument of graph '" + g.name + "'");
    if (!is_float(it->type.dtype)) throw UsageError("gradient asked of %" + name + ", which is " + to_string(it->type) + " (not a float)");
  }
  LoweredGraph out;
  for (const auto& a : g.args) {
    const bool asked = std::find(opt.grad_inputs.begin(), opt.grad_inputs.end(), a.name) != opt.grad_inputs.end();
    const bool rg = is_float(a.type.dtype) && (a.kind == ArgKind::Param || opt.inputs_require_grad || asked);
    out.arg_slots.push_back(tape.leaf(tape.backend().allocate(a.type), rg));
  }
  detail::place_nodes(g, r, out, [&](std::size_t n, std::span<const Slot> ins) {
    return tape.append(r.ops[n]->id, ins, r.attrs[n], g.nodes[n].type, "%" + g.nodes[n].name);
  });
  return out;
}

// Eager recording of a whole graph: every node is recorded on the tape and
// computed at once (Tape::record), from ARG_SLOTS, leaves the caller made
// with their values, one per argument in GraphData::args order. This is what
// a session does op by op, so a test can compare it with lower()'s program.
template <class Backend>
LoweredGraph record_graph(const GraphData& g, Tape<Backend>& tape, std::vector<Slot> arg_slots,
                          std::string_view filename = "<graph>") {
  const ResolvedGraph r = resolve(g, filename);
  LoweredGraph out;
  out.arg_slots = std::move(arg_slots);
  detail::place_nodes(g, r, out, [&](std::size_t n, std::span<const Slot> ins) {
    return tape.record(r.ops[n]->id, ins, r.attrs[n], g.nodes[n].type);
  });
  return out;
}

}  // namespace vt::spec
