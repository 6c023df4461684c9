// gen_ill_typed: a generated well-typed graph, then one mutation (mutations.hpp).
#include <memory>

#include "build_graph.hpp"
#include "mutations.hpp"
#include "plan.hpp"

namespace vt::proptests {

rc::Gen<IllTypedCase> gen_ill_typed(GenOptions o) {
  detail::allowed_ops(o);
  return rc::gen::mapcat(detail::gen_plan(o), [o](const detail::Plan& p) {
    // Values play no part in typing: the graph alone is enough.
    auto g = std::make_shared<const spec::GraphData>(detail::build_graph(p, o).graph);
    const auto kinds = rc::gen::resize(rc::kNominalSize, rc::gen::inRange(0, static_cast<int>(detail::Mutation::Count)));
    return rc::gen::map(rc::gen::pair(kinds, detail::gen_knobs(8)), [g](const std::pair<int, detail::Knobs>& k) {
      detail::Dial d(k.second);
      return detail::break_graph(*g, static_cast<detail::Mutation>(k.first), d);
    });
  });
}

}  // namespace vt::proptests
