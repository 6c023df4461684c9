#pragma once
// Reductions over axes (sum, mean) and their backward passes.
// Axis reduction: one thread per output element walks its inputs in
// increasing order (the CPU loop's order: bitwise equal results).
// Full reduction of a long tensor: a two-pass tree. Pass 1 gives each block a
// slice of 2 * threads elements, pairs them into shared memory and halves the
// active threads at each barrier; pass 2 adds the per-block partials in block
// order. Deterministic, but in a different order than the CPU loop, so it is
// held to sum's dot contract rather than to bitwise equality.
#include "vt/cuda/bugs.hpp"
#include "vt/cuda/launch.hpp"
#include "vt/cuda/view.hpp"
#include "vt/spec/scalar.hpp"
#include "vt/spec/strided_index.hpp"

namespace vt::cuda::kernels {

// Full reductions of more terms than this (two blocks' worth) sum as the
// tree; shorter ones in order, one thread (the CPU loop's sum, bitwise).
inline constexpr std::int64_t kTreeSumAbove = 2 * kBlockThreads;

template <class S>
struct AxisReduce {
  View<const S> x;
  View<S> y;
  spec::ReductionMap r;  // y's element -> the x elements it sums
  std::int64_t n = 0;    // y's elements
  long divisor = -1;     // mean: elements per output (0 gives NaN, as 0/0); sum: -1
  PlantedBugs bugs{};
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t o = t.global();
    if (o >= n - (bugs.skip_last_output ? 1 : 0)) return;
    S acc = S(0);
    const std::int64_t base = r.base(o), terms = r.fiber.count();
    for (std::int64_t k = 0; k < terms; ++k) acc = acc + x.load(base + r.fiber(k));
    if (divisor >= 0) acc = acc / spec::K(acc, divisor);
    y.store(o, acc);
  }
};

// Pass 1: partial[b] = sum of x[2 * threads * b .. 2 * threads * (b + 1)).
template <class S>
struct BlockSum {
  using Scalar = S;
  static constexpr int phases = 10;  // load, 8 halvings (256 threads), write
  View<const S> x;
  View<S> partial;
  std::int64_t n = 0;
  VT_HD bool operator()(int phase, const Thread& t, View<S> shared) const {
    const int step = t.block_dim >> phase;  // active threads after `phase` halvings
    if (phase == 0) {
      const std::int64_t i = t.block * 2 * t.block_dim + t.thread;
      S v = i < n ? S(x.load(i)) : S(0);
      if (i + t.block_dim < n) v = v + x.load(i + t.block_dim);
      shared.store(t.thread, v);
      return true;
    }
    if (phase < phases - 1) {
      if (t.thread < step) shared.store(t.thread, S(shared.load(t.thread) + shared.load(t.thread + step)));
      return true;
    }
    if (t.thread == 0) partial.store(t.block, shared.load(0));
    return true;
  }
};

// Pass 2: one thread adds the partials in block order.
template <class S>
struct SumPartials {
  View<const S> partial;
  View<S> y;
  std::int64_t blocks = 0;
  long divisor = -1;  // as AxisReduce
  VT_HD void operator()(const Thread& t) const {
    if (t.global() != 0) return;
    S acc = S(0);
    for (std::int64_t b = 0; b < blocks; ++b) acc = acc + partial.load(b);
    if (divisor >= 0) acc = acc / spec::K(acc, divisor);
    y.store(0, acc);
  }
};

// Backward of sum/mean: dx[i] += g[the output i fed] (/ divisor).
template <class S>
struct ReduceBackward {
  View<const S> g;
  View<S> dx;
  spec::StridedIndex out;  // x's element -> y's element
  std::int64_t n = 0;      // x's elements
  long divisor = -1;  // as AxisReduce
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i >= n) return;
    const S gi = g.load(out(i));
    dx.add(i, divisor >= 0 ? S(gi / spec::K(gi, divisor)) : gi);
  }
};

}  // namespace vt::cuda::kernels
