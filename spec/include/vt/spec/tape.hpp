#pragma once
// The tape and its reverse loop, written once for every backend.
//
// A tape is a list of slots (values) and nodes {op, attrs, input slots, output
// slot}; values stay in their slots, so each node's saved values are simply its
// input and output slots. Two ways fill it:
//   eager:    record() appends a node and computes it immediately;
//   compiled: append() lays out every node ahead of time (slots allocated once),
//             then run_forward() recomputes them in order for new inputs.
// backward() seeds the root's gradient, walks the nodes in reverse and lets
// each node's VJP ACCUMULATE into its inputs' gradients.
//
// Gradient semantics follow PyTorch: leaf gradients accumulate across backward
// calls until zero_grad(); gradients of intermediate values are recomputed from
// zero on every backward.
//
// A Backend provides:
//   using Value;                                       tensor storage
//   Value allocate(const TensorType&);                 zero-filled
//   void fill_zero(Value&);
//   void fill_one(Value&);                             the default seed
//   Value zeros_like(const Value&);
//   void add_into(Value& acc, const Value& v);         acc += v (same shape)
//   std::int64_t numel(const Value&);
//   void forward(OpId, span<const Value* const>, const AttrMap&, Value& out);  out zero-filled
//   void vjp(OpId, span<const Value* const> in, const Value& y, const Value& g,
//            const AttrMap&, span<Value* const> dx, span<const bool> overwrite);
//            accumulates into dx[i] (null when not wanted); where overwrite[i] is
//            set, dx[i] holds stale data that stands for zeros: the backend
//            writes every element (e.g. a GEMM with beta = 0) or zeroes it first.
//
// Zeroing is lazy: zero_grad() and the start of a sweep only mark gradient
// buffers as "zero pending", so a kernel that overwrites saves a pass over
// memory; any read of a pending buffer (grad(), take_leaf) zeroes it first.
#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vt/spec/mutation.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::spec {

using Slot = std::uint32_t;

template <class Backend>
class Tape {
 public:
  using Value = typename Backend::Value;
  struct Node {
    OpId op;
    AttrMap attrs;
    std::vector<Slot> inputs;
    Slot output;
    std::string label;  // e.g. "%h" from a graph; errors name it
  };

  explicit Tape(Backend& backend) : be_(&backend) {}

  // A value with no producing node (parameter, input, constant data).
  Slot leaf(Value v, bool requires_grad) {
    return push_slot(std::move(v), requires_grad, /*is_leaf=*/true);
  }

  // A leaf that arrives with the gradient it has accumulated so far (a
  // parameter moved in from a session's store).
  Slot leaf(Value v, std::optional<Value> accumulated_grad) {
    const Slot s = push_slot(std::move(v), /*requires_grad=*/true, /*is_leaf=*/true);
    grads_[s] = std::move(accumulated_grad);
    return s;
  }

  // Moves a leaf's value and gradient out (the slot is left empty): how a
  // session takes its parameters back before clear().
  std::pair<Value, std::optional<Value>> take_leaf(Slot s) {
    if (!is_leaf_.at(s)) throw UsageError("slot " + std::to_string(s) + " is computed, not a leaf");
    materialize(s);
    return {std::move(values_[s]), std::move(grads_[s])};
  }

  // Recomputes, in place, the node whose output is slot s (a replayed step).
  void recompute(Slot s) {
    const auto n = node_of_slot_.at(s);
    if (n < 0) throw UsageError("slot " + std::to_string(s) + " is a leaf, not computed");
    be_->fill_zero(values_[s]);
    compute(nodes_[static_cast<std::size_t>(n)]);
  }

  // Drops the slots from `first` on and the nodes that define them.
  void truncate(Slot first) {
    while (!nodes_.empty() && nodes_.back().output >= first) nodes_.pop_back();
    const auto cut = [first](auto& v) {
      if (v.size() > first) v.erase(v.begin() + first, v.end());
    };
    cut(values_), cut(grads_), cut(requires_grad_), cut(is_leaf_), cut(node_of_slot_), cut(reached_), cut(zero_pending_);
  }

