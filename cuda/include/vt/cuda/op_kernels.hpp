#pragma once
// Which kernels run an op, written once over the device (the host emulator's
// EmulatedDevice or the GPU's GpuDevice): buffers in, launches, buffers out.
// forward_kernels/vjp_kernels return false for an op that has no kernel yet;
// the backend then runs the op table's generic code on the host and counts it
// (host_fallbacks()), so a report always says which ops ran on kernels.
#include <string>
#include <type_traits>

#include "vt/cuda/kernels/dot.hpp"
#include "vt/cuda/kernels/elementwise.hpp"
#include "vt/cuda/kernels/indexed.hpp"
#include "vt/cuda/kernels/lanes.hpp"
#include "vt/cuda/kernels/layout.hpp"
#include "vt/cuda/kernels/reduce.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::cuda {

// How accumulating backward passes add into a shared element.
enum class Accumulate : std::uint8_t { deterministic, atomic };

namespace ops = spec::ops;

template <class Op>
inline constexpr bool is_unary_op = std::is_base_of_v<ops::Unary<Op>, Op>;
template <class Op>
inline constexpr bool is_binary_op = std::is_base_of_v<ops::Binary<Op>, Op>;
template <class Op>
inline constexpr bool is_layout_op = std::is_base_of_v<ops::Gather<Op>, Op>;
template <class Op>
inline constexpr bool is_axes_reduction_op = std::is_same_v<Op, ops::Sum> || std::is_same_v<Op, ops::Mean>;
template <class Op>
inline constexpr bool is_softmax_op = std::is_same_v<Op, ops::Softmax> || std::is_same_v<Op, ops::LogSoftmax>;
template <class Op>
inline constexpr bool is_loss_op = std::is_same_v<Op, ops::MseLoss> || std::is_same_v<Op, ops::CrossEntropy>;

// The extreme family (max, min, amax, amin, argmax, argmin) and its two
// switches, as extreme.hpp declares them.
template <class Op>
concept ExtremeOp = requires { Op::largest_flag; Op::mode_flag; };
template <class Op>
struct ExtremeOf {
  static constexpr bool largest = Op::largest_flag;
  static constexpr ops::extreme::Grad mode = Op::mode_flag;
};

template <class Op>
inline constexpr bool is_param_unary_op = std::is_base_of_v<ops::ParamUnary<Op>, Op> || std::is_same_v<Op, ops::Pow>;

template <class Op>
inline constexpr bool is_indexed_op = std::is_same_v<Op, ops::GatherOp> || std::is_same_v<Op, ops::Embedding> ||
                                      std::is_same_v<Op, ops::ScatterAdd> || std::is_same_v<Op, ops::Concat>;

template <class Op>
inline constexpr bool is_creation_op = std::is_same_v<Op, ops::Constant> || std::is_same_v<Op, ops::Full> || std::is_same_v<Op, ops::Arange>;

template <class Op>
inline constexpr bool is_dot_op = std::is_same_v<Op, ops::Matmul> || std::is_same_v<Op, ops::Linear>;

template <class Op>
inline constexpr bool has_kernels = std::is_same_v<Op, ops::LayerNorm> || is_dot_op<Op> || is_creation_op<Op> || is_unary_op<Op> || is_binary_op<Op> || is_param_unary_op<Op> || std::is_same_v<Op, ops::Dropout> || is_indexed_op<Op> ||
                                    is_layout_op<Op> || is_axes_reduction_op<Op> || is_softmax_op<Op> || is_loss_op<Op> || ExtremeOp<Op>;

// Every op with kernels, by name (docs and reports list them from here).
std::vector<std::string> ops_with_kernels();

// Whether this op application fits the kernels (every shape within kKernelMaxRank).
template <class S>
bool kernel_shapes_ok(spec::Ins<S> in, const spec::Dense<S>& y) {
  for (const spec::Dense<S>* x : in)
    if (x && !spec::kernel_rank_ok(x->shape)) return false;
  return spec::kernel_rank_ok(y.shape);
}

