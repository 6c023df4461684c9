#pragma once
// Per-node backward contracts: each node's VJP kernel, run alone on the
// runtime's own float inputs, output and cotangent, against the exact VJP
// of those same numbers (see runtime_contracts.hpp).
#include <vector>

#include "vt/reference/audit.hpp"
#include "vt/cuda/emulated_backend.hpp"
#include "vt/cuda/gpu.hpp"
#include "vt/runtime/program.hpp"

namespace vt::contracts::detail {

template <class S, class B>
std::vector<ref::NodeAudit> audit_backward(const spec::GraphData& g, rt::Program<S, B>& p);

}  // namespace vt::contracts::detail
