#pragma once
// The differential audit of PyTorch itself: the property suites' generated
// graphs (one op table entry at a time, float32 and float64, on edge values
// at small shapes and at tile-boundary shapes) run by torch in the worker
// (bridges/), torch's own values and per-node gradients audited against the
// exact reference with each op's contract. `veritape check --backend torch`.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vt/bridge/torch_worker.hpp"

namespace vt::proptests {

struct TorchOpAudit {
  std::string op;
  int cases = 0;          // graphs generated to exercise this op (and run by torch)
  int nodes = 0;          // rows of this op audited (forward and backward, any graph)
  double worst_forward = 0, worst_backward = 0;  // largest |error| / contract bound
  int violations = 0, inconclusive = 0;
  int torch_refused = 0;  // cases torch could not run (an error reply): the first reason below
  std::string worst_failure;  // the violated row with the largest error / bound, with its reproducer
  double worst_failure_use = 0;
  std::string first_inconclusive;  // the first row the enclosures could not decide
  std::string refused_reason;
};

struct TorchAuditOptions {
  int cases = 10;  // per op, per dtype, per shape profile
  std::uint64_t seed = 1;
  std::vector<std::string> ops;  // empty: every op torch can run
  std::string reproducer_dir;    // where each op's worst violation is written as OP.vtg + OP.json ("": not written)
  std::function<void(const std::string&)> progress;  // called once per op and dtype, may be empty
};

// Rows by op, in op table order. Throws bridge::WorkerFault when the worker
// misbehaves (its replies are checked before any audit).
std::vector<TorchOpAudit> torch_differential_audit(bridge::TorchWorker& worker, const TorchAuditOptions& o);

}  // namespace vt::proptests
