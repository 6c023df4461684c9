#include "vt/proptests/engines.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

#include "vt/reference/ref_backend.hpp"
#include "vt/runtime/graph_replay.hpp"
#include "vt/runtime/program.hpp"
#include "vt/spec/lower.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::proptests {
namespace {

using Args = std::map<std::string, std::vector<double>>;

template <class S>
std::vector<S> narrow(const std::vector<double>& v) {
  return {v.begin(), v.end()};
}
template <class S>
EngineRun compiled_run(const GraphCase& c, const Args& args, bool fast) {
  rt::Program<S> p(c.graph, fast);
  for (const spec::Arg& a : c.graph.args) p.set(a.name, narrow<S>(args.at(a.name)));
  p.forward();
  if (p.output_requires_grad()) p.backward();  // else no parameter reaches the loss: no gradients
  EngineRun r;
  for (const spec::Node& n : c.graph.nodes) r.values.push_back(spec::to_doubles(p.value(n.name)));
  for (const spec::Arg& a : c.graph.args)
    if (a.kind == spec::ArgKind::Param)
      if (const spec::Dense<S>* g = p.grad(a.name)) r.grads[a.name] = spec::to_doubles(*g);
  return r;
}

// One eager (or linked) run on session `s`, whose parameters 0.. are the
// graph's parameters in order; `on_node` as rt::replay_graph's.
template <class S>
EngineRun session_run(rt::Session<S>& s, const GraphCase& c, const spec::ResolvedGraph& resolved, const Args& args,
                      const std::function<void(std::size_t, rt::TensorRef<S>&)>& on_node = {}) {
  std::vector<rt::TensorRef<S>> in;
  std::size_t param = 0;
  for (const spec::Arg& a : c.graph.args) {
    if (a.kind == spec::ArgKind::Param) {
      s.param_value(param).data = narrow<S>(args.at(a.name));
      in.push_back(s.param_ref(param++));
    } else {
      in.push_back(s.input(a.type.shape, narrow<S>(args.at(a.name)), a.type.dtype));
    }
  }
  const std::vector<rt::TensorRef<S>> values = rt::replay_graph<S>(s, resolved, in, on_node);
  EngineRun r;
  for (std::size_t n = 0; n < c.graph.nodes.size(); ++n) r.values.push_back(spec::to_doubles(values[c.graph.args.size() + n].value()));
  s.zero_grad();
  const rt::TensorRef<S>& loss = values[static_cast<std::size_t>(resolved.output_ids[0])];
  if (loss.requires_grad()) loss.backward();
  else s.release();
  param = 0;
  for (const spec::Arg& a : c.graph.args)
    if (a.kind == spec::ArgKind::Param)
      if (const spec::Dense<S>* g = s.param_grad(param++)) r.grads[a.name] = spec::to_doubles(*g);
  return r;
}

template <class S>
void add_params(rt::Session<S>& s, const GraphCase& c) {
  for (const spec::Arg& a : c.graph.args)
    if (a.kind == spec::ArgKind::Param) s.param(a.type.shape, narrow<S>(c.args.at(a.name)));
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

template <class S>
EngineRun run_compiled(const GraphCase& c, bool fast_kernels) {
  return compiled_run<S>(c, c.args, fast_kernels);
}

template <class S>
EngineRun run_eager(const GraphCase& c, bool fast_kernels) {
  rt::Session<S> s(fast_kernels);
  add_params(s, c);
  return session_run(s, c, spec::resolve(c.graph), c.args);
}

template <class S>
EngineRun run_linked_second(const GraphCase& c, const Args& second_args) {
  rt::LinkedSession<S> s;
  add_params<S>(s, c);
  const spec::ResolvedGraph resolved = spec::resolve(c.graph);
  session_run<S>(s, c, resolved, c.args);
  return session_run<S>(s, c, resolved, second_args);
}

namespace {

// The graph with node k turned into an input of the same name and type.
GraphCase cut_at(const GraphCase& c, std::size_t k, std::vector<double> value) {
  GraphCase out = c;
  const spec::Node& n = c.graph.nodes[k];
  out.graph.args.push_back(spec::Arg{n.name, spec::ArgKind::Input, n.type, n.loc});
  out.args[n.name] = std::move(value);
  out.graph.nodes.erase(out.graph.nodes.begin() + static_cast<std::ptrdiff_t>(k));
  return out;
}

// Gradients equal bitwise, or one run has none and the other's is all zeros.
bool same_gradient(const EngineRun& a, const EngineRun& b, const std::string& name) {
  const auto ia = a.grads.find(name), ib = b.grads.find(name);
  const bool has_a = ia != a.grads.end(), has_b = ib != b.grads.end();
  if (has_a && has_b) return same_bits(ia->second, ib->second);
  if (!has_a && !has_b) return true;
  const std::vector<double>& only = has_a ? ia->second : ib->second;
  return std::all_of(only.begin(), only.end(), [](double v) { return v == 0; });
}

}  // namespace

std::string detach_equals_cut(const GraphCase& c, std::size_t k) {
  rt::Session<float> s(true);
  add_params(s, c);
  const EngineRun detached = session_run<float>(s, c, spec::resolve(c.graph), c.args, [k](std::size_t n, rt::TensorRef<float>& v) {
    if (n == k) v = v.detach();
  });

  const GraphCase cut = cut_at(c, k, detached.values[k]);
  const EngineRun compiled = run_compiled<float>(cut, true);
  for (std::size_t n = 0, m = 0; n < c.graph.nodes.size(); ++n) {
    if (n == k) continue;
    if (!same_bits(detached.values[n], compiled.values[m++])) return "value of %" + c.graph.nodes[n].name + " (" + c.graph.nodes[n].op + ")";
  }
  for (const spec::Arg& a : c.graph.args)
    if (a.kind == spec::ArgKind::Param && !same_gradient(detached, compiled, a.name))
      return "gradient of %" + a.name + " with %" + c.graph.nodes[k].name + " detached";
  return "";
}

std::string first_difference(const EngineRun& a, const EngineRun& b, const spec::GraphData& g) {
  for (std::size_t n = 0; n < a.values.size() && n < b.values.size(); ++n)
    if (!same_bits(a.values[n], b.values[n])) return "value of %" + g.nodes[n].name + " (" + g.nodes[n].op + ")";
  if (a.values.size() != b.values.size()) return "number of node values";
  for (const auto& [name, ga] : a.grads) {
    const auto it = b.grads.find(name);
    if (it == b.grads.end()) return "gradient of %" + name + " missing on one side";
    if (!same_bits(ga, it->second)) return "gradient of %" + name;
  }
  if (a.grads.size() != b.grads.size()) return "set of gradients";
  return "";
}

Args perturbed_args(const GraphCase& c) {
  Args out = c.args;
  for (const spec::Arg& a : c.graph.args) {
    if (!spec::is_float(a.type.dtype)) continue;
    for (double& v : out[a.name]) {
      v = 0.5 * v + 0.25;
      if (a.type.dtype == spec::DType::f32) v = static_cast<float>(v);
    }
  }
  return out;
}

namespace {

bool same_ref(const ref::RefTensor& a, const ref::RefTensor& b) {
  if (a.exact() != b.exact()) return false;
  if (a.exact()) return a.rational().data == b.rational().data;
  const auto &x = a.intervals(), &y = b.intervals();
  if (x.shape != y.shape) return false;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    if (boost::multiprecision::lower(x[i].raw()) != boost::multiprecision::lower(y[i].raw()) ||
        boost::multiprecision::upper(x[i].raw()) != boost::multiprecision::upper(y[i].raw()))
      return false;
  return true;
}

}  // namespace

std::string reference_compiled_vs_eager(const GraphCase& c) {
  const spec::GraphData& g = c.graph;
  ref::RefBackend be;
  spec::Tape<ref::RefBackend> compiled(be);
  const spec::LoweredGraph L = spec::lower(g, compiled);
  for (std::size_t a = 0; a < g.args.size(); ++a)
    compiled.leaf_value(L.arg_slots[a]) = ref::exact_tensor(g.args[a].type.shape, c.args.at(g.args[a].name));
  compiled.run_forward();
  if (compiled.requires_grad(L.output_slots[0])) compiled.backward(L.output_slots[0]);

  spec::Tape<ref::RefBackend> eager(be);
  std::vector<spec::Slot> leaves;
  for (const spec::Arg& a : g.args)
    leaves.push_back(eager.leaf(ref::exact_tensor(a.type.shape, c.args.at(a.name)), a.kind == spec::ArgKind::Param));
  const spec::LoweredGraph E = spec::record_graph(g, eager, std::move(leaves));
  const std::vector<spec::Slot>& slot = E.value_slots;
  const spec::Slot root = E.output_slots[0];
  if (eager.requires_grad(root)) eager.backward(root);

  for (std::size_t n = 0; n < g.nodes.size(); ++n)
    if (!same_ref(compiled.value(L.value_slots[g.args.size() + n]), eager.value(slot[g.args.size() + n])))
      return "exact value of %" + g.nodes[n].name + " (" + g.nodes[n].op + ")";
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    if (g.args[a].kind != spec::ArgKind::Param) continue;
    const ref::RefTensor *gc = compiled.grad(L.arg_slots[a]), *ge = eager.grad(slot[a]);
    if (!gc != !ge || (gc && !same_ref(*gc, *ge))) return "exact gradient of %" + g.args[a].name;
  }
  return "";
}

template EngineRun run_compiled<float>(const GraphCase&, bool);
template EngineRun run_compiled<double>(const GraphCase&, bool);
template EngineRun run_eager<float>(const GraphCase&, bool);
template EngineRun run_eager<double>(const GraphCase&, bool);
template EngineRun run_linked_second<float>(const GraphCase&, const Args&);
template EngineRun run_linked_second<double>(const GraphCase&, const Args&);

}  // namespace vt::proptests
