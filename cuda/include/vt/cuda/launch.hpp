#pragma once
// The launch model every veritape kernel is written for: a 1-D grid of 1-D
// blocks, and a kernel is a functor called once per thread with that thread's
// coordinates. The same functor runs under nvcc (cuda/src/gpu_device.cu) and
// under the host emulator (emulator.hpp), which is what makes the emulator's
// findings about the GPU code and not about a copy of it.
#include <algorithm>
#include <cstdint>

#include "vt/spec/hd.hpp"

namespace vt::cuda {

struct Thread {
  std::int64_t block = 0;      // blockIdx.x
  int thread = 0;              // threadIdx.x
  int block_dim = 1;           // blockDim.x
  std::int64_t grid_dim = 1;   // gridDim.x
  VT_HD std::int64_t global() const { return block * block_dim + thread; }
};

struct Launch {
  const char* kernel = "";     // named in every finding and CUDA error
  std::int64_t blocks = 1;     // gridDim.x (a GPU allows up to 2^31 - 1)
  int threads = 256;           // blockDim.x
};

inline constexpr int kBlockThreads = 256;

// Enough blocks of `threads` for n threads (at least one block, so that a
// kernel over zero elements is still a well-formed launch).
inline Launch launch_over(const char* kernel, std::int64_t n, int threads = kBlockThreads) {
  return {kernel, std::max<std::int64_t>(1, (n + threads - 1) / threads), threads};
}

}  // namespace vt::cuda
