#pragma once
// The eager path of any graph: its nodes replayed in order on a Session
// through Session::apply, the same calls user code makes. The trainer runs
// its eager and linked backends this way, and the property suites compare
// the result with the compiled program of the same graph.
#include <functional>
#include <span>
#include <vector>

#include "vt/runtime/session.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::rt {

// `args` are the graph's arguments in order (parameters and inputs of the
// session); returns every value by value id: the arguments, then the nodes.
// `on_node`, when given, sees node n's result as soon as it is made and may
// replace it before later nodes read it (the property suites detach one).
template <class S>
std::vector<TensorRef<S>> replay_graph(Session<S>& s, const spec::ResolvedGraph& r, std::span<const TensorRef<S>> args,
                                       const std::function<void(std::size_t node, TensorRef<S>& value)>& on_node = {}) {
  std::vector<TensorRef<S>> values(args.begin(), args.end());
  values.reserve(args.size() + r.ops.size());
  std::vector<TensorRef<S>> ins;
  for (std::size_t n = 0; n < r.ops.size(); ++n) {
    ins.clear();
    for (int id : r.operand_ids[n]) ins.push_back(values[static_cast<std::size_t>(id)]);
    values.push_back(s.apply(r.ops[n]->id, ins, r.attrs[n]));
    if (on_node) on_node(n, values.back());
  }
  return values;
}

}  // namespace vt::rt
