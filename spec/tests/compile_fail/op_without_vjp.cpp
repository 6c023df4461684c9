// Must NOT compile: an op declaration without a VJP is rejected by the
// op-table check (CTest spec_op_without_vjp_is_rejected expects the message).
#include "vt/spec/op_table.hpp"

namespace {
struct Half {
  static constexpr std::string_view name = "half", math = "y = x/2";
  static constexpr vt::spec::Fragment fragment = vt::spec::Fragment::Rational;
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<vt::spec::AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int) { return true; }
  static vt::spec::TensorType infer(std::span<const vt::spec::TensorType> in, const vt::spec::AttrMap&) { return in[0]; }
  template <class S>
  static void forward(vt::spec::Ins<S> in, const vt::spec::AttrMap&, vt::spec::Dense<S>& y) {
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = (*in[0])[i] / 2;
  }
  // no vjp
};
static_assert(vt::spec::declares_op<Half>());
}  // namespace
