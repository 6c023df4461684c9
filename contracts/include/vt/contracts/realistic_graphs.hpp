#pragma once
// One small graph per op family at the sizes real models use (a 16x64
// linear, 3x3 convolutions over 16 channels, softmax over 128 classes, 4-head
// attention over 32 tokens), where the FastKernels take their other paths:
// GEMMs with K >= 64, the conv's transposed-dW and column-cache paths, 2x2
// pooling over odd widths, norms and sums long enough for partial-sum lanes.
// The property suites draw tiny shapes (dims <= 4); these cases check the
// backward contracts where kernels behave as they do in training, and
// measure how tight the bounds are (bench/contract_tightness.cpp).
//
// Each graph ends in sum(op(...) * %cot): the op's cotangent is the random
// input %cot, not a tensor of ones, so that sums over it cancel as real
// gradients do.
#include <string>
#include <vector>

#include "vt/spec/graph.hpp"

namespace vt::contracts {

struct RealisticCase {
  std::string name;  // the op it is built around, and what is special about it
  std::string op;    // the op-table name of that node
  spec::GraphData graph;
};

// Every case in `dtype` (f32 or f64), verified.
std::vector<RealisticCase> realistic_cases(spec::DType dtype);

}  // namespace vt::contracts
