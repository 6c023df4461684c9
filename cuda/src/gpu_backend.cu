// The GPU device of op_kernels.hpp: device buffers, launches of the kernel
// functors as __global__ functions, and error checks on every CUDA call.
#include <cuda_runtime.h>

#include <climits>
#include <string>
#include <vector>

#include "vt/cuda/gpu.hpp"

namespace vt::cuda {

namespace {

void check(cudaError_t e, const char* call, const std::string& what) {
  if (e != cudaSuccess)
    throw CudaError(std::string(call) + " failed in " + what + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

template <class K>
__global__ void run_kernel(K k) {
  k(Thread{static_cast<std::int64_t>(blockIdx.x), static_cast<int>(threadIdx.x), static_cast<int>(blockDim.x),
           static_cast<std::int64_t>(gridDim.x)});
}

// Barrier phases as the emulator runs them: a thread that returns false leaves
// (the emulator reports the divergence that would follow).
template <class K>
__global__ void run_phased(K k) {
  using S = typename K::Scalar;
  extern __shared__ unsigned char shared_bytes[];
  const View<S> shared{reinterpret_cast<S*>(shared_bytes), static_cast<std::int64_t>(blockDim.x), nullptr};
  const Thread t{static_cast<std::int64_t>(blockIdx.x), static_cast<int>(threadIdx.x), static_cast<int>(blockDim.x),
                 static_cast<std::int64_t>(gridDim.x)};
  for (int p = 0; p < K::phases; ++p) {
    if (!k(p, t, shared)) return;
    if (p + 1 < K::phases) __syncthreads();
  }
}

// A device allocation freed on scope exit.
class DeviceBuffer {
 public:
  DeviceBuffer(std::size_t bytes, const char* name) {
    if (bytes) check(cudaMalloc(&ptr_, bytes), "cudaMalloc", name);
  }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_) { o.ptr_ = nullptr; }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(DeviceBuffer&&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
};

class GpuDevice {
 public:
  explicit GpuDevice(const GpuStream& s) : stream_(static_cast<cudaStream_t>(s.handle())) {}

  template <class S>
  View<const S> in(const spec::Dense<S>& d, const char* name) {
    S* p = upload(d, name);
    return {p, d.numel(), nullptr};
  }
  template <class S>
  View<S> out(spec::Dense<S>& d, const char* name) {
    S* p = allocate<S>(d.numel(), name);
    copy_back_.push_back({p, d.data.data(), d.data.size() * sizeof(S), name});
    return {p, d.numel(), nullptr};
  }
  template <class S>
  View<S> inout(spec::Dense<S>& d, const char* name) {
    S* p = upload(d, name);
    copy_back_.push_back({p, d.data.data(), d.data.size() * sizeof(S), name});
    return {p, d.numel(), nullptr};
  }
  template <class T>
  View<const T> table(const std::vector<T>& v, const char* name) {
    T* p = allocate<T>(static_cast<std::int64_t>(v.size()), name);
    if (!v.empty())
      check(cudaMemcpyAsync(p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (host to device)", name);
    return {p, static_cast<std::int64_t>(v.size()), nullptr};
  }
  template <class S>
  View<S> scratch(std::int64_t n, const char* name) {
    return {allocate<S>(n, name), n, nullptr};
  }

  template <class K>
  void launch(const Launch& l, const K& k) {
    check_grid(l);
    run_kernel<<<static_cast<unsigned>(l.blocks), static_cast<unsigned>(l.threads), 0, stream_>>>(k);
    check(cudaGetLastError(), "kernel launch", l.kernel);
  }
  template <class K>
  void launch_phased(const Launch& l, const K& k) {
    check_grid(l);
    const std::size_t shared = static_cast<std::size_t>(l.threads) * sizeof(typename K::Scalar);
    run_phased<<<static_cast<unsigned>(l.blocks), static_cast<unsigned>(l.threads), shared, stream_>>>(k);
    check(cudaGetLastError(), "kernel launch", l.kernel);
  }

  void finish(const std::string& what) {
    check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", what);
    for (const CopyBack& c : copy_back_)
      check(cudaMemcpyAsync(c.host, c.device, c.bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync (device to host)",
            what + ", buffer " + c.name);
    check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", what);
    copy_back_.clear();
  }

 private:
  struct CopyBack {
    void* device;
    void* host;
    std::size_t bytes;
    const char* name;
  };
  static void check_grid(const Launch& l) {
    if (l.blocks > INT_MAX) throw CudaError(std::string("kernel ") + l.kernel + ": " + std::to_string(l.blocks) + " blocks exceed gridDim.x");
  }
  template <class S>
  S* allocate(std::int64_t n, const char* name) {
    buffers_.emplace_back(static_cast<std::size_t>(n) * sizeof(S), name);
    return static_cast<S*>(buffers_.back().get());
  }
  template <class S>
  S* upload(const spec::Dense<S>& d, const char* name) {
    S* p = allocate<S>(d.numel(), name);
    if (d.numel())
      check(cudaMemcpyAsync(p, d.data.data(), d.data.size() * sizeof(S), cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (host to device)",
            name);
    return p;
  }

  cudaStream_t stream_;
  std::vector<DeviceBuffer> buffers_;
  std::vector<CopyBack> copy_back_;
};

}  // namespace

GpuStatus gpu_status() {
  GpuStatus s;
  const cudaError_t e = cudaGetDeviceCount(&s.devices);
  if (e != cudaSuccess || s.devices == 0) {
    // No driver (cudaErrorInsufficientDriver, 35) or no device (cudaErrorNoDevice, 100) both mean: no GPU here.
    s.devices = 0;
    s.reason = std::string("no CUDA device (cudaGetDeviceCount: ") + cudaGetErrorName(e) + ")";
    cudaGetLastError();  // clear the sticky error
    return s;
  }
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, 0) == cudaSuccess) s.device_name = p.name;
  s.available = true;
  return s;
}

GpuStream::GpuStream() {
  const GpuStatus st = gpu_status();
  if (!st.available) throw CudaError(st.reason);
  cudaStream_t s = nullptr;
  check(cudaStreamCreate(&s), "cudaStreamCreate", "the GPU backend");
  handle_ = s;
}
GpuStream::~GpuStream() {
  if (handle_) cudaStreamDestroy(static_cast<cudaStream_t>(handle_));
}

template <class S>
bool gpu_forward(const GpuStream& s, spec::OpId op, spec::Ins<S> in, const spec::AttrMap& a, spec::Dense<S>& y, const PlantedBugs& bugs) {
  GpuDevice dev(s);
  return forward_kernels<S>(dev, op, in, a, y, bugs);
}
template <class S>
bool gpu_vjp(const GpuStream& s, spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, const spec::AttrMap& a,
             spec::Grads<S> dx, Accumulate mode, const PlantedBugs& bugs) {
  GpuDevice dev(s);
  return vjp_kernels<S>(dev, op, in, y, g, a, dx, mode, bugs);
}

VT_CUDA_INSTANTIATE_GPU_ENTRY_POINTS(float);
VT_CUDA_INSTANTIATE_GPU_ENTRY_POINTS(double);

}  // namespace vt::cuda
