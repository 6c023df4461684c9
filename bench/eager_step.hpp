#pragma once
// A graph's training step replayed through an eager Session (the tape
// recorded anew every step, as user code written against the Session API
// would): the eager contestant of the benchmarks that build their model as
// a graph (cnn, attention), timed by the same time_ms as everyone.
#include <map>
#include <string>
#include <vector>

#include "timing.hpp"
#include "vt/runtime/graph_replay.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::bench {

// `params`: the graph's parameters in order; `inputs`: every input by name
// (class indices held as S, as Program::set takes them).
template <class S>
double eager_step_ms(const spec::GraphData& g, const std::vector<spec::Dense<S>>& params,
                     const std::map<std::string, std::vector<S>>& inputs, S lr) {
  rt::Session<S> s;
  std::vector<rt::TensorRef<S>> param_refs;
  for (const spec::Dense<S>& p : params) param_refs.push_back(s.param(p.shape, p.data));
  const spec::ResolvedGraph r = spec::resolve(g, g.name);
  std::vector<rt::TensorRef<S>> args;
  return time_ms([&] {
    args.clear();
    std::size_t param = 0;
    for (const spec::Arg& a : g.args)
      args.push_back(a.kind == spec::ArgKind::Param ? param_refs.at(param++) : s.input(a.type.shape, inputs.at(a.name), a.type.dtype));
    const std::vector<rt::TensorRef<S>> values = rt::replay_graph<S>(s, r, args);
    values[static_cast<std::size_t>(r.output_ids.at(0))].backward();
    s.sgd_step(lr);
    s.zero_grad();
  });
}

}  // namespace vt::bench
