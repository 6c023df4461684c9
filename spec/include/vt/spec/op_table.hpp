#pragma once
// THE OP TABLE: every op veritape knows, declared once.
//
// Grammar of an entry (a struct in vt::spec::ops, checked by OpDecl):
//   name            the op's name in .vtg text and JSON ("matmul")
//   math            one line: forward formula; VJP formula per input ("dx += ...")
//   min/max_arity   how many inputs it takes
//   attrs           its attribute schema (name, kind, required); absent optional
//                   attributes take the default stated in the op's comment;
//                   float attributes are values of the node's dtype (an f32
//                   node's are rounded to float32 by infer_type)
//   fragment        Rational (exact over Q) or Transcendental (needs intervals)
//   contract        the error a float implementation may make (ErrorContract)
//   differentiable  differentiable(i): false for inputs with no gradient (indices)
//   infer           the shape/dtype rule: input types + attrs -> output type,
//                   or ShapeError saying what is wrong
//   forward<S>      the generic forward: writes y (which arrives zero-filled,
//                   already shaped by infer) from the inputs
//   vjp<S>          the generic VJP: ACCUMULATES (+=) each input's cotangent
//                   into dx[i] (null when not wanted), given inputs, y and g
// Elementwise ops declare scalar value/grad functions instead and inherit the
// tensor lifting from Unary/Binary (ops/unary.hpp, ops/binary.hpp).
// Each op's comment states its math and its convention at non-smooth points.
// The JVP is never written: backends derive it by running forward<Dual<S>>.
//
// Adding an op: declare it under ops/, add it to AllOps below. Every engine,
// kernel and checker picks it up from here.
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

#include "vt/spec/ops/activation.hpp"
#include "vt/spec/ops/attention.hpp"
#include "vt/spec/ops/binary.hpp"
#include "vt/spec/ops/clamp.hpp"
#include "vt/spec/ops/constant.hpp"
#include "vt/spec/ops/conv.hpp"
#include "vt/spec/ops/extreme.hpp"
#include "vt/spec/ops/index.hpp"
#include "vt/spec/ops/layout.hpp"
#include "vt/spec/ops/loss.hpp"
#include "vt/spec/ops/matmul.hpp"
#include "vt/spec/ops/norm.hpp"
#include "vt/spec/ops/pow.hpp"
#include "vt/spec/ops/reduce.hpp"
#include "vt/spec/ops/softmax.hpp"
#include "vt/spec/ops/unary.hpp"

namespace vt::spec {

template <class... Ops>
struct OpList {
  static constexpr std::size_t size = sizeof...(Ops);
};

using AllOps = OpList<ops::Add, ops::Sub, ops::Mul, ops::Div, ops::Maximum, ops::Minimum,  //
                      ops::Neg, ops::Square, ops::Exp, ops::Log, ops::Sqrt, ops::Tanh, ops::Sigmoid,
                      ops::Relu, ops::Abs, ops::Clamp, ops::Constant,  //
                      ops::Matmul, ops::Linear,                         //
                      ops::Permute, ops::Transpose, ops::Reshape, ops::BroadcastTo,
                      ops::Sum, ops::Mean, ops::Max,         //
                      ops::Softmax, ops::LogSoftmax,         //
                      ops::MseLoss, ops::CrossEntropy,  //
                      ops::Conv2d, ops::MaxPool2d, ops::AvgPool2d,  //
                      ops::Flatten, ops::Concat, ops::Narrow, ops::GatherOp, ops::ScatterAdd, ops::Embedding,  //
                      ops::LayerNorm, ops::BatchNorm,  //
                      ops::Softplus, ops::Gelu, ops::Silu, ops::LogSigmoid, ops::Dropout,  //
                      ops::ScaledDotProductAttention,  //
                      ops::Log1p, ops::Expm1, ops::Pow,  //
                      ops::Amax, ops::Amin, ops::Min, ops::Argmax, ops::Argmin,  //
                      ops::Full, ops::Arange>;

template <class... Ops>
constexpr bool all_declared(OpList<Ops...>) {
  return (declares_op<Ops>() && ...);
}
static_assert(all_declared(AllOps{}), "an op in AllOps lacks part of its declaration (see OpDecl)");

// An op's position in AllOps.
using OpId = std::uint16_t;

namespace detail {
template <class Op, class... Ops>
constexpr OpId index_of(OpList<Ops...>) {
  OpId i = 0;
  const bool found = ((std::is_same_v<Op, Ops> ? true : (++i, false)) || ...);
  return found ? i : OpId(0xffff);
}
}  // namespace detail

template <class Op>
inline constexpr OpId op_id = detail::index_of<Op>(AllOps{});

// Calls f.template operator()<Op>() for the op with this id (generic lambdas:
// `visit_op(id, [&]<class Op>() { ... })`). Returns whatever f returns.
template <class F>
decltype(auto) visit_op(OpId id, F&& f) {
  if (id >= AllOps::size) throw UsageError("op id " + std::to_string(id) + " is not in the op table");
  return [&]<class... Ops>(OpList<Ops...>) -> decltype(auto) {
    using R = decltype(f.template operator()<ops::Add>());
    if constexpr (std::is_void_v<R>) {
      OpId i = 0;
      ((i++ == id ? (f.template operator()<Ops>(), true) : false) || ...);
    } else {
      std::optional<R> r;
      OpId i = 0;
      ((i++ == id ? (r.emplace(f.template operator()<Ops>()), true) : false) || ...);
      return R(std::move(*r));  // a prvalue: decltype(auto) must not return a reference to r
    }
  }(AllOps{});
}

// What the rest of the system reads about an op at run time.
struct OpInfo {
  OpId id;
  std::string_view name;
  std::string_view math;
  int min_arity, max_arity;
  std::span<const AttrSpec> attrs;
  Fragment fragment;
  ErrorContract contract;
  bool (*differentiable)(int);
  TensorType (*infer)(std::span<const TensorType>, const AttrMap&);
};

std::span<const OpInfo> all_ops();
const OpInfo& op_info(OpId id);
// The op with this name, or null.
const OpInfo* find_op(std::string_view name);

// "linear(f32[2, 3], f32[4, 3])": how diagnostics name an op application.
std::string signature(std::string_view op, std::span<const TensorType> inputs);

// The full shape rule as the verifier, builder and eager runtimes apply it:
// checks arity and attributes (normalizing them, e.g. int -> float), then
// infers. Throws ShapeError with a message naming the op and the input types.
TensorType infer_type(const OpInfo& op, std::span<const TensorType> inputs, AttrMap& attrs);

}  // namespace vt::spec
