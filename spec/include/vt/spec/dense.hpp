#pragma once
// Dense<S>: the plain row-major tensor on which the op table's generic math
// runs. It is the meaning, not the fast path: the runtime has its own storage
// and kernels, which must agree with this one within each op's contract.
#include <cstdint>
#include <span>
#include <vector>

#include "vt/spec/shape.hpp"

namespace vt::spec {

template <class S>
struct Dense {
  Shape shape;
  std::vector<S> data;  // shape.numel() elements, row-major

  // Built from a value rather than default-constructed, because some scalar
  // types (Z3 expressions, contexts with precision) have no default value.
  static Dense full(Shape s, const S& value) {
    const auto n = static_cast<std::size_t>(s.numel());
    return Dense{std::move(s), std::vector<S>(n, value)};
  }
  std::int64_t numel() const { return static_cast<std::int64_t>(data.size()); }
  const S& operator[](std::int64_t i) const { return data[static_cast<std::size_t>(i)]; }
  S& operator[](std::int64_t i) { return data[static_cast<std::size_t>(i)]; }
};

// The elements as doubles (exactly, for f32 and f64): the one currency of
// named value maps, audits and property cases across the float engines.
template <class S>
std::vector<double> to_doubles(const Dense<S>& d) {
  return {d.data.begin(), d.data.end()};
}

// Op inputs (read-only) and gradient outputs (accumulated into; null when the
// gradient of that input is not wanted).
template <class S>
using Ins = std::span<const Dense<S>* const>;
template <class S>
using Grads = std::span<Dense<S>* const>;

}  // namespace vt::spec
