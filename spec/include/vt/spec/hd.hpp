#pragma once
// VT_HD marks scalar functions that CUDA kernels call as they are
// (__host__ __device__ under nvcc, nothing elsewhere).
#if defined(__CUDACC__)
#define VT_HD __host__ __device__
#else
#define VT_HD
#endif
