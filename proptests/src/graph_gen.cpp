// gen_graph_case: plan -> graph -> values, kept only inside the overflow guard.
#include "vt/proptests/graph_gen.hpp"

#include <memory>

#include "build_graph.hpp"
#include "guard.hpp"
#include "plan.hpp"
#include "values.hpp"

namespace vt::proptests {

rc::Gen<GraphCase> gen_graph_case(GenOptions o) {
  detail::allowed_ops(o);  // reject bad options now, not inside a property
  // The values are drawn after the graph (they depend on its shapes); when
  // the plan shrinks, they are drawn again from the same random state.
  auto cases = rc::gen::mapcat(detail::gen_plan(o), [o](const detail::Plan& p) {
    auto built = std::make_shared<const detail::Built>(detail::build_graph(p, o));
    return rc::gen::map(detail::gen_arg_values(built->args, o), [built](detail::ArgValues v) {
      GraphCase c;
      c.graph = built->graph;
      c.args = std::move(v);
      return c;
    });
  });
  return rc::gen::suchThat(std::move(cases), [](const GraphCase& c) { return detail::within_guard(c.graph, c.args); });
}

}  // namespace vt::proptests
