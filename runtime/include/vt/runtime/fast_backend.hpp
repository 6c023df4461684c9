#pragma once
// The float runtime backend of the generic tape: Dense<float> or
// Dense<double> storage, FastKernels where they apply, the op table's generic
// code elsewhere. `set_fast(false)` runs everything through the generic code,
// so tests compare the two paths on the same tape.
#include "vt/runtime/fast_kernels.hpp"
#include "vt/spec/dense_backend.hpp"

namespace vt::rt {

template <class S>
class FastBackend : public spec::DenseBackend<S> {
 public:
  using Value = spec::Dense<S>;

  explicit FastBackend(bool fast = true) : fast_(fast) {}
  void set_fast(bool on) { fast_ = on; }
  bool fast() const { return fast_; }

  void forward(spec::OpId op, spec::Ins<S> in, const spec::AttrMap& attrs, Value& out) const {
    if (!(fast_ && fast_forward<S>(op, in, attrs, out))) spec::generic_forward<S>(op, in, attrs, out);
  }
  // overwrite[i]: dx[i] is stale and stands for zeros; fast kernels that can
  // write it whole (GEMM with beta = 0) skip the zeroing pass.
  void vjp(spec::OpId op, spec::Ins<S> in, const Value& y, const Value& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
           std::span<const bool> overwrite = {}) const {
    if (fast_ && fast_vjp<S>(op, in, y, g, attrs, dx, overwrite)) return;
    this->zero_overwritten(dx, overwrite);
    spec::generic_vjp<S>(op, in, y, g, attrs, dx);
  }

 private:
  bool fast_;
};

}  // namespace vt::rt