namespace detail {

template <class Op>
long reduction_divisor(const spec::Shape& in, const spec::Shape& out) {
  if constexpr (std::is_same_v<Op, ops::Mean>) return ops::Mean::count(in, out);
  else return -1;  // sum: no division
}

// y[0] = (sum of the n terms) / divisor (none when divisor < 0). Up to
// kTreeSumAbove terms: one thread in order (the CPU loop's sum, bitwise);
// more: the two-pass tree.
template <class S, class Dev>
void sum_all(Dev& dev, View<const S> terms, std::int64_t n, View<S> y, long divisor, const PlantedBugs& bugs) {
  if (n > kernels::kTreeSumAbove) {
    const std::int64_t per_block = 2 * kBlockThreads;
    const std::int64_t blocks = bugs.drop_partial_block ? std::max<std::int64_t>(1, n / per_block) : (n + per_block - 1) / per_block;
    const auto partial = dev.template scratch<S>(blocks, "partial sums");
    dev.launch_phased(Launch{"block_sum", blocks, kBlockThreads}, kernels::BlockSum<S>{terms, partial, n});
    dev.launch(Launch{"sum_partials", 1, 1}, kernels::SumPartials<S>{partial, y, blocks, divisor});
    return;
  }
  dev.launch(Launch{"sum_in_order", 1, 1},
             kernels::AxisReduce<S>{terms, y, spec::reduction_map(spec::Shape{}, spec::Shape{n}), 1, divisor, bugs});
}

template <class Op, class S, class Dev>
void axes_reduction_forward(Dev& dev, const spec::Dense<S>& x, const spec::AttrMap& a, spec::Dense<S>& y, const PlantedBugs& bugs) {
  const spec::Shape kept = spec::rule::reduce_shape(x.shape, spec::rule::reduced_axes(x.shape, a), true);
  const long divisor = reduction_divisor<Op>(x.shape, y.shape);
  const auto xv = dev.in(x, "x");
  const auto yv = dev.out(y, "y");
  if (y.numel() == 1) return sum_all<S>(dev, xv, x.numel(), yv, divisor, bugs);
  dev.launch(launch_over("axis_reduce", y.numel()), kernels::AxisReduce<S>{xv, yv, spec::reduction_map(kept, x.shape), y.numel(), divisor, bugs});
}

template <class Op, class S, class Dev>
void loss_forward(Dev& dev, spec::Ins<S> in, spec::Dense<S>& y, const PlantedBugs& bugs) {
  const spec::Dense<S>&x = *in[0], &t = *in[1];
  const auto yv = dev.out(y, "y");
  if constexpr (std::is_same_v<Op, ops::MseLoss>) {
    const auto terms = dev.template scratch<S>(x.numel(), "squared differences");
    dev.launch(launch_over("mse_terms", x.numel()), kernels::SquareDiff<S>{dev.in(x, "x"), dev.in(t, "target"), terms, x.numel()});
    sum_all<S>(dev, terms, x.numel(), yv, static_cast<long>(x.numel()), bugs);
  } else {
    const std::int64_t rows = x.shape[0], classes = x.shape[1];
    for (std::int64_t n = 0; n < rows; ++n) ops::CrossEntropy::target(t, n, classes);  // DomainError naming a bad target
    const auto terms = dev.template scratch<S>(rows, "row losses");
    dev.launch(launch_over("cross_entropy_rows", rows),
               kernels::CrossEntropyRows<S>{dev.in(x, "logits"), dev.in(t, "target"), terms, rows, classes});
    sum_all<S>(dev, terms, rows, yv, static_cast<long>(rows), bugs);
  }
}

// The extreme family's axes: the one named, or all.
inline spec::Shape extreme_kept(const spec::Shape& s, const spec::AttrMap& a) {
  return spec::rule::reduce_shape(s, ops::extreme::axes(s, a), true);
}

template <class Op, class S, class Dev>
void extreme_forward(Dev& dev, const spec::Dense<S>& x, const spec::AttrMap& a, spec::Dense<S>& y) {
  using E = ExtremeOf<Op>;
  const bool index = E::mode == ops::extreme::Grad::None;
  std::int64_t stride = 1, n = x.numel();
  if (index && a.has("axis")) {
    const std::size_t ax = spec::normalize_axis(a.get_int("axis"), x.shape.rank());
    stride = spec::axis_view(x.shape, ax).inner, n = x.shape[ax];
  }
  dev.launch(launch_over(Op::name.data(), y.numel()),
             kernels::ExtremeForward<E::largest, S>{dev.in(x, "x"), dev.out(y, "y"), spec::reduction_map(extreme_kept(x.shape, a), x.shape),
                                                    y.numel(), index, stride, n});
}

template <class Op, class S, class Dev>
void extreme_vjp(Dev& dev, const spec::Dense<S>& x, const spec::Dense<S>& y, const spec::Dense<S>& g, const spec::AttrMap& a,
                 spec::Dense<S>& dx) {
  using E = ExtremeOf<Op>;
  const spec::Shape kept = extreme_kept(x.shape, a);
  const spec::ReductionMap r = spec::reduction_map(kept, x.shape);
  const auto xv = dev.in(x, "x"), gv = dev.in(g, "g");
  const auto dv = dev.inout(dx, "dx");
  if (E::mode == ops::extreme::Grad::ToIndex && a.has("axis")) {
    dev.launch(launch_over(Op::name.data(), y.numel()), kernels::ExtremeToIndexBackward<E::largest, S>{xv, gv, dv, r, y.numel()});
    return;
  }
  const auto yv = dev.in(y, "y");
  const auto ties = dev.template scratch<std::int64_t>(y.numel(), "ties");
  dev.launch(launch_over("count_ties", y.numel()), kernels::CountTies<S>{xv, yv, ties, r, y.numel()});
  dev.launch(launch_over("share_among_ties", x.numel()),
             kernels::ShareAmongTies<S>{xv, yv, gv, ties, dv, spec::broadcast_map(kept, x.shape), x.numel()});
}

}  // namespace detail

