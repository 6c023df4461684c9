// Which FastKernel paths (rt::kernel_paths()) the nodes of a graph take.
#include <map>

#include "vt/proptests/coverage.hpp"
#include "vt/runtime/kernel_paths.hpp"

namespace vt::proptests {

std::vector<std::int64_t> kernel_paths_taken(const spec::GraphData& g) {
  const auto& paths = rt::kernel_paths();
  std::vector<std::int64_t> taken(paths.size(), 0);
  std::map<std::string, spec::Shape> shape;
  for (const spec::Arg& a : g.args) shape[a.name] = a.type.shape;
  for (const spec::Node& n : g.nodes) {
    std::vector<spec::Shape> in;
    for (const spec::Operand& o : n.inputs) in.push_back(shape.at(o.name));
    for (std::size_t p = 0; p < paths.size(); ++p)
      if (paths[p].op == n.op && paths[p].taken(in, n.attrs, n.type.shape)) ++taken[p];
    shape[n.name] = n.type.shape;
  }
  return taken;
}

void record_kernel_paths(const spec::GraphData& g, Coverage* c) {
  if (!c) return;
  const auto& paths = rt::kernel_paths();
  const std::vector<std::int64_t> taken = kernel_paths_taken(g);
  for (std::size_t p = 0; p < paths.size(); ++p)
    if (taken[p] > 0) c->kernel_paths[std::string(paths[p].op) + ": " + std::string(paths[p].path)] += taken[p];
}

}  // namespace vt::proptests
