#include "vt/runtime/session.hpp"

#include "vt/runtime/sgd.hpp"
#include "vt/spec/mutation.hpp"
#include "vt/spec/verifier.hpp"

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
TensorRef<S> Session<S>::input(spec::Shape shape, std::vector<S> values, spec::DType dtype, bool requires_grad) {
  shape.validate();
  if (static_cast<std::int64_t>(values.size()) != shape.numel())
    throw spec::ShapeError("input of shape " + to_string(shape) + " needs " + std::to_string(shape.numel()) + " values, got " +
                           std::to_string(values.size()));
  if (dtype != kDType && dtype != spec::DType::i64)
    throw spec::ShapeError("a session of " + std::string(to_string(kDType)) + " cannot hold " + std::string(to_string(dtype)));
  if (requires_grad && !spec::is_float(dtype)) throw UsageError("an i64 input cannot require grad (indices are not differentiated)");
  const Entry want{.kind = Entry::Kind::Input, .type = {dtype, shape}, .requires_grad = requires_grad};
  if (Slot s; linked_ && replay(want, s)) {
    // (planted bug, spec/mutation.hpp: the recorded run's values kept)
    if (!spec::mutation::planted(spec::mutation::Mutant::linked_replay_stale_input))
      std::copy(values.begin(), values.end(), tape_.leaf_value(s).data.begin());
    return value_ref(s);
  }
  const Slot s = tape_.leaf(Dense<S>{std::move(shape), std::move(values)}, requires_grad);
  slot_dtype_.push_back(dtype);
  if (linked_) record_entry(want);
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
    if (linked_ && cursor_ < entries_.size()) relink("parameter " + std::to_string(t.index_) + " is new to the program");
    const spec::TensorType type{kDType, p.value.shape};
    // Moved in, not copied: the tape owns the values while the graph lives.
    p.slot = tape_.leaf(std::move(p.value), std::move(p.grad));
    slot_dtype_.push_back(kDType);
    imported_.push_back(t.index_);
    if (linked_) record_entry(Entry{.kind = Entry::Kind::Param, .type = type, .param = t.index_});
  }
  return *p.slot;
}

template <class S>
TensorRef<S> Session<S>::apply(spec::OpId op, std::span<const TensorRef<S>> inputs, spec::AttrMap attrs) {
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
  auto compute_leaf = [&](Dense<S>& y) {  // computed, not recorded: needs no gradient
    std::vector<const Dense<S>*> in;
    for (Slot i : slots) in.push_back(&tape_.value(i));
    backend_.fill_zero(y);
    backend_.forward(op, in, attrs, y);
  };
  std::optional<Entry> want;
  if (linked_) {
    want = Entry{.kind = grad_enabled_ ? Entry::Kind::Op : Entry::Kind::Computed, .type = out, .op = op, .inputs = slots, .attrs = attrs};
    if (Slot s; replay(*want, s)) {
      if (grad_enabled_) tape_.recompute(s);
      else compute_leaf(tape_.leaf_value(s));
      return value_ref(s);
    }
    // A relink may have sent parameters home: look the slots up again.
    slots.clear();
    for (const auto& t : inputs) slots.push_back(slot_for(t));
    want->inputs = slots;
  }
  Slot s;
  if (grad_enabled_) {
    const auto first = static_cast<Slot>(tape_.num_slots());
    try {
      s = tape_.record(op, slots, std::move(attrs), out);  // (a linked entry took its copy above)
    } catch (const spec::DomainError&) {
      tape_.truncate(first);  // a value the op is not defined on (an index out of range): no trace of the node
      throw;
    }
  } else {
    Dense<S> y = backend_.allocate(out);
    compute_leaf(y);
    s = tape_.leaf(std::move(y), false);
  }
  slot_dtype_.push_back(out.dtype);
  if (want) record_entry(std::move(*want));
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
  if (!linked_ && spec::mutation::planted(spec::mutation::Mutant::session_detach_keeps_graph)) return t;  // (planted bug)
  const spec::TensorType type = type_of(t);
  Slot src = slot_for(t);
  Entry want{.kind = Entry::Kind::Detach, .type = type, .inputs = {src}};
  if (Slot s; linked_ && replay(want, s)) {
    tape_.leaf_value(s).data = tape_.value(src).data;
    return value_ref(s);
  }
  src = slot_for(t);  // a relink may have sent a parameter home
  want.inputs = {src};
  const Slot s = tape_.leaf(tape_.value(src), false);
  slot_dtype_.push_back(type.dtype);
  if (linked_) record_entry(want);
  return value_ref(s);
}

