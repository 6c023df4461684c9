#pragma once
// im2col and its adjoint for one image and one group of conv2d's input
// channels: the column block col[k, p], k = (c, i, j) over Cg channels and
// the kernel taps, p = (oh, ow) over the output positions.
#include <cstdint>

#include "vt/spec/ops/conv.hpp"

namespace vt::rt {

// Stride 1 and an output as wide as the input (e.g. 3x3 with padding 1): a
// tap's block is then the plane shifted by one constant offset, copied as one
// contiguous run instead of Ho short rows.
bool im2col_shifted_plane(const spec::ops::Window2d& g);

// col[k, p] = plane[c, row, col] (zero in the padding); plane is the group's
// first channel of the image.
template <class S>
void im2col(const spec::ops::Window2d& g, std::int64_t Cg, const S* plane, S* col);

// plane[c, row, col] += dcol[k, p]; padding taps are dropped. dcol is
// scratch: its padding-tap entries may be zeroed on the way.
template <class S>
void col2im(const spec::ops::Window2d& g, std::int64_t Cg, S* dcol, S* plane);

}  // namespace vt::rt
