#pragma once
// The float runtime against its contracts: a graph runs on the compiled
// program (FastKernels on or off), and every node's value and every
// parameter's gradient is audited against the exact reference on the same
// float inputs (reference/audit.hpp: the per-op error contracts declared in
// spec/, exact or k ulp or gamma_n * sum|terms| or derived). This is the
// check every runtime backend must pass; the property suites run it on
// random graphs.
#include <map>
#include <string>
#include <vector>

#include "vt/reference/audit.hpp"
#include "vt/spec/graph.hpp"

namespace vt::contracts {

// `args`: every argument's values by name, representable in its dtype. The
// graph's float dtype picks float or double.
ref::AuditReport audit_runtime(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, bool fast_kernels);

// Only the per-node backward part (nodes named "%v (backward)"): for callers
// that audit the forward values of another backend themselves.
std::vector<ref::NodeAudit> audit_backward_kernels(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                                   bool fast_kernels);

}  // namespace vt::contracts