template <class S>
bool Session<S>::replay(const Entry& want, Slot& slot) {
  // Parameters stay in the program across runs: their entries are satisfied.
  while (cursor_ < entries_.size() && entries_[cursor_].kind == Entry::Kind::Param) ++cursor_;
  if (cursor_ >= entries_.size()) {
    if (program_) relink("the run goes on past the recorded program's " + std::to_string(entries_.size()) + " entries");
    return false;
  }
  if (entries_[cursor_] == want) {
    slot = static_cast<Slot>(cursor_++);
    return true;
  }
  const Entry& had = entries_[cursor_];
  auto what = [](const Entry& e) {
    const char* kinds[] = {"input", "parameter", "op", "op under no_grad", "detach"};
    std::string s = kinds[static_cast<int>(e.kind)];
    if (e.kind == Entry::Kind::Op || e.kind == Entry::Kind::Computed) s += " " + std::string(spec::op_info(e.op).name);
    return s + " -> " + to_string(e.type);
  };
  relink("entry " + std::to_string(cursor_) + " differs: the program has " + what(had) + ", this run " + what(want));
  return false;
}

template <class S>
void Session<S>::relink(const std::string& why) {
  ++relinks_;
  last_relink_ = why;
  // Cut the program at the cursor; parameters imported past it go home first.
  std::erase_if(imported_, [&](std::size_t i) {
    Param& p = params_[i];
    if (*p.slot < cursor_) return false;
    auto [value, grad] = tape_.take_leaf(*p.slot);
    p.value = std::move(value), p.grad = std::move(grad), p.slot.reset();
    return true;
  });
  tape_.truncate(static_cast<Slot>(cursor_));
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(cursor_), entries_.end());
  slot_dtype_.erase(slot_dtype_.begin() + static_cast<std::ptrdiff_t>(cursor_), slot_dtype_.end());
  program_.reset();
}

template <class S>
void Session<S>::record_entry(Entry e) {
  entries_.push_back(std::move(e));
  cursor_ = entries_.size();
}

template <class S>
spec::GraphData Session<S>::graph_of_entries() const {
  spec::GraphData g;
  g.name = "linked";
  auto name = [&](std::size_t k) {
    const Entry& e = entries_[k];
    return e.kind == Entry::Kind::Param ? "p" + std::to_string(e.param) : (e.kind == Entry::Kind::Op ? "v" : "in") + std::to_string(k);
  };
  for (std::size_t k = 0; k < entries_.size(); ++k) {
    const Entry& e = entries_[k];
    if (e.kind != Entry::Kind::Op) {  // leaves of the differentiable program
      g.args.push_back(spec::Arg{name(k), e.kind == Entry::Kind::Param ? spec::ArgKind::Param : spec::ArgKind::Input, e.type, {}});
      continue;
    }
    spec::Node n;
    n.name = name(k);
    n.op = std::string(spec::op_info(e.op).name);
    for (Slot i : e.inputs) n.inputs.push_back(spec::Operand{name(i), {}});
    n.attrs = e.attrs;
    n.type = e.type;
    g.nodes.push_back(std::move(n));
  }
  if (!entries_.empty()) g.outputs.push_back(spec::Operand{name(entries_.size() - 1), {}});
  spec::verify_or_throw(g, "linked session");
  return g;
}

template <class S>
const spec::GraphData& LinkedSession<S>::program() const {
  if (!this->program_) throw UsageError("no program recorded yet: run one step (up to backward or release) first");
  return *this->program_;
}

template <class S>
void Session<S>::release() {
  if (linked_) {
    // Keep the program (and the parameters in it); the next run replays it.
    if (!program_ && !entries_.empty()) program_ = graph_of_entries();
    cursor_ = 0;
    ++graph_;
    return;
  }
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
Dense<S>& Session<S>::param_value(std::size_t i) {
  Param& p = params_.at(i);
  return p.slot ? tape_.leaf_value(*p.slot) : p.value;
}

template <class S>
const Dense<S>* Session<S>::param_grad(std::size_t i) const {
  const Param& p = params_.at(i);
  return p.slot ? tape_.grad(*p.slot) : (p.grad ? &*p.grad : nullptr);
}

template <class S>
void Session<S>::zero_grad() {
  if (spec::mutation::planted(spec::mutation::Mutant::session_zero_grad_keeps_params)) return;  // (planted bug)
  tape_.zero_grad();
  for (Param& p : params_)
    if (!p.slot && p.grad) backend_.fill_zero(*p.grad);
}

template <class S>
void Session<S>::sgd_step(S lr) {
  for_each_param_grad([lr](Dense<S>& w, const Dense<S>& g) { sgd_update(w, g, lr); });
}

template class TensorRef<float>;
template class TensorRef<double>;
template class Session<float>;
template class Session<double>;
template class LinkedSession<float>;
template class LinkedSession<double>;

}  // namespace vt::rt
