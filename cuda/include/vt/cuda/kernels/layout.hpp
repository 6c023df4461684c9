#pragma once
// Ops that move elements (permute, transpose, reshape, flatten,
// broadcast_to): y[i] = x[src(i)]. Backward of a one-to-one map scatters
// each g[i] to its own dx[src(i)] (no two threads share an element); backward
// of broadcast_to gathers each dx[j]'s cotangents in the CPU loop's order.
#include "vt/cuda/launch.hpp"
#include "vt/cuda/view.hpp"
#include "vt/spec/strided_index.hpp"

namespace vt::cuda::kernels {

template <class S>
struct Move {
  View<const S> x;
  View<S> y;
  spec::StridedIndex src;
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i < n) y.store(i, x.load(src(i)));
  }
};

template <class S>
struct MoveBackward {
  View<const S> g;
  View<S> dx;
  spec::StridedIndex src;
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i < n) dx.add(src(i), g.load(i));
  }
};

template <class S>
struct GatherSum {
  View<const S> g;
  View<S> dx;
  spec::ReductionMap r;  // dx's element -> the g elements that read it
  std::int64_t n = 0;    // dx's elements
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t j = t.global();
    if (j < n) gather_terms(dx, j, r, [this](std::int64_t i) { return S(g.load(i)); });
  }
};

}  // namespace vt::cuda::kernels
