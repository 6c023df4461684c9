#include "vt/contracts/runtime_contracts.hpp"

#include <memory>

#include "backward_contracts.hpp"
#include "vt/runtime/program.hpp"

namespace vt::contracts {
namespace {

// The program on the chosen backend.
template <class S, class B>
std::unique_ptr<rt::Program<S, B>> make_program(const spec::GraphData& g, Runtime r) {
  if constexpr (std::is_same_v<B, rt::FastBackend<S>>) return std::make_unique<rt::Program<S, B>>(g, r == Runtime::fast_kernels);
  else if constexpr (std::is_same_v<B, cuda::EmulatedBackend<S>>)
    return std::make_unique<rt::Program<S, B>>(std::in_place, g, spec::LowerOptions{},
                                               r == Runtime::cuda_emulated_atomic ? cuda::Accumulate::atomic : cuda::Accumulate::deterministic);
  else return std::make_unique<rt::Program<S, B>>(std::in_place, g, spec::LowerOptions{});
}

// The compiled program run forward, and backward when output 0 is a float
// scalar that depends on a parameter (`gradients`).
template <class S, class B>
std::unique_ptr<rt::Program<S, B>> run_program(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, Runtime r,
                                               bool& gradients) {
  auto p = make_program<S, B>(g, r);
  for (const spec::Arg& a : g.args) {
    const std::vector<double>& v = args.at(a.name);
    p->set(a.name, std::vector<S>(v.begin(), v.end()));
  }
  p->forward();
  gradients = p->output_requires_grad() && p->output(0).numel() == 1;
  if (gradients) p->backward();
  return p;
}

// What computed the values, with the CUDA backends' host fallbacks counted.
template <class S, class B>
std::string producer(Runtime r, rt::Program<S, B>& p) {
  std::string s = r == Runtime::fast_kernels      ? "runtime (FastKernels)"
                  : r == Runtime::generic_kernels ? "runtime (generic kernels)"
                                                  : "CUDA kernels (" + std::string(runtime_name(r)) + ")";
  if constexpr (!std::is_same_v<B, rt::FastBackend<S>>) {
    const auto fallbacks = p.backend().host_fallbacks();
    if (!fallbacks.empty()) {
      s += "; ops without CUDA kernels ran on the host:";
      for (const auto& [what, n] : fallbacks) s += " " + what + " x" + std::to_string(n) + ",";
      s.pop_back();
    }
  }
  return s;
}

template <class S, class B>
ref::AuditReport run_and_audit(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, Runtime r) {
  bool gradients = false;
  const auto p = run_program<S, B>(g, args, r, gradients);
  ref::AuditData d;
  d.args = args;
  for (const spec::Node& n : g.nodes) {
    const auto& v = p->value(n.name).data;
    d.values[n.name] = {v.begin(), v.end()};
  }
  for (const spec::Arg& a : g.args)
    if (gradients && a.kind == spec::ArgKind::Param)
      if (const spec::Dense<S>* grad = p->grad(a.name)) d.grads[a.name] = {grad->data.begin(), grad->data.end()};
  ref::AuditReport rep;
  std::vector<ref::NodeAudit> backward;
  if (gradients) backward = detail::audit_backward(g, *p);
  d.producer = producer(r, *p);  // after the backward audit: its kernel calls count too
  rep = ref::audit(g, d);
  for (ref::NodeAudit& b : backward) {
    if (rep.first_violation.empty() && b.verdict != ref::NodeVerdict::Met) rep.first_violation = b.node;
    rep.nodes.push_back(std::move(b));
  }
  return rep;
}

template <class S, class B>
std::vector<ref::NodeAudit> backward_only(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, Runtime r) {
  bool gradients = false;
  const auto p = run_program<S, B>(g, args, r, gradients);
  return gradients ? detail::audit_backward(g, *p) : std::vector<ref::NodeAudit>{};
}

// Calls f.template operator()<S, Backend>() for the graph's dtype and the runtime.
template <class F>
decltype(auto) on_backend(const spec::GraphData& g, Runtime r, F&& f) {
  const bool f32 = ref::float_dtype(g) == spec::DType::f32;
  switch (r) {
    case Runtime::fast_kernels:
    case Runtime::generic_kernels:
      return f32 ? f.template operator()<float, rt::FastBackend<float>>() : f.template operator()<double, rt::FastBackend<double>>();
    case Runtime::cuda_emulated:
    case Runtime::cuda_emulated_atomic:
      return f32 ? f.template operator()<float, cuda::EmulatedBackend<float>>() : f.template operator()<double, cuda::EmulatedBackend<double>>();
    case Runtime::cuda_gpu: break;
  }
  return f32 ? f.template operator()<float, cuda::GpuBackend<float>>() : f.template operator()<double, cuda::GpuBackend<double>>();
}

}  // namespace

std::optional<Runtime> parse_runtime(std::string_view name) {
  for (const Runtime r : {Runtime::fast_kernels, Runtime::generic_kernels, Runtime::cuda_emulated, Runtime::cuda_emulated_atomic, Runtime::cuda_gpu})
    if (runtime_name(r) == name) return r;
  return std::nullopt;
}

std::string_view runtime_name(Runtime r) {
  switch (r) {
    case Runtime::fast_kernels: return "fast";
    case Runtime::generic_kernels: return "generic";
    case Runtime::cuda_emulated: return "cuda-emulated";
    case Runtime::cuda_emulated_atomic: return "cuda-emulated-atomic";
    case Runtime::cuda_gpu: return "cuda";
  }
  return "?";
}

ref::AuditReport audit_runtime(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, Runtime runtime) {
  return on_backend(g, runtime, [&]<class S, class B>() { return run_and_audit<S, B>(g, args, runtime); });
}

std::vector<ref::NodeAudit> audit_backward_kernels(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                                   bool fast_kernels) {
  const Runtime r = fast_kernels ? Runtime::fast_kernels : Runtime::generic_kernels;
  return on_backend(g, r, [&]<class S, class B>() { return backward_only<S, B>(g, args, r); });
}

}  // namespace vt::contracts
