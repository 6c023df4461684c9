#include "vt/proptests/engines.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>

#include "vt/cuda/emulated_backend.hpp"
#include "vt/reference/audit.hpp"
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
template <class S, class B = rt::FastBackend<S>>
EngineRun program_run(rt::Program<S, B>& p, const GraphCase& c, const Args& args) {
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
template <class S>
EngineRun compiled_run(const GraphCase& c, const Args& args, bool fast) {
  rt::Program<S> p(c.graph, fast);
  return program_run(p, c, args);
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

template <class S>
EngineRun run_cuda_emulated(const GraphCase& c, cuda::Accumulate mode) {
  rt::Program<S, cuda::EmulatedBackend<S>> p(std::in_place, c.graph, {}, mode);
  return program_run(p, c, c.args);
}

namespace {
// The two-pass tree's nodes: a full reduction of more than two blocks' worth.
// Their sums are held to the dot contract, so the tree and the CPU loop may
// differ by twice its bound: 2 gamma_n sum |terms|.
bool tree_sum_within_bound(const GraphCase& c, const spec::ResolvedGraph& r, std::size_t n, const EngineRun& a, const EngineRun& b,
                           spec::DType dtype) {
  const spec::GraphData& g = c.graph;
  const spec::Node& node = g.nodes[n];
  const bool reduction = (node.op == "sum" || node.op == "mean") && a.values[n].size() == 1;
  if (!(reduction || node.op == "mse_loss")) return false;
  const auto value_of = [&](std::size_t operand) -> const std::vector<double>& {
    const auto id = static_cast<std::size_t>(r.operand_ids[n][operand]);
    return id < g.args.size() ? c.args.at(g.args[id].name) : b.values[id - g.args.size()];
  };
  const std::vector<double>& x = value_of(0);
  if (static_cast<std::int64_t>(x.size()) <= cuda::kernels::kTreeSumAbove) return false;
  double terms = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = node.op == "mse_loss" ? (x[i] - value_of(1)[i]) * (x[i] - value_of(1)[i]) : x[i];
    terms += std::abs(t);
  }
  if (node.op != "sum") terms /= static_cast<double>(x.size());
  const double u = dtype == spec::DType::f32 ? 0x1p-24 : 0x1p-53, k = static_cast<double>(x.size());
  // n additions, and for mean/mse_loss the division and the squares: k + 2 roundings.
  const double gamma = (k + 2) * u / (1 - (k + 2) * u);
  return std::abs(a.values[n][0] - b.values[n][0]) <= 2 * gamma * terms;
}
}  // namespace

std::string cuda_difference(const GraphCase& c, const EngineRun& cuda, const EngineRun& generic) {
  const spec::DType dtype = ref::float_dtype(c.graph);
  const spec::ResolvedGraph r = spec::resolve(c.graph);
  // Nodes downstream of a tree sum that differs read different inputs on the
  // two sides: their values are not compared (gradients still are).
  std::vector<bool> tainted(c.graph.nodes.size(), false);
  for (std::size_t n = 0; n < cuda.values.size() && n < generic.values.size(); ++n) {
    for (const int id : r.operand_ids[n])
      if (static_cast<std::size_t>(id) >= c.graph.args.size() && tainted[static_cast<std::size_t>(id) - c.graph.args.size()]) tainted[n] = true;
    if (tainted[n] || same_bits(cuda.values[n], generic.values[n])) continue;
    if (tree_sum_within_bound(c, r, n, cuda, generic, dtype)) {
      tainted[n] = true;
      continue;
    }
    std::size_t i = 0;
    while (i < cuda.values[n].size() && i < generic.values[n].size() && std::memcmp(&cuda.values[n][i], &generic.values[n][i], sizeof(double)) == 0) ++i;
    char detail[160] = "";
    if (i < cuda.values[n].size() && i < generic.values[n].size())
      std::snprintf(detail, sizeof detail, ": element %zu is %.17g on the CUDA kernels, %.17g on the generic kernels", i, cuda.values[n][i],
                    generic.values[n][i]);
    return "value of %" + c.graph.nodes[n].name + " (" + c.graph.nodes[n].op + ")" + detail;
  }
  EngineRun a = cuda, b = generic;  // the values are settled; now the gradients, bitwise
  a.values.clear(), b.values.clear();
  return first_difference(a, b, c.graph);
}

template EngineRun run_cuda_emulated<float>(const GraphCase&, cuda::Accumulate);
template EngineRun run_cuda_emulated<double>(const GraphCase&, cuda::Accumulate);
template EngineRun run_compiled<float>(const GraphCase&, bool);
template EngineRun run_compiled<double>(const GraphCase&, bool);
template EngineRun run_eager<float>(const GraphCase&, bool);
template EngineRun run_eager<double>(const GraphCase&, bool);
template EngineRun run_linked_second<float>(const GraphCase&, const Args&);
template EngineRun run_linked_second<double>(const GraphCase&, const Args&);

}  // namespace vt::proptests
