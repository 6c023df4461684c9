#pragma once
// The same kernels on a real GPU. GpuBackend is a tape backend like the
// emulated one: values stay in host tensors, and each op call copies its
// operands to device buffers (RAII), launches the kernels on the backend's
// stream, and copies the results back. Every CUDA call is checked; a failure
// throws CudaError naming the call, the kernel or op, and CUDA's message.
// Device-resident tensors (no per-op copies) are the GPU training issue's work.
//
// Without nvcc at configure time (VT_HAVE_CUDA = 0) everything here still
// links: gpu_status() says why there is no GPU and GpuBackend refuses to start.
#include <stdexcept>
#include <string>

#include "vt/cuda/bugs.hpp"
#include "vt/cuda/kernel_backend.hpp"

namespace vt::cuda {

struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GpuStatus {
  bool available = false;
  int devices = 0;
  std::string device_name;  // device 0
  std::string reason;       // why not available: no CUDA in this build, no device, no driver
};
GpuStatus gpu_status();

// One stream; owned by the backend, used by every op call.
class GpuStream {
 public:
  GpuStream();  // throws CudaError (or, without CUDA in the build, a CudaError that says so)
  ~GpuStream();
  GpuStream(const GpuStream&) = delete;
  GpuStream& operator=(const GpuStream&) = delete;
  void* handle() const { return handle_; }

 private:
  void* handle_ = nullptr;
};

// Defined for float and double in gpu_backend.cu (nvcc) or gpu_unavailable.cpp
// (no nvcc), both instantiating them with VT_CUDA_INSTANTIATE_GPU_ENTRY_POINTS.
template <class S>
bool gpu_forward(const GpuStream& s, spec::OpId op, spec::Ins<S> in, const spec::AttrMap& a, spec::Dense<S>& y, const PlantedBugs& bugs);
template <class S>
bool gpu_vjp(const GpuStream& s, spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, const spec::AttrMap& a,
             spec::Grads<S> dx, Accumulate mode, const PlantedBugs& bugs);
#define VT_CUDA_INSTANTIATE_GPU_ENTRY_POINTS(S)                                                                               \
  template bool gpu_forward<S>(const GpuStream&, spec::OpId, spec::Ins<S>, const spec::AttrMap&, spec::Dense<S>&, const PlantedBugs&); \
  template bool gpu_vjp<S>(const GpuStream&, spec::OpId, spec::Ins<S>, const spec::Dense<S>&, const spec::Dense<S>&, const spec::AttrMap&, \
                           spec::Grads<S>, Accumulate, const PlantedBugs&)

// One op call's kernels on the backend's stream.
template <class S>
struct GpuRunner {
  GpuStream stream;
  bool forward(spec::OpId op, spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& out, const PlantedBugs& bugs) const {
    return gpu_forward<S>(stream, op, in, attrs, out, bugs);
  }
  bool vjp(spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
           Accumulate mode, const PlantedBugs& bugs) const {
    return gpu_vjp<S>(stream, op, in, y, g, attrs, dx, mode, bugs);
  }
};

template <class S>
using GpuBackend = KernelBackend<S, GpuRunner<S>>;

}  // namespace vt::cuda