  // Drops every slot and node (vectors keep their capacity).
  void clear() {
    node_of_slot_.clear();
    values_.clear();
    grads_.clear();
    zero_pending_.clear();
    requires_grad_.clear();
    is_leaf_.clear();
    nodes_.clear();
    reached_.clear();
  }

  // Appends a node whose output has `type` (from infer_type) without computing it.
  Slot append(OpId op, std::span<const Slot> inputs, AttrMap attrs, const TensorType& type, std::string label = "") {
    const OpInfo& info = op_info(op);
    bool rg = false;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      rg = rg || (requires_grad_.at(inputs[i]) && info.differentiable(static_cast<int>(i)));
    const Slot out = push_slot(be_->allocate(type), rg, /*is_leaf=*/false);
    nodes_.push_back(Node{op, std::move(attrs), std::vector<Slot>(inputs.begin(), inputs.end()), out, std::move(label)});
    node_of_slot_[out] = static_cast<std::int32_t>(nodes_.size() - 1);
    return out;
  }

  // Eager: appends a node and computes its value now.
  Slot record(OpId op, std::span<const Slot> inputs, AttrMap attrs, const TensorType& type) {
    const Slot out = append(op, inputs, std::move(attrs), type);
    compute(nodes_.back());
    return out;
  }

  // Compiled: recomputes every node from `first` on, in order, in place.
  void run_forward(std::size_t first = 0) {
    for (std::size_t n = first; n < nodes_.size(); ++n) {
      if (n == first && mutation::planted(mutation::Mutant::compiled_skips_node)) continue;
      be_->fill_zero(values_[nodes_[n].output]);
      compute(nodes_[n]);
    }
  }

  // Reverse-mode sweep from `root`. Without a seed the root must hold one
  // element and is seeded with 1.
  void backward(Slot root, const Value* seed = nullptr) {
    if (!requires_grad_.at(root)) throw UsageError("backward: the root value does not require grad");
    if (!seed && be_->numel(values_[root]) != 1)
      throw UsageError("backward: the root has " + std::to_string(be_->numel(values_[root])) +
                       " elements; pass a seed (gradient) for a non-scalar root");
    reached_.assign(values_.size(), false);
    std::vector<bool>& reached = reached_;
    Value& g_root = grad_in_sweep(root, reached);
    materialize(root);
    std::vector<const Value*>& in = scratch_in_;
    std::vector<Value*>& dx = scratch_dx_;
    if (seed) be_->add_into(g_root, *seed);
    else {
      Value one = be_->zeros_like(values_[root]);
      be_->fill_one(one);
      be_->add_into(g_root, one);
    }
    for (std::size_t n = nodes_.size(); n-- > 0;) {
      const Node& node = nodes_[n];
      if (!reached[node.output]) continue;  // not on a path to root
      const OpInfo& info = op_info(node.op);
      in.clear();
      dx.clear();
      if (node.inputs.size() > overwrite_.size()) throw UsageError("an op with more inputs than the tape supports");
      for (std::size_t i = 0; i < node.inputs.size(); ++i) {
        const Slot s = node.inputs[i];
        in.push_back(&values_[s]);
        const bool wanted = requires_grad_[s] && info.differentiable(static_cast<int>(i));
        dx.push_back(wanted ? &grad_in_sweep(s, reached) : nullptr);
        overwrite_[i] = wanted && (zero_pending_[s] || mutation::planted(mutation::Mutant::assign_not_accumulate));
      }
      // A buffer that appears twice (mul(x, x)) is accumulated into twice: no overwriting.
      for (std::size_t i = 0; i < dx.size(); ++i)
        for (std::size_t j = i + 1; j < dx.size(); ++j)
          if (dx[i] && dx[i] == dx[j] && overwrite_[i]) materialize(node.inputs[i]), overwrite_[i] = overwrite_[j] = false;
      try {
        be_->vjp(node.op, in, values_[node.output], *grads_[node.output], node.attrs, dx,
                 std::span<const bool>(overwrite_.data(), dx.size()));
        for (std::size_t i = 0; i < dx.size(); ++i)
          if (overwrite_[i]) zero_pending_[node.inputs[i]] = false;
      } catch (const DomainError& e) {
        throw DomainError(where(node, e.what(), " backward"), e.inconclusive);
      }
    }
  }

