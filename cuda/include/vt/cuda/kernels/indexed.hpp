#pragma once
// Kernels for the data-dependent index ops (gather, embedding, scatter_add,
// concat). The host validates the indices and tabulates the op's own index
// map (spec's source/maps/for_each, which name a bad index); the kernels move
// and accumulate through that table. Accumulation with repeated indices is
// deterministic by default: the host groups the table by destination (CSR, in
// the CPU loop's order) and one thread per destination adds its terms in
// that order, so results equal the generic CPU code bitwise; the atomic mode
// adds with one thread per term.
#include <cstdint>
#include <vector>

#include "vt/cuda/bugs.hpp"
#include "vt/cuda/launch.hpp"
#include "vt/cuda/view.hpp"
#include "vt/spec/ops/constant.hpp"

namespace vt::cuda::kernels {

// y[i] = x[src[i]].
template <class S>
struct IndexedCopy {
  View<const S> x;
  View<S> y;
  View<const std::int64_t> src;
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i < n) y.store(i, x.load(src.load(i)));
  }
};

// y[dst[i]] = x[i] (dst one-to-one).
template <class S>
struct IndexedStore {
  View<const S> x;
  View<S> y;
  View<const std::int64_t> dst;
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i < n) y.store(dst.load(i), x.load(i));
  }
};

// out[to(i)] += in[from(i)], to one-to-one (an absent table is the identity).
template <class S>
struct IndexedAdd {
  View<const S> in;
  View<S> out;
  View<const std::int64_t> to, from;
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i < n) out.add(to.data ? to.load(i) : i, in.load(from.data ? from.load(i) : i));
  }
};

// Deterministic accumulation: out[j] += in[cols[k]] for k in offsets[j] ..
// offsets[j + 1], in that order.
template <class S>
struct CsrSum {
  View<const S> in;
  View<S> out;
  View<const std::int64_t> offsets, cols;
  std::int64_t n = 0;  // out's elements
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t j = t.global();
    if (j >= n) return;
    const std::int64_t begin = offsets.load(j), end = offsets.load(j + 1);
    if (begin == end) return;  // untouched, as on the CPU
    S acc = out.load(j);
    for (std::int64_t k = begin; k < end; ++k) acc = acc + in.load(cols.load(k));
    out.store(j, acc);
  }
};

// Atomic accumulation: out[to[i]] += in[from(i)], one thread per term.
template <class S>
struct AtomicScatter {
  View<const S> in;
  View<S> out;
  View<const std::int64_t> to, from;
  std::int64_t n = 0;
  PlantedBugs bugs{};
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i >= n) return;
    const S v = in.load(from.data ? from.load(i) : i);
    if (bugs.accumulate_without_atomic) out.add(to.load(i), v);
    else out.atomic_add(to.load(i), v);
  }
};

// Creation ops (constant, full, arange): y[i] from a value, a list the host
// uploads, or arange's element i.
template <class S>
struct Generate {
  View<S> y;
  View<const double> list = {};  // constant's list form; else absent
  double value = 0, start = 0, step = 0;
  bool arange = false, f32 = false;
  std::int64_t n = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i >= n) return;
    const double v = arange ? spec::ops::Arange::element_at(start, step, f32, i) : list.data ? list.load(i) : value;
    y.store(i, spec::ScalarTraits<S>::from_double(S(0), v));
  }
};

// The CSR form of "out[to[i]] += in[from[i]] for i in order" over out's n elements.
struct Csr {
  std::vector<std::int64_t> offsets, cols;
};
inline Csr group_by_destination(const std::vector<std::int64_t>& to, const std::vector<std::int64_t>* from, std::int64_t n) {
  Csr c;
  c.offsets.assign(static_cast<std::size_t>(n) + 1, 0);
  for (const std::int64_t d : to) ++c.offsets[static_cast<std::size_t>(d) + 1];
  for (std::size_t j = 0; j < static_cast<std::size_t>(n); ++j) c.offsets[j + 1] += c.offsets[j];
  std::vector<std::int64_t> next(c.offsets.begin(), c.offsets.end() - 1);
  c.cols.resize(to.size());
  for (std::size_t i = 0; i < to.size(); ++i)
    c.cols[static_cast<std::size_t>(next[static_cast<std::size_t>(to[i])]++)] = from ? (*from)[i] : static_cast<std::int64_t>(i);
  return c;
}

}  // namespace vt::cuda::kernels
