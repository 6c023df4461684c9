#pragma once
// The backward pass of another implementation, audited node by node from the
// values and gradients it produced (AuditData::node_grads): no reverse sweep
// of ours is involved, so an error is pinned to the node that made it.
//
// A value v whose gradient was given is checked against the exact VJPs of
// its consumers, applied to the given cotangents of their outputs and the
// given values of their inputs and outputs:
//   - v consumed by one node c: the row "%c (backward)" checks, element by
//     element, every such input of c within ref::backward_bound of c's VJP;
//   - v consumed by several nodes: the row "%v (gradient sum)" checks v's
//     gradient against the sum of its consumers' VJPs, the bound summing
//     their terms (one more rounding per addition).
// A row lacking a value or cotangent it needs is "not audited", saying which.
// The output's own given gradient (the seed) must be exactly 1.
#include <vector>

#include "vt/reference/audit.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::ref::detail {

std::vector<NodeAudit> audit_given_backward(const spec::GraphData& g, const spec::ResolvedGraph& r, const AuditData& data,
                                            spec::DType dtype, unsigned interval_bits);

}  // namespace vt::ref::detail
