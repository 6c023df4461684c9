#pragma once
// A tape backend whose ops run on CUDA kernels: the values live in host
// tensors (Dense<S>), and Runner (the host emulator's or the GPU's) runs one
// op's kernels on them. An op without kernels runs the op table's generic
// code on the host and is counted in host_fallbacks(), so reports can say
// which ops the kernels did not compute.
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "vt/cuda/op_kernels.hpp"
#include "vt/spec/dense_backend.hpp"

namespace vt::cuda {

template <class S, class Runner>
class KernelBackend : public spec::DenseBackend<S> {
 public:
  using Value = spec::Dense<S>;

  template <class... A>
  explicit KernelBackend(Accumulate mode = Accumulate::deterministic, A&&... runner_args)
      : mode_(mode), runner_(std::forward<A>(runner_args)...) {}

  void forward(spec::OpId op, spec::Ins<S> in, const spec::AttrMap& attrs, Value& out) const {
    if (runner_.forward(op, in, attrs, out, PlantedBugs::from_mutation())) return;
    fell_back(op, "forward");
    spec::generic_forward<S>(op, in, attrs, out);
  }
  void vjp(spec::OpId op, spec::Ins<S> in, const Value& y, const Value& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
           std::span<const bool> overwrite = {}) const {
    this->zero_overwritten(dx, overwrite);
    if (runner_.vjp(op, in, y, g, attrs, dx, mode_, PlantedBugs::from_mutation())) return;
    fell_back(op, "backward");
    spec::generic_vjp<S>(op, in, y, g, attrs, dx);
  }

  Accumulate mode() const { return mode_; }
  // "op forward" / "op backward" -> calls that ran on the host, not on kernels.
  std::map<std::string, long> host_fallbacks() const {
    const std::lock_guard lock(mu_);
    return fallbacks_;
  }

 private:
  void fell_back(spec::OpId op, const char* pass) const {
    const std::lock_guard lock(mu_);
    ++fallbacks_[std::string(spec::op_info(op).name) + " " + pass];
  }

  Accumulate mode_;
  Runner runner_;
  mutable std::mutex mu_;
  mutable std::map<std::string, long> fallbacks_;
};

}  // namespace vt::cuda
