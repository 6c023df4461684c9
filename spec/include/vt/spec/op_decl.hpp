#pragma once
// What an op declaration must provide. The op table (op_table.hpp) checks
// every entry against OpDecl with a static_assert, so an op that lacks a name,
// its math, an arity, an attribute schema, a shape rule, a generic forward or
// a generic VJP does not compile.
#include <array>
#include <concepts>
#include <span>
#include <string>
#include <string_view>

#include "vt/spec/attrs.hpp"
#include "vt/spec/dense.hpp"
#include "vt/spec/scalar.hpp"
#include "vt/spec/types.hpp"

namespace vt::spec {

// Rational ops are exact over the rationals (+ - * / and comparisons only);
// transcendental ops need exp/log/sqrt/tanh and are checked with intervals.
enum class Fragment : std::uint8_t { Rational, Transcendental };

// The error a float implementation of an op may make, measured against the
// exact result on the same float inputs (u = unit roundoff of the dtype).
// reference/ turns each kind into a per-element bound (contract_bounds.hpp).
enum class ContractKind : std::uint8_t {
  Exact,    // no rounding: the float result equals the exact one (moves, selections)
  Ulp,      // elementwise: |y - y*| <= ulps * ulp(y*)
  Dot,      // sums and dot products: |y - y*| <= gamma_n * sum |terms|, gamma_n = n u / (1 - n u)
  Derived,  // softmax family and losses: bound derived from the ops they are made of
};
struct ErrorContract {
  ContractKind kind;
  double ulps = 0;  // for Ulp
};
constexpr ErrorContract exact_contract{ContractKind::Exact};
constexpr ErrorContract ulp_contract(double ulps) { return {ContractKind::Ulp, ulps}; }
constexpr ErrorContract dot_contract{ContractKind::Dot};
constexpr ErrorContract derived_contract{ContractKind::Derived};

template <class Op>
concept OpDecl = requires(std::span<const TensorType> types, const AttrMap& attrs, Ins<double> in,
                          Dense<double>& y, const Dense<double>& cy, Grads<double> dx) {
  { Op::name } -> std::convertible_to<std::string_view>;
  { Op::math } -> std::convertible_to<std::string_view>;
  { Op::min_arity } -> std::convertible_to<int>;
  { Op::max_arity } -> std::convertible_to<int>;
  { Op::fragment } -> std::convertible_to<Fragment>;
  { Op::contract } -> std::convertible_to<ErrorContract>;
  { std::span<const AttrSpec>(Op::attrs) };
  { Op::differentiable(0) } -> std::same_as<bool>;
  { Op::infer(types, attrs) } -> std::same_as<TensorType>;
  Op::template forward<double>(in, attrs, y);
  Op::template vjp<double>(in, cy, cy, attrs, dx);
};

// For op authors: `static_assert(declares_op<MyOp>())` names the problem
// plainly when a declaration is incomplete.
// A Dot contract's bound needs the number of rounded operations per output.
template <class Op>
concept DeclaresRoundedTerms = requires(Ins<double> in, const AttrMap& attrs) {
  { Op::template rounded_terms<double>(in, attrs) } -> std::convertible_to<std::int64_t>;
};

template <class Op>
constexpr bool declares_op() {
  static_assert(OpDecl<Op>, "op declaration incomplete: it needs name, math, min/max_arity, fragment, contract, attrs, "
                            "differentiable, infer, forward<S> and vjp<S> (see OpDecl in op_decl.hpp)");
  static_assert(Op::contract.kind != ContractKind::Dot || DeclaresRoundedTerms<Op>,
                "an op with a Dot contract must declare rounded_terms<S>(in, attrs): its rounded operations per output");
  return OpDecl<Op>;
}

// Whether input i holds integer indices (i64: class targets, gather
// indices): by default the inputs with no gradient; an op whose
// non-differentiable inputs are floats (batch_norm's running statistics)
// declares `index_input(i)`.
template <class Op>
constexpr bool is_index_input(int i) {
  if constexpr (requires { Op::index_input(i); }) return Op::index_input(i);
  else return !Op::differentiable(i);
}

// Shape-rule helpers: each throws ShapeError with a message naming the input.
namespace rule {

// Shape arithmetic on attribute values that may be anything an int64 holds
// (dilation 2^63 - 1): overflow is an error, not a wrapped result.
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw ShapeError(std::string(what) + " overflows int64");
  return r;
}
inline std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw ShapeError(std::string(what) + " overflows int64");
  return r;
}

inline void require_float(const TensorType& t, int input) {
  if (!is_float(t.dtype))
    throw ShapeError("input " + std::to_string(input) + " must be f32 or f64, got " + to_string(t));
}

inline void require_same_dtype(const TensorType& a, const TensorType& b) {
  if (a.dtype != b.dtype)
    throw ShapeError("dtype mismatch: " + to_string(a) + " vs " + to_string(b) + " (no implicit promotion)");
}

inline void require_rank_at_least(const TensorType& t, int input, std::size_t r) {
  if (t.shape.rank() < r)
    throw ShapeError("input " + std::to_string(input) + " must have rank >= " + std::to_string(r) + ", got " +
                     to_string(t));
}

// Validated axes of a reduction: in range, no repeats; absent means all axes.
std::vector<bool> reduced_axes(const Shape& s, const AttrMap& attrs);

// The shape after reducing `axes`, with reduced axes kept as 1 or dropped.
Shape reduce_shape(const Shape& s, const std::vector<bool>& axes, bool keepdim);

}  // namespace rule

}  // namespace vt::spec
