#pragma once
// Ops that move elements without arithmetic: their VJP routes each output
// cotangent back to the element it was read from (summing where one input
// element fed several outputs, as in broadcast_to).
#include <numeric>

#include "vt/spec/index_maps.hpp"
#include "vt/spec/op_decl.hpp"
#include "vt/spec/strided_index.hpp"

namespace vt::spec::ops {

// Each Gather op also declares its map as a StridedIndex (source_map), the
// form a CUDA thread evaluates per element; cuda/tests check it against
// source_index. one_to_one: no input element is read twice (all but
// broadcast_to), so the VJP needs no reduction.
inline StridedIndex identity_map(std::int64_t n) {
  StridedIndex m;
  m.rank = 1, m.dims[0] = n, m.stride[0] = 1;
  return m;
}

// Shared by every op whose output element i reads input element src[i].
template <class S>
void gather_forward(const Dense<S>& x, const std::vector<std::int64_t>& src, Dense<S>& y) {
  for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = x[src[static_cast<std::size_t>(i)]];
}
template <class S>
void gather_vjp(const Dense<S>& g, const std::vector<std::int64_t>& src, Dense<S>* dx) {
  if (!dx) return;
  for (std::int64_t i = 0; i < g.numel(); ++i) (*dx)[src[static_cast<std::size_t>(i)]] += g[i];
}

template <class Op>
struct Gather {
  static constexpr int min_arity = 1, max_arity = 1;
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr bool differentiable(int) { return true; }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    gather_forward(*in[0], Op::source_index(in[0]->shape, y.shape, a), y);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>& y, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    gather_vjp(g, Op::source_index(in[0]->shape, y.shape, a), dx[0]);
  }
};

// permute {perm}: output axis k is input axis perm[k].  dx = permute(g, perm^-1).
struct Permute : Gather<Permute> {
  static constexpr std::string_view name = "permute", math = "y[i_perm] = x[i]; dx += permute(g, inverse(perm))";
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 1> attrs{{{"perm", AttrKind::Ints, true}}};
  static std::vector<std::int64_t> checked_perm(const Shape& s, const AttrMap& a) {
    IntList p = a.get_ints("perm");
    if (p.size() != s.rank())
      throw ShapeError("perm has " + std::to_string(p.size()) + " entries for rank " + std::to_string(s.rank()));
    std::vector<bool> seen(p.size(), false);
    for (auto& k : p) {
      k = static_cast<std::int64_t>(normalize_axis(k, s.rank()));
      if (seen[static_cast<std::size_t>(k)]) throw ShapeError("perm is not a permutation: axis " + std::to_string(k) + " repeats");
      seen[static_cast<std::size_t>(k)] = true;
    }
    return p;
  }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    return TensorType{in[0].dtype, permute_shape(in[0].shape, checked_perm(in[0].shape, a))};
  }
  static std::vector<std::int64_t> source_index(const Shape& in, const Shape&, const AttrMap& a) {
    return permute_index(in, checked_perm(in, a));
  }
  static constexpr bool one_to_one = true;
  static StridedIndex source_map(const Shape& in, const Shape&, const AttrMap& a) { return permute_map(in, checked_perm(in, a)); }
};

// transpose {dim0 = -2, dim1 = -1}: swaps two axes (a permute).
struct Transpose : Gather<Transpose> {
  static constexpr std::string_view name = "transpose", math = "swap axes dim0, dim1; dx += transpose(g)";
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 2> attrs{{{"dim0", AttrKind::Int}, {"dim1", AttrKind::Int}}};
  static std::vector<std::int64_t> perm(const Shape& s, const AttrMap& a) {
    if (s.rank() < 2 && !(a.has("dim0") && a.has("dim1")))
      throw ShapeError("transpose of a rank-" + std::to_string(s.rank()) + " tensor needs explicit dim0 and dim1");
    std::vector<std::int64_t> p(s.rank());
    std::iota(p.begin(), p.end(), 0);
    std::swap(p[normalize_axis(a.get_int_or("dim0", -2), s.rank())], p[normalize_axis(a.get_int_or("dim1", -1), s.rank())]);
    return p;
  }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    return TensorType{in[0].dtype, permute_shape(in[0].shape, perm(in[0].shape, a))};
  }
  static std::vector<std::int64_t> source_index(const Shape& in, const Shape&, const AttrMap& a) {
    return permute_index(in, perm(in, a));
  }
  static constexpr bool one_to_one = true;
  static StridedIndex source_map(const Shape& in, const Shape&, const AttrMap& a) { return permute_map(in, perm(in, a)); }
};

// reshape {shape}: same elements in row-major order; one entry may be -1.
struct Reshape : Gather<Reshape> {
  static constexpr std::string_view name = "reshape", math = "y = x viewed as shape; dx += reshape(g)";
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 1> attrs{{{"shape", AttrKind::Ints, true}}};
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    IntList d = a.get_ints("shape");
    const std::int64_t n = in[0].shape.numel();
    std::int64_t known = 1;
    std::size_t infer_at = d.size();
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i] == -1) {
        if (infer_at != d.size()) throw ShapeError("reshape: only one dimension may be -1");
        infer_at = i;
      } else if (d[i] < 0) {
        throw ShapeError("reshape: invalid dimension " + std::to_string(d[i]));
      } else {
        if (d[i] != 0 && known > kMaxNumel / d[i]) throw ShapeError("reshape: target shape has more than 2^48 elements");
        known *= d[i];
      }
    }
    if (infer_at != d.size()) {
      if (known == 0 || n % known != 0)
        throw ShapeError("reshape: cannot infer -1 for " + std::to_string(n) + " elements into " + to_string(Shape(a.get_ints("shape"))));
      d[infer_at] = n / known;
      known = n;
    }
    if (known != n)
      throw ShapeError("reshape: " + to_string(in[0].shape) + " has " + std::to_string(n) + " elements, target " +
                       to_string(Shape(d)) + " has " + std::to_string(known));
    return TensorType{in[0].dtype, Shape(std::move(d))};
  }
  static std::vector<std::int64_t> source_index(const Shape& in, const Shape&, const AttrMap&) {
    std::vector<std::int64_t> s(static_cast<std::size_t>(in.numel()));
    std::iota(s.begin(), s.end(), 0);
    return s;
  }
  static constexpr bool one_to_one = true;
  static StridedIndex source_map(const Shape& in, const Shape&, const AttrMap&) { return identity_map(in.numel()); }
};

// broadcast_to {shape}: repeats x along broadcast axes (torch.broadcast_to).
// dx += g summed over the broadcast axes.
struct BroadcastTo : Gather<BroadcastTo> {
  static constexpr std::string_view name = "broadcast_to", math = "y = x broadcast to shape; dx += sum of g over broadcast axes";
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 1> attrs{{{"shape", AttrKind::Ints, true}}};
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    Shape to(a.get_ints("shape"));
    to.validate();
    if (!broadcastable_to(in[0].shape, to))
      throw ShapeError("cannot broadcast " + to_string(in[0].shape) + " to " + to_string(to));
    return TensorType{in[0].dtype, to};
  }
  static std::vector<std::int64_t> source_index(const Shape& in, const Shape& out, const AttrMap&) {
    return broadcast_index(in, out);
  }
  static constexpr bool one_to_one = false;
  static StridedIndex source_map(const Shape& in, const Shape& out, const AttrMap&) { return broadcast_map(in, out); }
};

}  // namespace vt::spec::ops
