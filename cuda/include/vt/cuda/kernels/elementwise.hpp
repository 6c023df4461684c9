#pragma once
// Elementwise kernels: one thread per element, calling the op's own VT_HD
// value/grad functions from spec/ (ops/unary.hpp, ops/binary.hpp).
// Backward of a broadcast operand is a reduction. Deterministic (default):
// one thread per operand element gathers its contributions in the order of
// the CPU loop, so results equal the generic CPU code bitwise. Atomic: one
// thread per output element atomically adds into the operand.
#include "vt/cuda/bugs.hpp"
#include "vt/cuda/launch.hpp"
#include "vt/cuda/narrow_index.hpp"
#include "vt/cuda/view.hpp"
#include "vt/spec/ops/activation.hpp"
#include "vt/spec/strided_index.hpp"

namespace vt::cuda::kernels {

// The thread's element, and whether it is in range (bugs: the planted guard
// and index errors).
struct ElementIndex {
  std::int64_t n = 0;
  PlantedBugs bugs{};
  VT_HD bool at(const Thread& t, std::int64_t& i) const {
    if (bugs.narrow_index)
      i = static_cast<std::int64_t>(NarrowIndex(t.block) * NarrowIndex(t.block_dim) + NarrowIndex(t.thread));
    else
      i = t.global();
    return bugs.guard_off_by_one ? i <= n : i < n;
  }
};

template <class Op, class S>
struct UnaryForward {
  View<const S> x;
  View<S> y;
  ElementIndex e;
  VT_HD void operator()(const Thread& t) const {
    std::int64_t i = 0;
    if (e.at(t, i)) y.store(i, Op::value(S(x.load(i))));
  }
};

template <class Op, class S>
struct UnaryBackward {
  View<const S> x, y, g;
  View<S> dx;
  ElementIndex e;
  VT_HD void operator()(const Thread& t) const {
    std::int64_t i = 0;
    if (e.at(t, i)) dx.add(i, Op::grad(S(x.load(i)), S(y.load(i)), S(g.load(i))));
  }
};

template <class Op, class S>
struct BinaryForward {
  View<const S> a, b;
  View<S> y;
  spec::StridedIndex ia, ib;  // y's element -> a's, b's
  ElementIndex e;
  VT_HD void operator()(const Thread& t) const {
    std::int64_t i = 0;
    if (e.at(t, i)) y.store(i, Op::value(S(a.load(ia(i))), S(b.load(ib(i)))));
  }
};

// The contribution of output element i to operand `side`'s gradient.
template <class Op, class S>
struct BinaryTerm {
  View<const S> a, b, y, g;
  spec::StridedIndex ia, ib;
  int side = 0;
  VT_HD S operator()(std::int64_t i) const {
    const S av = a.load(ia(i)), bv = b.load(ib(i)), yv = y.load(i), gv = g.load(i);
    return side == 0 ? Op::grad_a(av, bv, yv, gv) : Op::grad_b(av, bv, yv, gv);
  }
};

// Deterministic: thread j owns dx[j] and adds its terms in increasing i.
template <class Op, class S>
struct BinaryBackwardGather {
  BinaryTerm<Op, S> term;
  View<S> dx;
  spec::ReductionMap r;  // dx's element j -> the output elements that read it
  std::int64_t n = 0;    // dx's elements
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t j = t.global();
    if (j < n) gather_terms(dx, j, r, term);
  }
};

// Atomic: thread i adds output i's term into the element it read.
template <class Op, class S>
struct BinaryBackwardAtomic {
  BinaryTerm<Op, S> term;
  View<S> dx;
  spec::StridedIndex src;  // = ia or ib
  std::int64_t n = 0;      // output elements
  PlantedBugs bugs{};
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i >= n) return;
    if (bugs.accumulate_without_atomic) dx.add(src(i), term(i));
    else dx.atomic_add(src(i), term(i));
  }
};

}  // namespace vt::cuda::kernels

namespace vt::cuda::kernels {

// Elementwise ops with attributes: Op::Params, built once on the host,
// travels with the kernel (ops/unary.hpp's ParamUnary).
template <class Op, class S>
struct ParamUnaryForward {
  View<const S> x;
  View<S> y;
  typename Op::Params p;
  ElementIndex e;
  VT_HD void operator()(const Thread& t) const {
    std::int64_t i = 0;
    if (e.at(t, i)) y.store(i, Op::value(S(x.load(i)), p));
  }
};

template <class Op, class S>
struct ParamUnaryBackward {
  View<const S> x, g;
  View<S> dx;
  typename Op::Params p;
  ElementIndex e;
  VT_HD void operator()(const Thread& t) const {
    std::int64_t i = 0;
    if (e.at(t, i)) dx.add(i, Op::grad(S(x.load(i)), S(g.load(i)), p));
  }
};

// dropout: the mask is a function of (seed, i), so each thread computes its own.
template <class S>
struct DropoutForward {
  View<const S> x;
  View<S> y;
  spec::ops::Dropout::Params p;
  ElementIndex e;
  VT_HD void operator()(const Thread& t) const {
    std::int64_t i = 0;
    if (e.at(t, i)) y.store(i, spec::ops::Dropout::value(S(x.load(i)), p, i));
  }
};

template <class S>
struct DropoutBackward {
  View<const S> g;
  View<S> dx;
  spec::ops::Dropout::Params p;
  ElementIndex e;
  VT_HD void operator()(const Thread& t) const {
    std::int64_t i = 0;
    if (e.at(t, i) && spec::ops::Dropout::passes(p, i)) dx.add(i, spec::ops::Dropout::grad(S(g.load(i)), p));
  }
};

}  // namespace vt::cuda::kernels
