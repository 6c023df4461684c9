#include "vt/contracts/runtime_contracts.hpp"

#include "backward_contracts.hpp"
#include "vt/runtime/program.hpp"

namespace vt::contracts {
namespace {

template <class S>
ref::AuditReport run_and_audit(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast) {
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
  ref::AuditReport rep = ref::audit(g, d);
  if (!gradients) return rep;
  for (ref::NodeAudit& b : detail::audit_backward<S>(g, p)) {
    if (rep.first_violation.empty() && b.verdict != ref::NodeVerdict::Met) rep.first_violation = b.node;
    rep.nodes.push_back(std::move(b));
  }
  return rep;
}

}  // namespace

ref::AuditReport audit_runtime(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast_kernels) {
  return ref::float_dtype(g) == spec::DType::f32 ? run_and_audit<float>(g, args, fast_kernels) : run_and_audit<double>(g, args, fast_kernels);
}

}  // namespace vt::contracts
