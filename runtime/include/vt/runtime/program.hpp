#pragma once
// A compiled program: a verified graph lowered once onto the tape (every slot
// and buffer allocated at compile time), then run many times with new inputs.
//
//   rt::Program<float> p(graph);
//   p.set("x", batch); p.set("y", targets);
//   p.forward(); p.backward();           // gradients of output 0
//   p.sgd_step(0.01f); p.zero_grad();
// Parameters always get gradients; an input gets one when named:
//   rt::Program<double> q(graph, true, {.grad_inputs = {"x"}});  // then q.grad("x")
// The backend is FastBackend by default; any tape backend over Dense<S> fits
// (cuda::EmulatedBackend runs the CUDA kernels under the host emulator):
//   rt::Program<float, cuda::EmulatedBackend<float>> e(std::in_place, graph, {});
#include <concepts>
#include <map>
#include <utility>
#include <span>
#include <string>

#include "vt/runtime/fast_backend.hpp"
#include "vt/runtime/sgd.hpp"
#include "vt/spec/lower.hpp"

namespace vt::rt {

template <class S, class Backend = FastBackend<S>>
class Program {
 public:
  explicit Program(const spec::GraphData& g, bool fast = true, spec::LowerOptions opt = {})
    requires std::constructible_from<Backend, bool>
      : backend_(fast), tape_(backend_) {
    init(g, std::move(opt));
  }
  // The backend built from `backend_args`.
  template <class... A>
  Program(std::in_place_t, const spec::GraphData& g, spec::LowerOptions opt, A&&... backend_args)
      : backend_(std::forward<A>(backend_args)...), tape_(backend_) {
    init(g, std::move(opt));
  }

 private:
  void init(const spec::GraphData& g, spec::LowerOptions opt) {
    lowered_ = spec::lower(g, tape_, std::move(opt), g.name);
    for (std::size_t a = 0; a < g.args.size(); ++a) {
      arg_slot_[g.args[a].name] = lowered_.arg_slots[a];
      if (g.args[a].kind != spec::ArgKind::Param) continue;
      params_.push_back(lowered_.arg_slots[a]);
      param_names_.push_back(g.args[a].name);
    }
    for (std::size_t n = 0; n < g.nodes.size(); ++n) value_slot_[g.nodes[n].name] = lowered_.value_slots[g.args.size() + n];
    for (const auto& [name, slot] : arg_slot_) value_slot_[name] = slot;
  }

 public:

  // Copies new values into an argument (shape checked by element count).
  void set(const std::string& arg, std::span<const S> values) {
    spec::Dense<S>& leaf = tape_.leaf_value(slot_of(arg_slot_, arg));
    if (static_cast<std::int64_t>(values.size()) != leaf.numel())
      throw spec::ShapeError("%" + arg + " has " + std::to_string(leaf.numel()) + " elements, got " + std::to_string(values.size()));
    std::copy(values.begin(), values.end(), leaf.data.begin());
  }
  // The parameters' names, in the graph's argument order.
  const std::vector<std::string>& param_names() const { return param_names_; }
  // Sets every parameter, in that order (as init_params returns them).
  void set_params(const std::vector<spec::Dense<S>>& values) {
    if (values.size() != param_names_.size())
      throw spec::UsageError("set_params: " + std::to_string(values.size()) + " values for " + std::to_string(param_names_.size()) +
                             " parameters");
    for (std::size_t i = 0; i < values.size(); ++i) set(param_names_[i], values[i].data);
  }
  spec::Dense<S>& arg(const std::string& name) { return tape_.leaf_value(slot_of(arg_slot_, name)); }
  const spec::Dense<S>& value(const std::string& name) const { return tape_.value(slot_of(value_slot_, name)); }
  const spec::Dense<S>& output(std::size_t i = 0) const { return tape_.value(lowered_.output_slots.at(i)); }
  // The gradient of a parameter, or of an input named in grad_inputs (null
  // before backward(), or when output 0 does not depend on it).
  const spec::Dense<S>* grad(const std::string& arg) const {
    const spec::Slot s = slot_of(arg_slot_, arg);
    if (!tape_.requires_grad(s))
      throw spec::UsageError("%" + arg + " has no gradient: an input gets one when named in LowerOptions::grad_inputs");
    return tape_.grad(s);
  }
  // The cotangent a node's value received in the last backward() (null when
  // the sweep did not reach it or it needs no gradient).
  const spec::Dense<S>* value_grad(const std::string& name) const {
    const spec::Slot s = slot_of(value_slot_, name);
    return tape_.requires_grad(s) ? tape_.grad(s) : nullptr;
  }

  // True when output i depends on a parameter (backward has work to do).
  bool output_requires_grad(std::size_t i = 0) const { return tape_.requires_grad(lowered_.output_slots.at(i)); }

  void forward() { tape_.run_forward(); }
  void backward() { tape_.backward(lowered_.output_slots.at(0)); }
  void zero_grad() { tape_.zero_grad(); }
  // Plain SGD on every parameter: w -= lr * dw.
  void sgd_step(S lr) {
    for (spec::Slot p : params_)
      if (const spec::Dense<S>* g = tape_.grad(p)) sgd_update(tape_.leaf_value(p), *g, lr);
  }

  Backend& backend() { return backend_; }
  spec::Tape<Backend>& tape() { return tape_; }

 private:
  static spec::Slot slot_of(const std::map<std::string, spec::Slot>& m, const std::string& name) {
    const auto it = m.find(name);
    if (it == m.end()) throw spec::UsageError("no value %" + name + " in this program");
    return it->second;
  }

  Backend backend_;
  spec::Tape<Backend> tape_;
  spec::LoweredGraph lowered_;
  std::map<std::string, spec::Slot> arg_slot_, value_slot_;
  std::vector<spec::Slot> params_;
  std::vector<std::string> param_names_;
};

}  // namespace vt::rt
