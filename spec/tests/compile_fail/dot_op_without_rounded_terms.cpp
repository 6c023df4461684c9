// Must NOT compile: an op with a Dot contract that does not declare its
// rounded operations per output (the contract's n) is rejected by the
// op-table check (CTest spec_dot_op_without_rounded_terms_is_rejected).
#include "vt/spec/op_table.hpp"

namespace {
struct RowSum {
  static constexpr std::string_view name = "row_sum", math = "y = sum(x); dx += g";
  static constexpr vt::spec::Fragment fragment = vt::spec::Fragment::Rational;
  static constexpr vt::spec::ErrorContract contract = vt::spec::dot_contract;
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr std::array<vt::spec::AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int) { return true; }
  static vt::spec::TensorType infer(std::span<const vt::spec::TensorType> in, const vt::spec::AttrMap&) {
    return vt::spec::TensorType{in[0].dtype, vt::spec::Shape{}};
  }
  template <class S>
  static void forward(vt::spec::Ins<S> in, const vt::spec::AttrMap&, vt::spec::Dense<S>& y) {
    for (std::int64_t i = 0; i < in[0]->numel(); ++i) y[0] += (*in[0])[i];
  }
  template <class S>
  static void vjp(vt::spec::Ins<S> in, const vt::spec::Dense<S>&, const vt::spec::Dense<S>& g, const vt::spec::AttrMap&,
                  vt::spec::Grads<S> dx) {
    for (std::int64_t i = 0; i < in[0]->numel(); ++i) (*dx[0])[i] += g[0];
  }
  // no rounded_terms
};
static_assert(vt::spec::declares_op<RowSum>());
}  // namespace
