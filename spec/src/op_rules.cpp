#include "vt/spec/op_decl.hpp"

namespace vt::spec::rule {

std::vector<bool> reduced_axes(const Shape& s, const AttrMap& attrs) {
  std::vector<bool> red(s.rank(), false);
  const auto axes = attrs.get_ints_opt("axes");
  if (!axes) return std::vector<bool>(s.rank(), true);
  if (axes->empty()) throw ShapeError("axes must not be empty (omit it to reduce over all axes)");
  for (auto a : *axes) {
    const auto k = normalize_axis(a, s.rank());
    if (red[k]) throw ShapeError("axis " + std::to_string(a) + " repeated in axes");
    red[k] = true;
  }
  return red;
}

Shape reduce_shape(const Shape& s, const std::vector<bool>& axes, bool keepdim) {
  std::vector<std::int64_t> d;
  for (std::size_t i = 0; i < s.rank(); ++i) {
    if (!axes[i]) d.push_back(s[i]);
    else if (keepdim) d.push_back(1);
  }
  return Shape(std::move(d));
}

}  // namespace vt::spec::rule
