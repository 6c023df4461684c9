// The GPU entry points of a build without nvcc: they link, and say why there is no GPU.
#include "vt/cuda/gpu.hpp"

#if !VT_HAVE_CUDA
namespace vt::cuda {

namespace {
constexpr const char* kNoCuda = "no CUDA device: this build has no CUDA: nvcc was not found when it was configured (VT_WITH_CUDA=AUTO|ON)";
}

GpuStatus gpu_status() { return {false, 0, "", kNoCuda}; }
GpuStream::GpuStream() { throw CudaError(kNoCuda); }
GpuStream::~GpuStream() = default;

template <class S>
bool gpu_forward(const GpuStream&, spec::OpId, spec::Ins<S>, const spec::AttrMap&, spec::Dense<S>&, const PlantedBugs&) {
  throw CudaError(kNoCuda);
}
template <class S>
bool gpu_vjp(const GpuStream&, spec::OpId, spec::Ins<S>, const spec::Dense<S>&, const spec::Dense<S>&, const spec::AttrMap&, spec::Grads<S>,
             Accumulate, const PlantedBugs&) {
  throw CudaError(kNoCuda);
}
VT_CUDA_INSTANTIATE_GPU_ENTRY_POINTS(float);
VT_CUDA_INSTANTIATE_GPU_ENTRY_POINTS(double);

}  // namespace vt::cuda
#endif