  // Resets the accumulated gradients of the leaves (intermediate gradients
  // restart from zero at every backward anyway).
  void zero_grad() {
    for (Slot s = 0; s < grads_.size(); ++s)
      if (grads_[s] && is_leaf_[s]) zero_pending_[s] = true;
  }

  const Value& value(Slot s) const { return values_.at(s); }
  // Mutable access to a leaf's value (new inputs for a compiled program).
  Value& leaf_value(Slot s) {
    if (!is_leaf_.at(s)) throw UsageError("slot " + std::to_string(s) + " is computed, not a leaf");
    return values_[s];
  }
  bool requires_grad(Slot s) const { return requires_grad_.at(s); }
  bool is_leaf(Slot s) const { return is_leaf_.at(s); }
  // A leaf's accumulated gradient, or an intermediate's gradient from the
  // last backward; null when that backward (or, for leaves, any) did not reach it.
  const Value* grad(Slot s) const {
    if (!requires_grad_.at(s)) throw UsageError("slot " + std::to_string(s) + " does not require grad");
    const bool current = is_leaf_[s] || (s < reached_.size() && reached_[s]);
    if (!grads_[s] || !current) return nullptr;
    materialize(s);
    return &*grads_[s];
  }
  std::span<const Node> nodes() const { return nodes_; }
  // Calls f(value) for every value and every gradient buffer the tape holds.
  template <class F>
  void for_each_buffer(F&& f) const {
    for (const auto& v : values_) f(v);
    for (const auto& g : grads_)
      if (g) f(*g);
  }
  std::size_t num_slots() const { return values_.size(); }
  Backend& backend() { return *be_; }

 private:
  Slot push_slot(Value v, bool requires_grad, bool is_leaf) {
    values_.push_back(std::move(v));
    grads_.emplace_back();
    zero_pending_.push_back(false);
    requires_grad_.push_back(requires_grad);
    is_leaf_.push_back(is_leaf);
    node_of_slot_.push_back(-1);
    return static_cast<Slot>(values_.size() - 1);
  }
  void compute(const Node& node) {
    std::vector<const Value*>& in = scratch_in_;  // reused: no allocation per node
    in.clear();
    for (Slot s : node.inputs) in.push_back(&values_[s]);
    try {
      be_->forward(node.op, in, node.attrs, values_[node.output]);
    } catch (const DomainError& e) {
      throw DomainError(where(node, e.what()), e.inconclusive);
    }
  }
  // How errors name a node: its label (or slot) and op, then the message
  // (which may start with the op's name already: it is not said twice).
  static std::string where(const Node& node, std::string_view message, std::string_view pass = "") {
    const std::string name = node.label.empty() ? "slot " + std::to_string(node.output) : node.label;
    const std::string op(op_info(node.op).name);
    if (message.starts_with(op + ": ")) message.remove_prefix(op.size() + 2);
    return name + " = " + op + std::string(pass) + ": " + std::string(message);
  }
  // The gradient buffer of s for this sweep: leaves keep what earlier sweeps
  // accumulated; intermediate values restart from zero (buffers are reused).
  Value& grad_in_sweep(Slot s, std::vector<bool>& reached) {
    if (!grads_[s]) grads_[s].emplace(be_->zeros_like(values_[s]));
    else if (!reached[s] && !is_leaf_[s]) zero_pending_[s] = true;
    reached[s] = true;
    return *grads_[s];
  }

  Backend* be_;
  std::vector<Value> values_;
  // A pending zero is made real on first read (grad() is const to callers).
  void materialize(Slot s) const {
    if (!zero_pending_[s]) return;
    be_->fill_zero(*grads_[s]);
    zero_pending_[s] = false;
  }

  mutable std::vector<std::optional<Value>> grads_;
  mutable std::vector<bool> zero_pending_;  // grads_[s] stands for zeros, not yet written
  std::array<bool, 8> overwrite_{};         // per input of the node being differentiated
  std::vector<bool> requires_grad_, is_leaf_;
  std::vector<bool> reached_;               // slots the last backward reached
  std::vector<std::int32_t> node_of_slot_;  // the node defining each slot, -1 for leaves
  std::vector<const Value*> scratch_in_;
  std::vector<Value*> scratch_dx_;
  std::vector<Node> nodes_;
};

}  // namespace vt::spec
