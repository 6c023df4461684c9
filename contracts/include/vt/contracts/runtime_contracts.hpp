#pragma once
// The float runtime against its contracts: a graph runs on the compiled
// program (FastKernels on or off), and every node's value and every
// parameter's gradient is audited against the exact reference on the same
// float inputs (reference/audit.hpp: the per-op error contracts declared in
// spec/, exact or k ulp or gamma_n * sum|terms| or derived). This is the
// check every runtime backend must pass; the property suites run it on
// random graphs.
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "vt/reference/audit.hpp"
#include "vt/spec/graph.hpp"

namespace vt::contracts {

// Which float runtime computes the values.
enum class Runtime : std::uint8_t {
  fast_kernels,          // FastKernels where they apply, the op table's code elsewhere
  generic_kernels,       // the op table's code only
  cuda_emulated,         // the CUDA kernels under the host emulator (deterministic accumulation)
  cuda_emulated_atomic,  // the same, with atomic accumulation in broadcast backward passes
  cuda_gpu,              // the CUDA kernels on the GPU (cuda::CudaError when there is none)
};
// "fast", "generic", "cuda-emulated", "cuda-emulated-atomic", "cuda"; nullopt for anything else.
std::optional<Runtime> parse_runtime(std::string_view name);
std::string_view runtime_name(Runtime r);

// `args`: every argument's values by name, representable in its dtype. The
// graph's float dtype picks float or double. On the CUDA runtimes a kernel
// the emulator finds at fault throws cuda::KernelFault; ops without kernels
// run on the host and the report's producer line counts them.
ref::AuditReport audit_runtime(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, Runtime runtime);
inline ref::AuditReport audit_runtime(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast_kernels) {
  return audit_runtime(g, args, fast_kernels ? Runtime::fast_kernels : Runtime::generic_kernels);
}

// Only the per-node backward part (nodes named "%v (backward)"): for callers
// that audit the forward values of another backend themselves.
std::vector<ref::NodeAudit> audit_backward_kernels(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                                   bool fast_kernels);

}  // namespace vt::contracts
