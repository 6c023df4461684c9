#include "vt/contracts/runtime_contracts.hpp"

#include "vt/runtime/program.hpp"

namespace vt::contracts {
namespace {

template <class S>
ref::AuditData run_program(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast) {
  rt::Program<S> p(g, fast);
  for (const spec::Arg& a : g.args) {
    const std::vector<double>& v = args.at(a.name);
    p.set(a.name, std::vector<S>(v.begin(), v.end()));
  }
  p.forward();
  const bool gradients = p.output_requires_grad() && p.output(0).numel() == 1;
  if (gradients) p.backward();
  ref::AuditData d;
  d.args = args;
  for (const spec::Node& n : g.nodes) {
    const auto& v = p.value(n.name).data;
    d.values[n.name] = {v.begin(), v.end()};
  }
  for (const spec::Arg& a : g.args)
    if (gradients && a.kind == spec::ArgKind::Param)
      if (const spec::Dense<S>* grad = p.grad(a.name)) d.grads[a.name] = {grad->data.begin(), grad->data.end()};
  d.producer = fast ? "runtime (FastKernels)" : "runtime (generic kernels)";
  return d;
}

}  // namespace

ref::AuditReport audit_runtime(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast_kernels) {
  const ref::AuditData d = ref::float_dtype(g) == spec::DType::f32 ? run_program<float>(g, args, fast_kernels)
                                                                     : run_program<double>(g, args, fast_kernels);
  return ref::audit(g, d);
}

}  // namespace vt::contracts