namespace detail {

// `name`: the op's (pow's two-input form runs PowTensor's scalar functions).
template <class Op, class S, class Dev>
void binary_forward(Dev& dev, const char* name, spec::Ins<S> in, spec::Dense<S>& y, const PlantedBugs& bugs) {
  dev.launch(launch_over(name, y.numel()),
             kernels::BinaryForward<Op, S>{dev.in(*in[0], "a"), dev.in(*in[1], "b"), dev.out(y, "y"), spec::broadcast_map(in[0]->shape, y.shape),
                                           spec::broadcast_map(in[1]->shape, y.shape), kernels::ElementIndex{y.numel(), bugs}});
}

template <class Op, class S, class Dev>
void binary_vjp(Dev& dev, const char* name, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, spec::Grads<S> dx, Accumulate mode,
                const PlantedBugs& bugs) {
  const spec::StridedIndex ia = spec::broadcast_map(in[0]->shape, y.shape), ib = spec::broadcast_map(in[1]->shape, y.shape);
  const auto av = dev.in(*in[0], "a"), bv = dev.in(*in[1], "b"), yv = dev.in(y, "y"), gv = dev.in(g, "g");
  for (int side = 0; side < 2; ++side) {
    if (!dx[side]) continue;
    const kernels::BinaryTerm<Op, S> term{av, bv, yv, gv, ia, ib, side};
    const auto dv = dev.inout(*dx[side], side == 0 ? "da" : "db");
    if (mode == Accumulate::atomic)
      dev.launch(launch_over(name, y.numel()), kernels::BinaryBackwardAtomic<Op, S>{term, dv, side == 0 ? ia : ib, y.numel(), bugs});
    else
      dev.launch(launch_over(name, dx[side]->numel()),
                 kernels::BinaryBackwardGather<Op, S>{term, dv, spec::reduction_map(in[side]->shape, y.shape), dx[side]->numel()});
  }
}

// out[to[i]] += in[from(i)] for every i, deterministic (CSR, the CPU order) or atomic.
template <class S, class Dev>
void scatter_sum(Dev& dev, View<const S> in, View<S> out, std::int64_t out_n, const std::vector<std::int64_t>& to,
                 const std::vector<std::int64_t>* from, Accumulate mode, const PlantedBugs& bugs) {
  const std::int64_t n = static_cast<std::int64_t>(to.size());
  if (mode == Accumulate::atomic) {
    dev.launch(launch_over("scatter_atomic", n),
               kernels::AtomicScatter<S>{in, out, dev.table(to, "destinations"), from ? dev.table(*from, "sources") : View<const std::int64_t>{}, n, bugs});
    return;
  }
  const kernels::Csr c = kernels::group_by_destination(to, from, out_n);
  dev.launch(launch_over("scatter_in_order", out_n), kernels::CsrSum<S>{in, out, dev.table(c.offsets, "offsets"), dev.table(c.cols, "terms"), out_n});
}

// gather's and embedding's source index per output element (validated by the op).
template <class Op, class S>
std::vector<std::int64_t> source_table(spec::Ins<S> in, const spec::AttrMap& a, std::int64_t out_numel) {
  if constexpr (std::is_same_v<Op, ops::GatherOp>) return Op::source(*in[0], *in[1], a);
  else return Op::source(*in[0], *in[1], out_numel);
}

// concat: for each input, where each of its elements lands in the output.
template <class S>
std::vector<std::vector<std::int64_t>> concat_destinations(spec::Ins<S> in, const spec::Shape& out, const spec::AttrMap& a) {
  std::vector<std::vector<std::int64_t>> dst(in.size());
  ops::Concat::for_each(ops::Concat::shapes(in), out, a, [&](std::size_t k, std::int64_t, std::int64_t j) { dst[k].push_back(j); });
  return dst;
}

template <class Op, class S, class Dev>
void indexed_forward(Dev& dev, spec::Ins<S> in, const spec::AttrMap& a, spec::Dense<S>& y, Accumulate mode, const PlantedBugs& bugs) {
  const auto yv = dev.out(y, "y");
  if constexpr (std::is_same_v<Op, ops::GatherOp> || std::is_same_v<Op, ops::Embedding>) {
    const std::vector<std::int64_t> src = source_table<Op>(in, a, y.numel());
    dev.launch(launch_over(Op::name.data(), y.numel()), kernels::IndexedCopy<S>{dev.in(*in[0], "x"), yv, dev.table(src, "source index"), y.numel()});
  } else if constexpr (std::is_same_v<Op, ops::ScatterAdd>) {
    const auto [to, from] = Op::maps(in, a);
    dev.launch(launch_over("scatter_add_copy", y.numel()), kernels::Move<S>{dev.in(*in[0], "x"), yv, ops::identity_map(y.numel()), y.numel()});
    scatter_sum<S>(dev, dev.in(*in[2], "src"), yv, y.numel(), to, &from, mode, bugs);
  } else {  // concat: each input's elements to their places in y
    const auto dst = concat_destinations(in, y.shape, a);
    for (std::size_t k = 0; k < in.size(); ++k)
      dev.launch(launch_over(Op::name.data(), in[k]->numel()),
                 kernels::IndexedStore<S>{dev.in(*in[k], "x"), yv, dev.table(dst[k], "destination index"), in[k]->numel()});
  }
}

template <class Op, class S, class Dev>
void indexed_vjp(Dev& dev, spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& a, spec::Grads<S> dx, Accumulate mode,
                 const PlantedBugs& bugs) {
  const auto gv = dev.in(g, "g");
  const View<const std::int64_t> identity{};
  if constexpr (std::is_same_v<Op, ops::GatherOp> || std::is_same_v<Op, ops::Embedding>) {
    if (!dx[0]) return;
    scatter_sum<S>(dev, gv, dev.inout(*dx[0], "dx"), dx[0]->numel(), source_table<Op>(in, a, g.numel()), nullptr, mode, bugs);
  } else if constexpr (std::is_same_v<Op, ops::ScatterAdd>) {
    if (dx[0]) dev.launch(launch_over("scatter_add_dx", g.numel()), kernels::IndexedAdd<S>{gv, dev.inout(*dx[0], "dx"), identity, identity, g.numel()});
    if (!dx[2]) return;
    const auto [to, from] = Op::maps(in, a);  // dsrc[from[i]] += g[to[i]]: from is one-to-one
    dev.launch(launch_over("scatter_add_dsrc", static_cast<std::int64_t>(to.size())),
               kernels::IndexedAdd<S>{gv, dev.inout(*dx[2], "dsrc"), dev.table(from, "src index"), dev.table(to, "destination index"),
                                      static_cast<std::int64_t>(to.size())});
  } else {
    const auto dst = concat_destinations(in, g.shape, a);
    for (std::size_t k = 0; k < in.size(); ++k)
      if (dx[k])
        dev.launch(launch_over(Op::name.data(), in[k]->numel()),
                   kernels::IndexedAdd<S>{gv, dev.inout(*dx[k], "dx"), identity, dev.table(dst[k], "destination index"), in[k]->numel()});
  }
}

inline kernels::MatmulDims matmul_dims(const spec::Shape& a, const spec::Shape& b, const spec::Shape& y) {
  const spec::Shape zy = ops::Matmul::batch(y);
  return {a[a.rank() - 2], a[a.rank() - 1], b[b.rank() - 1], zy.numel(), spec::broadcast_map(ops::Matmul::batch(a), zy),
          spec::broadcast_map(ops::Matmul::batch(b), zy)};
}
template <class S>
kernels::LinearDims linear_dims(spec::Ins<S> in, const spec::Dense<S>& y) {
  const std::int64_t O = in[1]->shape[0], I = in[1]->shape[1];
  return {O == 0 ? 0 : y.numel() / O, O, I};
}

template <class Op, class S, class Dev>
void dot_forward(Dev& dev, spec::Ins<S> in, spec::Dense<S>& y) {
  if constexpr (std::is_same_v<Op, ops::Matmul>) {
    dev.launch(launch_over(Op::name.data(), y.numel()),
               kernels::MatmulForward<S>{dev.in(*in[0], "a"), dev.in(*in[1], "b"), dev.out(y, "y"), matmul_dims(in[0]->shape, in[1]->shape, y.shape)});
  } else {
    const View<const S> bias = in.size() == 3 ? dev.in(*in[2], "bias") : View<const S>{};
    dev.launch(launch_over(Op::name.data(), y.numel()),
               kernels::LinearForward<S>{dev.in(*in[0], "x"), dev.in(*in[1], "weight"), bias, dev.out(y, "y"), linear_dims(in, y)});
  }
}

template <class Op, class S, class Dev>
void dot_vjp(Dev& dev, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, spec::Grads<S> dx) {
  if (y.numel() == 0) return;
  const auto av = dev.in(*in[0], "a"), bv = dev.in(*in[1], "b"), gv = dev.in(g, "g");
  if constexpr (std::is_same_v<Op, ops::Matmul>) {
    const kernels::MatmulDims d = matmul_dims(in[0]->shape, in[1]->shape, y.shape);
    const spec::Shape zy = ops::Matmul::batch(y.shape);
    for (int side = 0; side < 2; ++side) {
      if (!dx[side]) continue;
      const spec::Shape own = ops::Matmul::batch(in[side]->shape);
      dev.launch(launch_over(Op::name.data(), dx[side]->numel()),
                 kernels::MatmulBackward<S>{av, bv, gv, dev.inout(*dx[side], side == 0 ? "da" : "db"), d, spec::reduction_map(own, zy), side,
                                            own.numel()});
    }
  } else {
    const kernels::LinearDims d = linear_dims(in, y);
    if (d.R == 0 || d.O == 0) return;
    const char* names[] = {"dx", "dweight", "dbias"};
    for (int which = 0; which < static_cast<int>(in.size()); ++which)
      if (dx[which])
        dev.launch(launch_over(Op::name.data(), dx[which]->numel()), kernels::LinearBackward<S>{av, bv, gv, dev.inout(*dx[which], names[which]), d, which});
  }
}

template <class S>
kernels::NormDims layer_norm_dims(const spec::Dense<S>& x, const spec::AttrMap& a) {
  const std::int64_t n = ops::LayerNorm::group(a);
  return {n == 0 ? 0 : x.numel() / n, n, ops::norm::eps_of(a)};
}

template <class S, class Dev>
void layer_norm_forward(Dev& dev, spec::Ins<S> in, const spec::AttrMap& a, spec::Dense<S>& y) {
  const kernels::NormDims d = layer_norm_dims(*in[0], a);
  const View<const S> w = in.size() > 1 ? dev.in(*in[1], "weight") : View<const S>{}, b = in.size() > 2 ? dev.in(*in[2], "bias") : View<const S>{};
  dev.launch(launch_over("layer_norm", d.groups), kernels::LayerNormForward<S>{dev.in(*in[0], "x"), w, b, dev.out(y, "y"), d});
}

template <class S, class Dev>
void layer_norm_vjp(Dev& dev, spec::Ins<S> in, const spec::Dense<S>& g, const spec::AttrMap& a, spec::Grads<S> dx) {
  const kernels::NormDims d = layer_norm_dims(*in[0], a);
  if (d.groups == 0) return;
  const auto xv = dev.in(*in[0], "x"), gv = dev.in(g, "g");
  const auto stats = dev.template scratch<S>(4 * d.groups, "group statistics");
  dev.launch(launch_over("layer_norm_stats", d.groups), kernels::LayerNormStats<S>{xv, stats, d});
  if (dx[0]) {
    const View<const S> w = in.size() > 1 ? dev.in(*in[1], "weight") : View<const S>{};
    dev.launch(launch_over("layer_norm_dx", d.groups), kernels::LayerNormBackwardX<S>{xv, w, gv, stats, dev.inout(*dx[0], "dx"), d});
  }
  for (int which = 1; which < static_cast<int>(in.size()) && which < 3; ++which)
    if (dx[which])
      dev.launch(launch_over("layer_norm_affine", d.n),
                 kernels::LayerNormBackwardAffine<S>{xv, gv, stats, dev.inout(*dx[which], which == 1 ? "dweight" : "dbias"), d, which});
}

}  // namespace detail

