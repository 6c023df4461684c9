#pragma once
// The code paths of the FastKernels and the sizes at which a kernel switches
// from one to another, exported by the kernels themselves (the table is built
// from the very constants and predicates the kernels branch on). Generators
// draw dimensions around these sizes so that both sides of every switch get
// tested (proptests' realistic profile), and a test checks that generated
// graphs take every path listed here. A kernel that grows a new path adds it
// to this table, or the path goes untested.
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "vt/spec/attrs.hpp"
#include "vt/spec/shape.hpp"

namespace vt::rt {

struct KernelPath {
  std::string_view op;    // the op-table name of the kernel
  std::string_view path;  // which path, and when it is taken
  // Whether a node of `op` with these operand shapes, attributes and result
  // shape runs this path (forward or backward). Backward paths are counted
  // as if every gradient were wanted, as the contract audit asks for them;
  // a window path counts when the node has such windows, not all of them.
  std::function<bool(const std::vector<spec::Shape>& in, const spec::AttrMap& attrs, const spec::Shape& y)> taken;
  std::vector<std::int64_t> sizes;  // dimensions on both sides of the switch
  // Empty, or why the realistic profile cannot reach the path and which test
  // covers it instead.
  std::string_view beyond;
};

// Every FastKernel op appears at least once (single-path kernels as one entry).
const std::vector<KernelPath>& kernel_paths();

// The op names of the table, each once, in table order.
std::vector<std::string_view> fast_kernel_ops();

// The `sizes` entries of the table (of op's entries only, when op is given),
// sorted, each once.
std::vector<std::int64_t> kernel_path_sizes(std::string_view op = {});

}  // namespace vt::rt
