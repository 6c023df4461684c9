#pragma once
// Which operand shapes the elementwise FastKernel loops take (fast_kernels.cpp);
// other broadcasts run the op table's generic rule.
#include <cstddef>

#include "vt/spec/shape.hpp"

namespace vt::rt {

// Whether s is y's shape, or y's trailing axes with leading 1s allowed.
inline bool trailing_of(const spec::Shape& s, const spec::Shape& y) {
  std::size_t lead = 0;
  while (lead < s.rank() && s[lead] == 1) ++lead;
  if (s.rank() - lead > y.rank()) return false;
  for (std::size_t k = lead; k < s.rank(); ++k)
    if (s[k] != y[y.rank() - (s.rank() - k)]) return false;
  return true;
}

// Unary: x of y's shape. Binary (b not null): one operand of y's shape and the
// other of y's shape or its trailing axes (a bias [E] against [B, T, E]).
inline bool elementwise_loop_shapes(const spec::Shape& a, const spec::Shape* b, const spec::Shape& y) {
  if (!b) return a == y;
  const bool a_full = a == y, b_full = *b == y;
  return (a_full && trailing_of(*b, y)) || (b_full && trailing_of(a, y));
}

}  // namespace vt::rt
