#pragma once
// One generated graph case run on each engine, with everything a property
// compares: every node's value and the gradient of output 0 with respect to
// every parameter, widened to double (exact for f32 and f64).
#include <map>
#include <string>
#include <vector>

#include "vt/cuda/op_kernels.hpp"
#include "vt/proptests/graph_gen.hpp"

namespace vt::proptests {

struct EngineRun {
  std::vector<std::vector<double>> values;             // per node, definition order
  std::map<std::string, std::vector<double>> grads;    // per parameter
};

// The float runtime: the compiled program, an eager Session replaying the
// nodes, and a LinkedSession run twice (recording, then replaying in place)
// with the second run on `second_args`.
template <class S>
EngineRun run_compiled(const GraphCase& c, bool fast_kernels);
template <class S>
EngineRun run_eager(const GraphCase& c, bool fast_kernels);
template <class S>
EngineRun run_linked_second(const GraphCase& c, const std::map<std::string, std::vector<double>>& second_args);

// The compiled program on the CUDA kernels under the host emulator (ops
// without kernels on the host); a kernel at fault throws cuda::KernelFault.
template <class S>
EngineRun run_cuda_emulated(const GraphCase& c, cuda::Accumulate mode);

// "" when the CUDA run equals the generic kernels' run bitwise, except the
// full reductions the CUDA kernels sum as a tree (more than 512 terms),
// which may differ by twice the dot contract, 2 gamma_n sum |terms|; else
// the first node or gradient that differs.
std::string cuda_difference(const GraphCase& c, const EngineRun& cuda, const EngineRun& generic);

// Session::detach against the graph cut at the same place: the eager Session
// (f32, FastKernels) with node `k`'s result detached before any later node
// reads it, and the compiled program of the graph in which node k is an input
// holding that value, must give bitwise the same node values and parameter
// gradients (a parameter without a gradient on one side counts as zeros).
// "" when they do, else where they first differ.
std::string detach_equals_cut(const GraphCase& c, std::size_t k);

// "" when a and b are bitwise equal, else where they first differ.
std::string first_difference(const EngineRun& a, const EngineRun& b, const spec::GraphData& g);

// The exact reference, compiled (lower + run_forward) and eager (record),
// compared value by value and gradient by gradient: "" when identical.
std::string reference_compiled_vs_eager(const GraphCase& c);

// The same arguments, each float perturbed (a different but representable
// value of the same sign pattern where it matters), for second runs.
std::map<std::string, std::vector<double>> perturbed_args(const GraphCase& c);

}  // namespace vt::proptests
