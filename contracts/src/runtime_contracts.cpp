#include "vt/contracts/runtime_contracts.hpp"

#include <memory>

#include "backward_contracts.hpp"
#include "vt/runtime/program.hpp"

namespace vt::contracts {
namespace {

// The compiled program run forward, and backward when output 0 is a float
// scalar that depends on a parameter (`gradients`).
template <class S>
std::unique_ptr<rt::Program<S>> run_program(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast,
                                            bool& gradients) {
  auto p = std::make_unique<rt::Program<S>>(g, fast);
  for (const spec::Arg& a : g.args) {
    const std::vector<double>& v = args.at(a.name);
    p->set(a.name, std::vector<S>(v.begin(), v.end()));
  }
  p->forward();
  gradients = p->output_requires_grad() && p->output(0).numel() == 1;
  if (gradients) p->backward();
  return p;
}

template <class S>
ref::AuditReport run_and_audit(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast) {
  bool gradients = false;
  const auto p = run_program<S>(g, args, fast, gradients);
  ref::AuditData d;
  d.args = args;
  for (const spec::Node& n : g.nodes) {
    const auto& v = p->value(n.name).data;
    d.values[n.name] = {v.begin(), v.end()};
  }
  for (const spec::Arg& a : g.args)
    if (gradients && a.kind == spec::ArgKind::Param)
      if (const spec::Dense<S>* grad = p->grad(a.name)) d.grads[a.name] = {grad->data.begin(), grad->data.end()};
  d.producer = fast ? "runtime (FastKernels)" : "runtime (generic kernels)";
  ref::AuditReport rep = ref::audit(g, d);
  if (!gradients) return rep;
  for (ref::NodeAudit& b : detail::audit_backward<S>(g, *p)) {
    if (rep.first_violation.empty() && b.verdict != ref::NodeVerdict::Met) rep.first_violation = b.node;
    rep.nodes.push_back(std::move(b));
  }
  return rep;
}

template <class S>
std::vector<ref::NodeAudit> backward_only(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast) {
  bool gradients = false;
  const auto p = run_program<S>(g, args, fast, gradients);
  return gradients ? detail::audit_backward<S>(g, *p) : std::vector<ref::NodeAudit>{};
}

}  // namespace

ref::AuditReport audit_runtime(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast_kernels) {
  return ref::float_dtype(g) == spec::DType::f32 ? run_and_audit<float>(g, args, fast_kernels) : run_and_audit<double>(g, args, fast_kernels);
}

std::vector<ref::NodeAudit> audit_backward_kernels(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                                   bool fast_kernels) {
  return ref::float_dtype(g) == spec::DType::f32 ? backward_only<float>(g, args, fast_kernels) : backward_only<double>(g, args, fast_kernels);
}

}  // namespace vt::contracts
