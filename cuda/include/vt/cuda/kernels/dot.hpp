#pragma once
// matmul and linear as dot-product kernels: one thread per output element
// (of y, or of a gradient) adds its terms in the CPU loop's order through the
// op's own y_dot/da_dot/... functions from spec/ops/matmul.hpp, so results
// equal the generic CPU code bitwise (on a GPU, nvcc may contract a
// multiply-add into an FMA: one rounding fewer, within the same contract).
// Batch-broadcast operands of matmul get their gradient from every batch
// that read them, in batch order (a gather: deterministic, no atomics).
// A tiled or cuBLAS GEMM is the fast path these leave for later.
#include "vt/cuda/launch.hpp"
#include "vt/cuda/view.hpp"
#include "vt/spec/ops/matmul.hpp"
#include "vt/spec/strided_index.hpp"

namespace vt::cuda::kernels {

using spec::ops::Linear;
using spec::ops::Matmul;

struct MatmulDims {
  std::int64_t M = 0, K = 0, N = 0, batches = 0;  // batches: of y
  spec::StridedIndex za, zb;                         // y's batch -> a's, b's
};

template <class S>
struct MatmulForward {
  View<const S> a, b;
  View<S> y;
  MatmulDims d;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t e = t.global();
    if (e >= d.batches * d.M * d.N) return;
    const std::int64_t z = e / (d.M * d.N), m = (e / d.N) % d.M, n = e % d.N;
    y.store(e, Matmul::y_dot(a, b, d.za(z) * d.M * d.K, d.zb(z) * d.K * d.N, m, n, d.K, d.N, S(0)));
  }
};

// Operand `side`'s gradient: thread per element of it; the batches of y
// that read its batch are base(batch) + fiber(j), in increasing order.
template <class S>
struct MatmulBackward {
  View<const S> a, b, g;
  View<S> dx;
  MatmulDims d;
  spec::ReductionMap readers;  // this operand's batch -> y's batches
  int side = 0;
  std::int64_t batches = 0;    // this operand's
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t rows = side == 0 ? d.M : d.K, cols = side == 0 ? d.K : d.N;
    const std::int64_t e = t.global();
    if (e >= batches * rows * cols) return;
    const std::int64_t zb_own = e / (rows * cols), r = (e / cols) % rows, c = e % cols;
    S acc = dx.load(e);
    const std::int64_t base = readers.base(zb_own), count = readers.fiber.count();
    for (std::int64_t j = 0; j < count; ++j) {
      const std::int64_t z = base + readers.fiber(j), go = z * d.M * d.N;
      if (side == 0) acc = acc + Matmul::da_dot(g, b, go, d.zb(z) * d.K * d.N, r, c, d.N, S(0));
      else acc = acc + Matmul::db_dot(a, g, d.za(z) * d.M * d.K, go, r, c, d.M, d.K, d.N, S(0));
    }
    dx.store(e, acc);
  }
};

struct LinearDims {
  std::int64_t R = 0, O = 0, I = 0;
};

template <class S>
struct LinearForward {
  View<const S> x, w, bias;  // bias absent: data null
  View<S> y;
  LinearDims d;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t e = t.global();
    if (e >= d.R * d.O) return;
    const std::int64_t r = e / d.O, o = e % d.O;
    S acc = Linear::y_dot(x, w, r, o, d.I, S(0));
    if (bias.data) acc += bias.load(o);
    y.store(e, acc);
  }
};

// which: 0 dx [R, I], 1 dW [O, I], 2 db [O].
template <class S>
struct LinearBackward {
  View<const S> x, w, g;
  View<S> dx;
  LinearDims d;
  int which = 0;
  VT_HD void operator()(const Thread& t) const {
    const std::int64_t e = t.global();
    if (which == 0 && e < d.R * d.I) dx.add(e, Linear::dx_dot(g, w, e / d.I, e % d.I, d.O, d.I, S(0)));
    if (which == 1 && e < d.O * d.I) dx.add(e, Linear::dw_dot(g, x, e / d.I, e % d.I, d.R, d.O, d.I, S(0)));
    if (which == 2 && e < d.O) dx.add(e, Linear::db_sum(g, e, d.R, d.O, S(0)));
  }
};

}  // namespace vt::cuda::kernels
