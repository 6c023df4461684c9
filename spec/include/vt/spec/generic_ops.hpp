#pragma once
// Runs the op table's generic forward and VJP for an op chosen at run time.
// Transcendental ops on a scalar type without exp/log (exact rationals) are
// refused with a DomainError instead of failing to compile.
#include <string>

#include "vt/spec/mutants.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::spec {

template <class S, class Op>
constexpr bool op_runs_on = Op::fragment == Fragment::Rational || ScalarTraits<S>::transcendental;

template <class Op>
[[noreturn]] inline void refuse_transcendental() {
  throw DomainError(std::string("op '") + std::string(Op::name) +
                    "' is transcendental and cannot be computed exactly over this scalar type (use intervals)");
}

template <class S>
void generic_forward(OpId id, Ins<S> in, const AttrMap& attrs, Dense<S>& y) {
  visit_op(id, [&]<class Op>() {
    if constexpr (op_runs_on<S, Op>) Op::template forward<S>(in, attrs, y);
    else refuse_transcendental<Op>();
  });
}

template <class S>
void generic_vjp(OpId id, Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& attrs, Grads<S> dx) {
  if (mutation::active() != mutation::Mutant::none && mutants::planted_vjp<S>(id, in, y, g, attrs, dx)) return;
  visit_op(id, [&]<class Op>() {
    if constexpr (op_runs_on<S, Op>) Op::template vjp<S>(in, y, g, attrs, dx);
    else refuse_transcendental<Op>();
  });
}

}  // namespace vt::spec
