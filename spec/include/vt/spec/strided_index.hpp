#pragma once
// Index maps in a form a CUDA thread can evaluate on its own: a fixed-size
// struct (no heap), VT_HD, computing one element's source offset from its
// linear index. index_maps.hpp builds whole tables of the same maps for the
// CPU code; the kernels in cuda/ use these, and cuda/tests check that both
// give the same offsets.
#include <cstdint>

#include "vt/spec/hd.hpp"
#include "vt/spec/shape.hpp"

namespace vt::spec {

// Kernels take shapes up to this rank; a higher-rank node runs on the host
// (cuda/ reports it as a fallback, never silently).
inline constexpr int kKernelMaxRank = 8;

// i (row-major over dims) -> offset + sum_k idx_k(i) * stride_k.
struct StridedIndex {
  int rank = 0;
  std::int64_t dims[kKernelMaxRank] = {};
  std::int64_t stride[kKernelMaxRank] = {};
  std::int64_t offset = 0;  // added to every result (a slice's start)

  VT_HD std::int64_t operator()(std::int64_t i) const {
    std::int64_t off = offset;
    for (int k = rank - 1; k >= 0; --k) {
      off += (i % dims[k]) * stride[k];
      i /= dims[k];
    }
    return off;
  }
  VT_HD std::int64_t count() const {
    std::int64_t n = 1;
    for (int k = 0; k < rank; ++k) n *= dims[k];
    return n;
  }
};

// Whether a shape fits a StridedIndex.
inline bool kernel_rank_ok(const Shape& s) { return s.rank() <= static_cast<std::size_t>(kKernelMaxRank); }

// Each element of `to` -> the element of `from` it reads under broadcasting
// (the map broadcast_index tabulates).
StridedIndex broadcast_map(const Shape& from, const Shape& to);

// Each element of the permuted shape -> the element of `in` it reads (the map
// permute_index tabulates).
StridedIndex permute_map(const Shape& in, const std::vector<std::int64_t>& perm);

// The reverse of a broadcast, for reductions and broadcast backward passes
// written as gathers: the elements of `big` that read element j of `small`
// are base(j) + fiber(k) for k in [0, fiber.count()), and fiber is increasing
// in k, so a thread that walks k in order adds in the same order as the CPU
// loop over the elements of `big`.
struct ReductionMap {
  StridedIndex base;   // small's elements -> their first element in big
  StridedIndex fiber;  // k -> offset within big over the broadcast axes
};
ReductionMap reduction_map(const Shape& small, const Shape& big);

}  // namespace vt::spec
