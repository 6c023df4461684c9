#include "vt/runtime/session.hpp"

namespace vt::rt {

using spec::Dense;
using spec::Slot;
using spec::UsageError;

template <class S>
S TensorRef<S>::item() const {
  const Dense<S>& v = value();
  if (v.numel() != 1) throw UsageError("item() of a tensor with " + std::to_string(v.numel()) + " elements");
  return v[0];
}

template <class S>
TensorRef<S> Session<S>::param(spec::Shape shape, std::vector<S> values) {
  shape.validate();
  if (static_cast<std::int64_t>(values.size()) != shape.numel())
    throw spec::ShapeError("param of shape " + to_string(shape) + " needs " + std::to_string(shape.numel()) + " values, got " +
                           std::to_string(values.size()));
  params_.push_back(Param{Dense<S>{std::move(shape), std::move(values)}, std::nullopt, std::nullopt});
  return param_ref(params_.size() - 1);
}

template <class S>
TensorRef<S> Session<S>::input(spec::Shape shape, std::vector<S> values, spec::DType dtype) {
  shape.validate();
  if (static_cast<std::int64_t>(values.size()) != shape.numel())
    throw spec::ShapeError("input of shape " + to_string(shape) + " needs " + std::to_string(shape.numel()) + " values, got " +
                           std::to_string(values.size()));
  if (dtype != kDType && dtype != spec::DType::i64)
    throw spec::ShapeError("a session of " + std::string(to_string(kDType)) + " cannot hold " + std::string(to_string(dtype)));
  const Slot s = tape_.leaf(Dense<S>{std::move(shape), std::move(values)}, false);
  slot_dtype_.push_back(dtype);
  return value_ref(s);
}

template <class S>
void Session<S>::check_mine(const TensorRef<S>& t, const char* what) const {
  if (t.s_ != this) throw UsageError(std::string(what) + ": the tensor belongs to another session");
  if (t.kind_ == TensorRef<S>::Kind::Value && t.graph_ != graph_)
    throw UsageError(std::string(what) + ": the tensor belongs to a graph already released (by backward, or release())");
}

template <class S>
spec::TensorType Session<S>::type_of(const TensorRef<S>& t) const {
  if (t.kind_ == TensorRef<S>::Kind::Param) return {kDType, value_of(t).shape};
  return {slot_dtype_[t.index_], tape_.value(t.index_).shape};
}

template <class S>
Slot Session<S>::slot_for(const TensorRef<S>& t) {
  if (t.kind_ == TensorRef<S>::Kind::Value) return t.index_;
  Param& p = params_[t.index_];
  if (!p.slot) {
    // Moved in, not copied: the tape owns the values while the graph lives.
    p.slot = tape_.leaf(std::move(p.value), std::move(p.grad));
    slot_dtype_.push_back(kDType);
    imported_.push_back(t.index_);
  }
  return *p.slot;
}

template <class S>
TensorRef<S> Session<S>::apply(spec::OpId op, std::initializer_list<TensorRef<S>> inputs, spec::AttrMap attrs) {
  const spec::OpInfo& info = spec::op_info(op);
  std::vector<spec::TensorType> types;
  types.reserve(inputs.size());
  for (const auto& t : inputs) {
    check_mine(t, info.name.data());
    types.push_back(type_of(t));
  }
  const spec::TensorType out = spec::infer_type(info, types, attrs);  // throws before any state changes
  std::vector<Slot> slots;
  slots.reserve(inputs.size());
  for (const auto& t : inputs) slots.push_back(slot_for(t));
  Slot s;
  if (grad_enabled_) {
    s = tape_.record(op, slots, std::move(attrs), out);
  } else {
    // Computed, not recorded: a leaf that needs no gradient.
    std::vector<const Dense<S>*> in;
    for (Slot i : slots) in.push_back(&tape_.value(i));
    Dense<S> y = backend_.allocate(out);
    backend_.forward(op, in, attrs, y);
    s = tape_.leaf(std::move(y), false);
  }
  slot_dtype_.push_back(out.dtype);
  return value_ref(s);
}

template <class S>
const Dense<S>& Session<S>::value_of(const TensorRef<S>& t) const {
  check_mine(t, "value");
  if (t.kind_ == TensorRef<S>::Kind::Value) return tape_.value(t.index_);
  const Param& p = params_[t.index_];
  return p.slot ? tape_.value(*p.slot) : p.value;
}

template <class S>
bool Session<S>::requires_grad_of(const TensorRef<S>& t) const {
  check_mine(t, "requires_grad");
  return t.kind_ == TensorRef<S>::Kind::Param || tape_.requires_grad(t.index_);
}

template <class S>
const Dense<S>& Session<S>::grad_of(const TensorRef<S>& t) const {
  if (!requires_grad_of(t)) throw UsageError("grad() of a tensor that does not require grad");
  const Dense<S>* g = nullptr;
  if (t.kind_ == TensorRef<S>::Kind::Value) g = tape_.grad(t.index_);
  else {
    const Param& p = params_[t.index_];
    g = p.slot ? tape_.grad(*p.slot) : (p.grad ? &*p.grad : nullptr);
  }
  if (!g) throw UsageError("grad(): backward has not reached this tensor");
  return *g;
}

template <class S>
void Session<S>::backward(const TensorRef<S>& root, const Dense<S>* seed, bool retain_graph) {
  check_mine(root, "backward");
  if (root.kind_ == TensorRef<S>::Kind::Param) throw UsageError("backward() of a parameter itself");
  tape_.backward(root.index_, seed);
  if (!retain_graph) release();
}

template <class S>
TensorRef<S> Session<S>::detach(const TensorRef<S>& t) {
  const spec::TensorType type = type_of(t);
  const Slot s = tape_.leaf(value_of(t), false);
  slot_dtype_.push_back(type.dtype);
  return value_ref(s);
}

template <class S>
void Session<S>::release() {
  for (std::size_t i : imported_) {
    Param& p = params_[i];
    auto [value, grad] = tape_.take_leaf(*p.slot);
    p.value = std::move(value);
    p.grad = std::move(grad);
    p.slot.reset();
  }
  imported_.clear();
  tape_.clear();
  slot_dtype_.clear();
  ++graph_;
}

template <class S>
template <class F>
void Session<S>::for_each_param_grad(F&& f) {
  for (Param& p : params_) {
    Dense<S>& value = p.slot ? tape_.leaf_value(*p.slot) : p.value;
    const Dense<S>* grad = p.slot ? tape_.grad(*p.slot) : (p.grad ? &*p.grad : nullptr);
    if (grad) f(value, *grad);
  }
}

template <class S>
void Session<S>::zero_grad() {
  tape_.zero_grad();
  for (Param& p : params_)
    if (!p.slot && p.grad) backend_.fill_zero(*p.grad);
}

template <class S>
void Session<S>::sgd_step(S lr) {
  for_each_param_grad([lr](Dense<S>& w, const Dense<S>& g) {
    S* wp = w.data.data();
    const S* gp = g.data.data();
    for (std::int64_t i = 0; i < w.numel(); ++i) wp[i] -= lr * gp[i];
  });
}

template class TensorRef<float>;
template class TensorRef<double>;
template class Session<float>;
template class Session<double>;

}  // namespace vt::rt
