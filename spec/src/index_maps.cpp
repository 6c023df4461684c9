#include "vt/spec/index_maps.hpp"

#include "vt/spec/error.hpp"
#include "vt/spec/strided_index.hpp"

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

namespace {
StridedIndex strided(const Shape& shape, const std::vector<std::int64_t>& stride) {
  if (!kernel_rank_ok(shape))
    throw UsageError("a kernel index map takes rank <= " + std::to_string(kKernelMaxRank) + ", got " + to_string(shape));
  StridedIndex m;
  m.rank = static_cast<int>(shape.rank());
  for (std::size_t k = 0; k < shape.rank(); ++k) m.dims[k] = shape[k], m.stride[k] = stride[k];
  return m;
}
}  // namespace

StridedIndex broadcast_map(const Shape& from, const Shape& to) {
  const std::size_t off = to.rank() - from.rank();
  std::vector<std::int64_t> stride(to.rank(), 0);
  const auto fs = from.strides();
  for (std::size_t i = 0; i < from.rank(); ++i) stride[i + off] = from[i] == 1 ? 0 : fs[i];
  return strided(to, stride);
}

StridedIndex permute_map(const Shape& in, const std::vector<std::int64_t>& perm) {
  const auto in_strides = in.strides();
  std::vector<std::int64_t> stride(perm.size());
  for (std::size_t k = 0; k < perm.size(); ++k) stride[k] = in_strides[static_cast<std::size_t>(perm[k])];
  return strided(permute_shape(in, perm), stride);
}

ReductionMap reduction_map(const Shape& small, const Shape& big) {
  // small left-padded with 1s to big's rank; its axes of size 1 where big's
  // are not are the broadcast (reduced) axes.
  const std::size_t off = big.rank() - small.rank();
  const auto bs = big.strides();
  std::vector<std::int64_t> kept_dims, kept_stride, free_dims, free_stride;
  for (std::size_t k = 0; k < big.rank(); ++k) {
    const std::int64_t sd = k < off ? 1 : small[k - off];
    if (sd == 1 && big[k] != 1) free_dims.push_back(big[k]), free_stride.push_back(bs[k]);
    else kept_dims.push_back(sd), kept_stride.push_back(sd == 1 ? 0 : bs[k]);
  }
  return {strided(Shape(kept_dims), kept_stride), strided(Shape(free_dims), free_stride)};
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
