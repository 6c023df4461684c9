#pragma once
// The generic backend: runs the op table's own forward and VJP text on
// Dense<S>. With S = double it is the plain reference that spec's tests use;
// reference/ instantiates it on rationals and intervals.
#include "vt/spec/generic_ops.hpp"

namespace vt::spec {

template <class S>
class DenseBackend {
 public:
  using Value = Dense<S>;

  // `zero` supplies the scalar's context or precision where it has one.
  explicit DenseBackend(S zero = S(0)) : zero_(std::move(zero)) {}

  Value allocate(const TensorType& t) const { return Value::full(t.shape, zero_); }
  Value zeros_like(const Value& v) const { return Value::full(v.shape, zero_); }
  void fill_zero(Value& v) const {
    for (auto& x : v.data) x = zero_;
  }
  void fill_one(Value& v) const {
    for (auto& x : v.data) x = K(zero_, 1);
  }
  void add_into(Value& acc, const Value& v) const {
    if (acc.shape != v.shape)
      throw ShapeError("gradient seed has shape " + to_string(v.shape) + ", expected " + to_string(acc.shape));
    for (std::int64_t i = 0; i < acc.numel(); ++i) acc[i] += v[i];
  }
  static std::int64_t numel(const Value& v) { return v.numel(); }
  void forward(OpId op, Ins<S> in, const AttrMap& attrs, Value& out) const { generic_forward<S>(op, in, attrs, out); }
  // The generic rules accumulate: stale buffers are zeroed first.
  void vjp(OpId op, Ins<S> in, const Value& y, const Value& g, const AttrMap& attrs, Grads<S> dx,
           std::span<const bool> overwrite) const {
    zero_overwritten(dx, overwrite);
    generic_vjp<S>(op, in, y, g, attrs, dx);
  }
  void zero_overwritten(Grads<S> dx, std::span<const bool> overwrite) const {
    for (std::size_t i = 0; i < dx.size(); ++i)
      if (dx[i] && i < overwrite.size() && overwrite[i]) fill_zero(*dx[i]);
  }

 private:
  S zero_;
};

}  // namespace vt::spec
