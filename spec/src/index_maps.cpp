#include "vt/spec/index_maps.hpp"

namespace vt::spec {

namespace {
// For each linear index of `shape`, the offset sum_k idx_k * stride_k: walks
// `shape` in row-major order with an odometer, updating the offset as it goes.
std::vector<std::int64_t> strided_offsets(const Shape& shape, const std::vector<std::int64_t>& stride) {
  const std::size_t r = shape.rank();
  std::vector<std::int64_t> out(static_cast<std::size_t>(shape.numel()));
  std::vector<std::int64_t> idx(r, 0);
  std::int64_t off = 0;
  for (auto& o : out) {
    o = off;
    for (std::size_t k = r; k-- > 0;) {
      if (++idx[k] < shape[k]) {
        off += stride[k];
        break;
      }
      off -= stride[k] * (idx[k] - 1);
      idx[k] = 0;
    }
  }
  return out;
}
}  // namespace

std::vector<std::int64_t> broadcast_index(const Shape& from, const Shape& to) {
  const std::size_t off = to.rank() - from.rank();
  // Source stride per target axis; 0 where the source is broadcast.
  std::vector<std::int64_t> stride(to.rank(), 0);
  const auto fs = from.strides();
  for (std::size_t i = 0; i < from.rank(); ++i) stride[i + off] = from[i] == 1 ? 0 : fs[i];
  return strided_offsets(to, stride);
}

Shape permute_shape(const Shape& in, const std::vector<std::int64_t>& perm) {
  std::vector<std::int64_t> d(perm.size());
  for (std::size_t k = 0; k < perm.size(); ++k) d[k] = in[static_cast<std::size_t>(perm[k])];
  return Shape(std::move(d));
}

std::vector<std::int64_t> permute_index(const Shape& in, const std::vector<std::int64_t>& perm) {
  // Output axis k walks input axis perm[k].
  const auto in_strides = in.strides();
  std::vector<std::int64_t> stride(perm.size());
  for (std::size_t k = 0; k < perm.size(); ++k) stride[k] = in_strides[static_cast<std::size_t>(perm[k])];
  return strided_offsets(permute_shape(in, perm), stride);
}

AxisView axis_view(const Shape& s, std::size_t axis) {
  AxisView v;
  for (std::size_t i = 0; i < s.rank(); ++i) {
    if (i < axis) v.outer *= s[i];
    else if (i == axis) v.n = s[i];
    else v.inner *= s[i];
  }
  return v;
}

}  // namespace vt::spec