template <class S, class Dev>
bool forward_kernels(Dev& dev, spec::OpId op, spec::Ins<S> in, const spec::AttrMap& a, spec::Dense<S>& y, const PlantedBugs& bugs) {
  if (!kernel_shapes_ok(in, y)) return false;
  return spec::visit_op(op, [&]<class Op>() -> bool {
    if constexpr (!has_kernels<Op>) {
      return false;
    } else {
      const kernels::ElementIndex e{y.numel(), bugs};
      if constexpr (is_unary_op<Op>) {
        dev.launch(launch_over(Op::name.data(), y.numel()), kernels::UnaryForward<Op, S>{dev.in(*in[0], "x"), dev.out(y, "y"), e});
      } else if constexpr (is_binary_op<Op>) {
        detail::binary_forward<Op>(dev, Op::name.data(), in, y, bugs);
      } else if constexpr (is_param_unary_op<Op>) {
        if (in.size() == 2) detail::binary_forward<ops::PowTensor>(dev, "pow", in, y, bugs);  // pow(a, b)
        else
          dev.launch(launch_over(Op::name.data(), y.numel()),
                     kernels::ParamUnaryForward<Op, S>{dev.in(*in[0], "x"), dev.out(y, "y"), Op::params(a), e});
      } else if constexpr (std::is_same_v<Op, ops::Dropout>) {
        dev.launch(launch_over(Op::name.data(), y.numel()), kernels::DropoutForward<S>{dev.in(*in[0], "x"), dev.out(y, "y"), Op::params(a), e});
      } else if constexpr (is_layout_op<Op>) {
        dev.launch(launch_over(Op::name.data(), y.numel()),
                   kernels::Move<S>{dev.in(*in[0], "x"), dev.out(y, "y"), Op::source_map(in[0]->shape, y.shape, a), y.numel()});
      } else if constexpr (is_axes_reduction_op<Op>) {
        detail::axes_reduction_forward<Op>(dev, *in[0], a, y, bugs);
      } else if constexpr (is_softmax_op<Op>) {
        const spec::AxisView v = spec::axis_view(y.shape, Op::axis(y.shape, a));
        dev.launch(launch_over(Op::name.data(), v.outer * v.inner),
                   kernels::SoftmaxForward<S, std::is_same_v<Op, ops::LogSoftmax>>{dev.in(*in[0], "x"), dev.out(y, "y"), v});
      } else if constexpr (is_loss_op<Op>) {
        detail::loss_forward<Op>(dev, in, y, bugs);
      } else if constexpr (is_indexed_op<Op>) {
        detail::indexed_forward<Op>(dev, in, a, y, Accumulate::deterministic, bugs);
      } else if constexpr (is_dot_op<Op>) {
        detail::dot_forward<Op>(dev, in, y);
      } else if constexpr (std::is_same_v<Op, ops::LayerNorm>) {
        detail::layer_norm_forward(dev, in, a, y);
      } else if constexpr (is_creation_op<Op>) {
        kernels::Generate<S> k{dev.out(y, "y")};
        k.n = y.numel();
        if constexpr (std::is_same_v<Op, ops::Arange>)
          k.arange = true, k.start = a.get_float_or("start", 0), k.step = a.get_float_or("step", 1), k.f32 = ops::creation::dtype(a) == spec::DType::f32;
        else if (a.is_list("value")) k.list = dev.table(a.get_floats("value"), "values");
        else k.value = a.get_float("value");
        dev.launch(launch_over(Op::name.data(), y.numel()), k);
      } else {
        detail::extreme_forward<Op>(dev, *in[0], a, y);
      }
      dev.finish(std::string(Op::name) + " forward");
      return true;
    }
  });
}

