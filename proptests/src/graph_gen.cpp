// gen_graph_case: plan -> graph -> values, kept only inside the overflow guard.
#include "vt/proptests/graph_gen.hpp"

#include <memory>

#include "build_graph.hpp"
#include "guard.hpp"
#include "plan.hpp"
#include "values.hpp"
#include "vt/runtime/kernel_paths.hpp"

namespace vt::proptests {

GenOptions GenOptions::realistic(spec::DType dtype) {
  GenOptions o;
  o.dtype = dtype;
  o.max_dim = 256;
  o.max_numel = 4096;
  o.max_nodes = 6;
  o.favored_dims = rt::kernel_path_sizes();
  for (const std::string_view op : rt::fast_kernel_ops()) {
    o.ops.emplace_back(op);
    if (auto sizes = rt::kernel_path_sizes(op); !sizes.empty()) o.op_sizes[std::string(op)] = std::move(sizes);
  }
  return o;
}

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
