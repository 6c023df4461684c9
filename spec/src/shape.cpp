#include "vt/spec/shape.hpp"

#include <algorithm>

namespace vt::spec {

void Shape::validate() const {
  std::int64_t n = 1;
  for (auto d : dims_) {
    if (d < 0) throw ShapeError("negative dimension " + std::to_string(d) + " in " + to_string(*this));
    if (d != 0 && n > kMaxNumel / d)
      throw ShapeError("shape " + to_string(*this) + " has more than 2^48 elements");
    n *= d;
  }
}

std::vector<std::int64_t> Shape::strides() const {
  std::vector<std::int64_t> s(dims_.size());
  std::int64_t acc = 1;
  for (std::size_t i = dims_.size(); i-- > 0;) {
    s[i] = acc;
    acc *= dims_[i];
  }
  return s;
}

std::string to_string(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.rank(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t r = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> out(r);
  for (std::size_t i = 0; i < r; ++i) {
    // Align at the last dimension; missing leading dimensions count as 1.
    const std::int64_t da = i < r - a.rank() ? 1 : a[i - (r - a.rank())];
    const std::int64_t db = i < r - b.rank() ? 1 : b[i - (r - b.rank())];
    if (da != db && da != 1 && db != 1)
      throw ShapeError("shapes " + to_string(a) + " and " + to_string(b) +
                       " do not broadcast: dimension " + std::to_string(i) + " is " +
                       std::to_string(da) + " vs " + std::to_string(db));
    out[i] = da == 1 ? db : da;
  }
  return Shape(std::move(out));
}

bool broadcastable_to(const Shape& from, const Shape& to) {
  if (from.rank() > to.rank()) return false;
  const std::size_t off = to.rank() - from.rank();
  for (std::size_t i = 0; i < from.rank(); ++i)
    if (from[i] != 1 && from[i] != to[i + off]) return false;
  return true;
}

std::size_t normalize_axis(std::int64_t axis, std::size_t rank) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r || (r == 0))
    throw ShapeError("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

}  // namespace vt::spec