template <class S, class Dev>
bool vjp_kernels(Dev& dev, spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& y, const spec::Dense<S>& g, const spec::AttrMap& a,
                 spec::Grads<S> dx, Accumulate mode, const PlantedBugs& bugs) {
  if (!kernel_shapes_ok(in, y)) return false;
  return spec::visit_op(op, [&]<class Op>() -> bool {
    if constexpr (!has_kernels<Op>) {
      return false;
    } else {
      if constexpr (is_unary_op<Op>) {
        if (dx[0])
          dev.launch(launch_over(Op::name.data(), y.numel()),
                     kernels::UnaryBackward<Op, S>{dev.in(*in[0], "x"), dev.in(y, "y"), dev.in(g, "g"), dev.inout(*dx[0], "dx"),
                                                   kernels::ElementIndex{y.numel(), bugs}});
      } else if constexpr (is_binary_op<Op>) {
        detail::binary_vjp<Op>(dev, Op::name.data(), in, y, g, dx, mode, bugs);
      } else if constexpr (is_param_unary_op<Op>) {
        if (in.size() == 2) {
          detail::binary_vjp<ops::PowTensor>(dev, "pow", in, y, g, dx, mode, bugs);
        } else if (dx[0] && Op::has_gradient(Op::params(a))) {
          dev.launch(launch_over(Op::name.data(), y.numel()),
                     kernels::ParamUnaryBackward<Op, S>{dev.in(*in[0], "x"), dev.in(g, "g"), dev.inout(*dx[0], "dx"), Op::params(a),
                                                        kernels::ElementIndex{y.numel(), bugs}});
        }
      } else if constexpr (std::is_same_v<Op, ops::Dropout>) {
        if (dx[0])
          dev.launch(launch_over(Op::name.data(), y.numel()),
                     kernels::DropoutBackward<S>{dev.in(g, "g"), dev.inout(*dx[0], "dx"), Op::params(a), kernels::ElementIndex{y.numel(), bugs}});
      } else if constexpr (is_layout_op<Op>) {
        if (dx[0]) {
          if constexpr (Op::one_to_one)
            dev.launch(launch_over(Op::name.data(), y.numel()),
                       kernels::MoveBackward<S>{dev.in(g, "g"), dev.inout(*dx[0], "dx"), Op::source_map(in[0]->shape, y.shape, a), y.numel()});
          else
            dev.launch(launch_over(Op::name.data(), dx[0]->numel()),
                       kernels::GatherSum<S>{dev.in(g, "g"), dev.inout(*dx[0], "dx"), spec::reduction_map(in[0]->shape, y.shape), dx[0]->numel()});
        }
      } else if constexpr (is_axes_reduction_op<Op>) {
        if (dx[0]) {
          const spec::Shape& xs = in[0]->shape;
          const spec::Shape kept = spec::rule::reduce_shape(xs, spec::rule::reduced_axes(xs, a), true);
          dev.launch(launch_over(Op::name.data(), dx[0]->numel()),
                     kernels::ReduceBackward<S>{dev.in(g, "g"), dev.inout(*dx[0], "dx"), spec::broadcast_map(kept, xs), dx[0]->numel(),
                                                detail::reduction_divisor<Op>(xs, y.shape)});
        }
      } else if constexpr (is_softmax_op<Op>) {
        if (dx[0]) {
          const spec::AxisView v = spec::axis_view(y.shape, Op::axis(y.shape, a));
          dev.launch(launch_over(Op::name.data(), v.outer * v.inner),
                     kernels::SoftmaxBackward<S, std::is_same_v<Op, ops::LogSoftmax>>{dev.in(y, "y"), dev.in(g, "g"), dev.inout(*dx[0], "dx"), v});
        }
      } else if constexpr (std::is_same_v<Op, ops::MseLoss>) {
        const View<S> none{};
        if (dx[0] || dx[1])
          dev.launch(launch_over(Op::name.data(), in[0]->numel()),
                     kernels::MseBackward<S>{dev.in(*in[0], "x"), dev.in(*in[1], "target"), dev.in(g, "g"),
                                             dx[0] ? dev.inout(*dx[0], "dx") : none, dx[1] ? dev.inout(*dx[1], "dtarget") : none,
                                             in[0]->numel()});
      } else if constexpr (is_indexed_op<Op>) {
        detail::indexed_vjp<Op>(dev, in, g, a, dx, mode, bugs);
      } else if constexpr (is_dot_op<Op>) {
        detail::dot_vjp<Op>(dev, in, y, g, dx);
      } else if constexpr (std::is_same_v<Op, ops::LayerNorm>) {
        detail::layer_norm_vjp(dev, in, g, a, dx);
      } else if constexpr (is_creation_op<Op>) {
        // no inputs, nothing to differentiate
      } else if constexpr (std::is_same_v<Op, ops::CrossEntropy>) {
        if (dx[0]) {
          const std::int64_t rows = in[0]->shape[0], classes = in[0]->shape[1];
          for (std::int64_t n = 0; n < rows; ++n) ops::CrossEntropy::target(*in[1], n, classes);
          dev.launch(launch_over(Op::name.data(), rows),
                     kernels::CrossEntropyBackward<S>{dev.in(*in[0], "logits"), dev.in(*in[1], "target"), dev.in(g, "g"),
                                                      dev.inout(*dx[0], "dx"), rows, classes});
        }
      } else {
        if (ExtremeOf<Op>::mode != ops::extreme::Grad::None && dx[0]) detail::extreme_vjp<Op>(dev, *in[0], y, g, a, *dx[0]);
      }
      dev.finish(std::string(Op::name) + " backward");
      return true;
    }
  });
}

}  // namespace vt::cuda
