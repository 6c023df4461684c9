#pragma once
// Index maps shared by the generic op math. Each returns, for every linear
// index of a target shape, the linear index in a source shape. Broadcasting,
// reductions and their backward passes are all the same map: a reduction is a
// broadcast read backwards (reduced axes kept as size 1 broadcast again).
#include <cstdint>
#include <vector>

#include "vt/spec/hd.hpp"
#include "vt/spec/shape.hpp"

namespace vt::spec {

// For each element of `to`, the element of `from` it reads under broadcasting.
// Requires broadcastable_to(from, to) after left-padding `from` with 1s.
std::vector<std::int64_t> broadcast_index(const Shape& from, const Shape& to);

// For each element of the permuted shape, the element of `in` it reads:
// out[i_0..i_r] = in[i_{inv(0)}..], i.e. out dim k is in dim perm[k].
std::vector<std::int64_t> permute_index(const Shape& in, const std::vector<std::int64_t>& perm);

Shape permute_shape(const Shape& in, const std::vector<std::int64_t>& perm);

// A tensor seen as [outer, n, inner] around one axis (softmax, max, ...).
// A template over the index type, so that contracts/ proves `at` in bounds
// and injective on Z3 integers; AxisView is the int64 instance.
template <class I>
struct BasicAxisView {
  I outer = I(1), n = I(1), inner = I(1);
  VT_HD I at(I o, I k, I i) const { return (o * n + k) * inner + i; }
};
using AxisView = BasicAxisView<std::int64_t>;
AxisView axis_view(const Shape& s, std::size_t axis);

}  // namespace vt::spec
