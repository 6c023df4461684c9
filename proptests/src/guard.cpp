#include "guard.hpp"

#include <cmath>

#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"

namespace vt::proptests::detail {

namespace {

bool tame(const spec::Dense<double>& v) {
  for (double x : v.data)
    if (!(std::fabs(x) <= kGuardMagnitude)) return false;  // also false for NaN
  return true;
}

}  // namespace

bool within_guard(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args) {
  using Backend = spec::DenseBackend<double>;
  Backend be;
  spec::Tape<Backend> tape(be);
  const auto L = spec::lower(g, tape, spec::LowerOptions{.inputs_require_grad = true}, g.name);
  for (std::size_t a = 0; a < g.args.size(); ++a) tape.leaf_value(L.arg_slots[a]).data = args.at(g.args[a].name);
  try {
    tape.run_forward();
    for (auto s : L.value_slots)
      if (!tame(tape.value(s))) return false;
    if (!tape.requires_grad(L.output_slots[0])) return true;  // nothing to differentiate
    tape.backward(L.output_slots[0]);
  } catch (const spec::DomainError&) {
    return false;
  }
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    if (!tape.requires_grad(L.arg_slots[a])) continue;
    if (const auto* gr = tape.grad(L.arg_slots[a]); gr && !tame(*gr)) return false;
  }
  return true;
}

}  // namespace vt::proptests::detail
