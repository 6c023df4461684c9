#pragma once
// The CUDA kernels as a tape backend, run by the host emulator: each op's
// kernels run thread by thread with every access checked, and a finding
// aborts the op with a KernelFault that names the kernel, thread, buffer and
// index.
#include "vt/cuda/emulated_device.hpp"
#include "vt/cuda/kernel_backend.hpp"

namespace vt::cuda {

// One op call's kernels on a fresh emulator and device.
template <class S>
struct EmulatedRunner {
  bool forward(spec::OpId op, spec::Ins<S> in, const spec::AttrMap& attrs, spec::Dense<S>& out, const PlantedBugs& bugs) const {
    Emulator emu;
    EmulatedDevice dev(emu);
    return forward_kernels<S>(dev, op, in, attrs, out, bugs);
  }
  bool vjp(spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Grads<S> dx,
           Accumulate mode, const PlantedBugs& bugs) const {
    Emulator emu;
    EmulatedDevice dev(emu);
    return vjp_kernels<S>(dev, op, in, y, g, attrs, dx, mode, bugs);
  }
};

template <class S>
using EmulatedBackend = KernelBackend<S, EmulatedRunner<S>>;

}  // namespace vt::cuda
