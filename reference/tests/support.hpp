#pragma once
// Helpers shared by the reference's tests.
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include "vt/reference/rational.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::ref::testing {

inline spec::AttrMap attrs(std::initializer_list<std::pair<const char*, spec::AttrValue>> kv) {
  spec::AttrMap a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

// The output shape of Op on inputs of these shapes (the op's own rule);
// cross_entropy's second input is its i64 target.
template <class Op>
spec::Shape out_shape(const std::vector<spec::Dense<Rational>>& xs, spec::AttrMap a) {
  std::vector<spec::TensorType> t;
  for (const auto& x : xs) t.push_back({spec::DType::f64, x.shape});
  for (std::size_t i = 0; i < t.size(); ++i)  // index inputs (no gradient) are i64
    if (spec::is_index_input<Op>(static_cast<int>(i))) t[i].dtype = spec::DType::i64;
  return spec::infer_type(*spec::find_op(Op::name), t, a).shape;
}

}  // namespace vt::ref::testing
