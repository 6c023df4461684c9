#pragma once
// Single-op graphs at the sizes where GPU kernels break: 1, warp size +-1,
// block size +-1, the reduction tree's slice (2 blocks) +-1, 1023/1024/1025,
// and (with past_narrow_index, one case in six, for cheap ops on small
// integers) just past 2^15, where the emulator's 16-bit model of a 32-bit
// index overflows. Each op with CUDA kernels, on broadcast, permuted and
// sliced operands, then summed to a scalar loss.
#include "vt/proptests/graph_gen.hpp"

namespace vt::proptests {

GraphCase draw_kernel_boundary_case(spec::DType dtype, bool past_narrow_index);

}  // namespace vt::proptests
