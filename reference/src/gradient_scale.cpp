#include "gradient_scale.hpp"

#include <cmath>
#include <optional>

#include "backward_on_values.hpp"
#include "vt/reference/magnitude.hpp"
#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::ref::detail {
namespace {

using MDense = spec::Dense<Mag>;

MDense as_exact_inputs(const spec::Shape& shape, const std::vector<double>& v) {
  MDense d = MDense::full(shape, Mag{});
  for (std::int64_t i = 0; i < d.numel(); ++i) d[i] = exact_input(v[static_cast<std::size_t>(i)]);
  return d;
}

// Every value of the graph by id: the given float values where there are,
// else the generic double forward's.
std::vector<std::vector<double>> forward_values(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                                const std::map<std::string, std::vector<double>>& values) {
  std::vector<std::vector<double>> out;
  for (const spec::Arg& a : g.args) out.push_back(args.at(a.name));
  bool complete = true;
  for (const spec::Node& n : g.nodes) complete = complete && values.count(n.name);
  if (complete) {
    for (const spec::Node& n : g.nodes) out.push_back(values.at(n.name));
    return out;
  }
  spec::DenseBackend<double> be;
  spec::Tape<spec::DenseBackend<double>> tape(be);
  const spec::LoweredGraph L = spec::lower(g, tape, {}, g.name);
  for (std::size_t a = 0; a < g.args.size(); ++a) tape.leaf_value(L.arg_slots[a]).data = out[a];
  tape.run_forward();
  for (std::size_t n = 0; n < g.nodes.size(); ++n) out.push_back(tape.value(L.value_slots[g.args.size() + n]).data);
  return out;
}

}  // namespace

std::map<std::string, double> gradient_scales(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                              const std::map<std::string, std::vector<double>>& values) {
  std::map<std::string, double> out;
  const spec::ResolvedGraph r = spec::resolve(g, g.name);
  if (r.output_ids.empty()) return out;
  const std::vector<std::vector<double>> fwd = forward_values(g, args, values);
  std::vector<MDense> value;
  for (std::size_t id = 0; id < fwd.size(); ++id) {
    const spec::Shape& shape = id < g.args.size() ? g.args[id].type.shape : g.nodes[id - g.args.size()].type.shape;
    value.push_back(as_exact_inputs(shape, fwd[id]));
  }
  const auto root = static_cast<std::size_t>(r.output_ids[0]);
  const spec::DType root_dtype = root < g.args.size() ? g.args[root].type.dtype : g.nodes[root - g.args.size()].type.dtype;
  if (value[root].numel() != 1 || !spec::is_float(root_dtype)) return out;
  // The backward sweep on these values, each VJP's terms carried in m.
  const auto cot = backward_on_values(spec::DenseBackend<Mag>{}, g, r, value);
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    double m = 0;
    if (cot[a])
      for (const Mag& e : cot[a]->data) m = std::max(m, e.m);  // NaN is dropped by max: the exact scale remains
    out[g.args[a].name] = m;
  }
  return out;
}

}  // namespace vt::ref::detail
