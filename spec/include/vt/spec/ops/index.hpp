#pragma once
// Layout and indexing ops: flatten, concat, narrow (pure data movement, exact)
// and the index-driven gather, scatter_add and embedding. Index tensors are
// i64 (their integer values held in the scalar type, as cross_entropy targets
// are) and are never differentiated. An index VALUE outside its range is a
// DomainError naming the op, the position and the value, raised before the
// op writes anything (the tape adds the node's name); at graph level only
// shapes, dtypes and attributes are checked.
#include <numeric>

#include "vt/spec/ops/layout.hpp"

namespace vt::spec::ops {

namespace idx {

// An axis attribute normalized against `rank`, with a message naming the op
// and the attribute when it is out of range.
inline std::size_t axis_attr(std::string_view op, std::string_view attr, std::int64_t axis, std::size_t rank) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r)
    throw ShapeError(std::string(op) + ": " + std::string(attr) + " = " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank) + " (expected " + std::to_string(-r) + " to " + std::to_string(r - 1) + ")");
  return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

inline void require_index(std::string_view op, const TensorType& t, int input, std::string_view what) {
  if (t.dtype != DType::i64)
    throw ShapeError(std::string(op) + ": " + std::string(what) + " (input " + std::to_string(input) + ") must be i64, got " +
                     to_string(t));
}

// "[1, 2]": the multi-index of linear position `pos` in shape s.
inline std::string position(const Shape& s, std::int64_t pos) {
  std::vector<std::int64_t> at(s.rank(), 0);
  for (std::size_t k = s.rank(); k-- > 0;) {
    if (s[k] > 0) at[k] = pos % s[k], pos /= s[k];
  }
  return to_string(Shape(std::move(at)));
}

// Every value of index tensor t, checked to be an integer in [0, bound),
// before the caller writes anything. `what` names the tensor ("index").
template <class S>
std::vector<std::int64_t> checked_indices(std::string_view op, std::string_view what, const Dense<S>& t, std::int64_t bound,
                                          std::string_view range_of) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(t.numel()));
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    bool integral = false;
    const std::int64_t v = ScalarTraits<S>::to_index(t[i], integral);
    if (!integral)
      throw DomainError(std::string(op) + ": " + std::string(what) + position(t.shape, i) + " is not an integer");
    if (v < 0 || v >= bound)
      throw DomainError(std::string(op) + ": " + std::string(what) + position(t.shape, i) + " = " + std::to_string(v) +
                        " is out of range [0, " + std::to_string(bound) + ") for " + std::string(range_of));
    out[static_cast<std::size_t>(i)] = v;
  }
  return out;
}

// For each element of `idx` shape (row-major), the linear index of the element
// of shape `s` with the same coordinates, except along `axis` (when v is given),
// where it takes (*v)[i]. Each idx dim is <= s's (except along that axis).
inline std::vector<std::int64_t> along_axis(const Shape& idx, const Shape& s, std::size_t axis,
                                            const std::vector<std::int64_t>* v) {
  const auto st = s.strides();
  std::vector<std::int64_t> out(static_cast<std::size_t>(idx.numel()));
  std::vector<std::int64_t> at(idx.rank(), 0);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int64_t lin = 0;
    for (std::size_t k = 0; k < idx.rank(); ++k) lin += (v && k == axis ? (*v)[i] : at[k]) * st[k];
    out[i] = lin;
    for (std::size_t k = idx.rank(); k-- > 0;) {  // next coordinate, row-major
      if (++at[k] < idx[k]) break;
      at[k] = 0;
    }
  }
  return out;
}

// Checks the shapes of gather/scatter_add: index has x's rank and, except along
// `axis`, no dimension larger than x's (and, for scatter_add, than src's).
inline void require_index_fits(std::string_view op, const TensorType& x, const TensorType& index, std::size_t axis, bool all_axes,
                               std::string_view x_name) {
  if (index.shape.rank() != x.shape.rank())
    throw ShapeError(std::string(op) + ": index must have the rank of " + std::string(x_name) + " (" +
                     std::to_string(x.shape.rank()) + "), got " + to_string(index));
  for (std::size_t k = 0; k < x.shape.rank(); ++k)
    if ((all_axes || k != axis) && index.shape[k] > x.shape[k])
      throw ShapeError(std::string(op) + ": index size " + std::to_string(index.shape[k]) + " at dim " + std::to_string(k) +
                       " exceeds " + std::string(x_name) + "'s " + std::to_string(x.shape[k]) + " (" + to_string(x) + ")");
}

}  // namespace idx

// flatten {start_dim = 1, end_dim = -1}: merges axes start_dim..end_dim into
// one (torch.flatten; a scalar becomes [1]). dx += reshape(g).
struct Flatten : Gather<Flatten> {
  static constexpr std::string_view name = "flatten", math = "y = x with axes start_dim..end_dim merged; dx += reshape(g)";
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 2> attrs{{{"start_dim", AttrKind::Int}, {"end_dim", AttrKind::Int}}};
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    const Shape& s = in[0].shape;
    if (s.rank() == 0) {  // torch treats a scalar as rank 1 here: [1]
      idx::axis_attr(name, "start_dim", a.get_int_or("start_dim", 1), 1);
      idx::axis_attr(name, "end_dim", a.get_int_or("end_dim", -1), 1);
      return TensorType{in[0].dtype, Shape{1}};
    }
    const std::size_t st = idx::axis_attr(name, "start_dim", a.get_int_or("start_dim", 1), s.rank());
    const std::size_t en = idx::axis_attr(name, "end_dim", a.get_int_or("end_dim", -1), s.rank());
    if (st > en)
      throw ShapeError("flatten: start_dim (axis " + std::to_string(st) + ") comes after end_dim (axis " + std::to_string(en) + ")");
    std::vector<std::int64_t> d(s.dims().begin(), s.dims().begin() + static_cast<std::ptrdiff_t>(st));
    std::int64_t m = 1;
    for (std::size_t k = st; k <= en; ++k) m *= s[k];
    d.push_back(m);
    d.insert(d.end(), s.dims().begin() + static_cast<std::ptrdiff_t>(en) + 1, s.dims().end());
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

// concat(x0, ..., xn) {axis = 0}: joins 1 to 8 tensors along axis (torch.cat);
// shapes must agree except along axis. At most 8 inputs: the tape's per-node
// input limit. dx_k += the slice of g that x_k filled.
struct Concat {
  static constexpr std::string_view name = "concat", math = "y = [x0, x1, ...] along axis; dx_k += g[slice of x_k]";
  static constexpr int min_arity = 1, max_arity = 8;  // the tape supports 8 inputs per node
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 1> attrs{{{"axis", AttrKind::Int}}};
  static constexpr bool differentiable(int) { return true; }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    if (in[0].shape.rank() == 0) throw ShapeError("concat: input 0 is a scalar; inputs need rank >= 1");
    const std::size_t axis = idx::axis_attr(name, "axis", a.get_int_or("axis", 0), in[0].shape.rank());
    Shape out = in[0].shape;
    for (std::size_t k = 1; k < in.size(); ++k) {
      rule::require_float(in[k], static_cast<int>(k));
      rule::require_same_dtype(in[0], in[k]);
      const Shape& s = in[k].shape;
      bool fits = s.rank() == out.rank();
      for (std::size_t j = 0; fits && j < s.rank(); ++j) fits = j == axis || s[j] == in[0].shape[j];
      if (!fits)
        throw ShapeError("concat: input " + std::to_string(k) + " " + to_string(in[k]) + " does not match input 0 " +
                         to_string(in[0]) + " on every axis but " + std::to_string(axis));
      out[axis] += s[axis];
    }
    return TensorType{in[0].dtype, out};
  }
  // Calls f(k, i, j): element i of input k is element j of the output.
  template <class F>
  static void for_each(std::span<const Shape> shapes, const Shape& out, const AttrMap& a, F&& f) {
    const std::size_t axis = normalize_axis(a.get_int_or("axis", 0), out.rank());
    const AxisView ov = axis_view(out, axis);
    std::int64_t off = 0;
    for (std::size_t k = 0; k < shapes.size(); ++k) {
      const AxisView v = axis_view(shapes[k], axis);
      for (std::int64_t o = 0; o < v.outer; ++o)
        for (std::int64_t n = 0; n < v.n; ++n)
          for (std::int64_t i = 0; i < v.inner; ++i) f(k, v.at(o, n, i), ov.at(o, off + n, i));
      off += v.n;
    }
  }
  template <class S>
  static std::vector<Shape> shapes(Ins<S> in) {
    std::vector<Shape> s;
    for (const auto* x : in) s.push_back(x->shape);
    return s;
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    for_each(shapes(in), y.shape, a, [&](std::size_t k, std::int64_t i, std::int64_t j) { y[j] = (*in[k])[i]; });
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    for_each(shapes(in), g.shape, a, [&](std::size_t k, std::int64_t i, std::int64_t j) {
      if (dx[k]) (*dx[k])[i] += g[j];
    });
  }
};

// narrow {axis, start, length}: elements start..start+length-1 along axis
// (torch.narrow; a negative start counts from the end). dx += g at those places.
struct Narrow : Gather<Narrow> {
  static constexpr std::string_view name = "narrow", math = "y = x[start:start+length] along axis; dx[slice] += g";
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 3> attrs{
      {{"axis", AttrKind::Int, true}, {"start", AttrKind::Int, true}, {"length", AttrKind::Int, true}}};
  struct Slice {
    std::size_t axis;
    std::int64_t start, length;
  };
  static Slice slice(const Shape& s, const AttrMap& a) {
    if (s.rank() == 0) throw ShapeError("narrow: cannot narrow a scalar");
    const std::size_t axis = idx::axis_attr(name, "axis", a.get_int("axis"), s.rank());
    const std::int64_t n = s[axis];
    std::int64_t start = a.get_int("start");
    const std::int64_t length = a.get_int("length");
    if (start < -n || start > n)
      throw ShapeError("narrow: start = " + std::to_string(start) + " is out of range for size " + std::to_string(n) +
                       " of axis " + std::to_string(axis) + " (expected " + std::to_string(-n) + " to " + std::to_string(n) + ")");
    if (start < 0) start += n;
    if (length < 0 || start + length > n)
      throw ShapeError("narrow: start " + std::to_string(start) + " + length " + std::to_string(length) + " exceeds size " +
                       std::to_string(n) + " of axis " + std::to_string(axis) + (length < 0 ? " (length is negative)" : ""));
    return {axis, start, length};
  }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    const Slice sl = slice(in[0].shape, a);
    Shape out = in[0].shape;
    out[sl.axis] = sl.length;
    return TensorType{in[0].dtype, out};
  }
  static constexpr bool one_to_one = true;
  static StridedIndex source_map(const Shape& in, const Shape& out, const AttrMap& a) {
    const Slice sl = slice(in, a);
    const AxisView iv = axis_view(in, sl.axis), ov = axis_view(out, sl.axis);
    StridedIndex m;
    m.rank = 3;
    m.dims[0] = ov.outer, m.dims[1] = ov.n, m.dims[2] = ov.inner;
    m.stride[0] = iv.n * iv.inner, m.stride[1] = iv.inner, m.stride[2] = 1;
    m.offset = sl.start * iv.inner;
    return m;
  }
  static std::vector<std::int64_t> source_index(const Shape& in, const Shape& out, const AttrMap& a) {
    const Slice sl = slice(in, a);
    const AxisView iv = axis_view(in, sl.axis), ov = axis_view(out, sl.axis);
    std::vector<std::int64_t> src(static_cast<std::size_t>(out.numel()));
    for (std::int64_t o = 0; o < ov.outer; ++o)
      for (std::int64_t n = 0; n < ov.n; ++n)
        for (std::int64_t i = 0; i < ov.inner; ++i) src[static_cast<std::size_t>(ov.at(o, n, i))] = iv.at(o, sl.start + n, i);
    return src;
  }
};

// gather(x, index i64) {axis}: y[i] = x[i with coordinate axis replaced by
// index[i]] (torch.gather; index has x's rank, out shape = index shape, each
// index dim <= x's except along axis). dx[...] += g; index not differentiable.
struct GatherOp {
  static constexpr std::string_view name = "gather", math = "y[i] = x[i | axis <- index[i]]; dx[i | axis <- index[i]] += g[i]";
  static constexpr int min_arity = 2, max_arity = 2;
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 1> attrs{{{"axis", AttrKind::Int, true}}};
  static constexpr bool differentiable(int input) { return input == 0; }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    idx::require_index(name, in[1], 1, "index");
    if (in[0].shape.rank() == 0) throw ShapeError("gather: x must have rank >= 1, got " + to_string(in[0]));
    const std::size_t axis = idx::axis_attr(name, "axis", a.get_int("axis"), in[0].shape.rank());
    idx::require_index_fits(name, in[0], in[1], axis, false, "x");
    return TensorType{in[0].dtype, in[1].shape};
  }
  template <class S>
  static std::vector<std::int64_t> source(const Dense<S>& x, const Dense<S>& index, const AttrMap& a) {
    const std::size_t axis = normalize_axis(a.get_int("axis"), x.shape.rank());
    const auto v = idx::checked_indices(name, "index", index, x.shape[axis],
                                        "axis " + std::to_string(axis) + " of x " + to_string(x.shape));
    return idx::along_axis(index.shape, x.shape, axis, &v);
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    gather_forward(*in[0], source(*in[0], *in[1], a), y);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (dx[0]) gather_vjp(g, source(*in[0], *in[1], a), dx[0]);
  }
};

// scatter_add(x, index i64, src) {axis}: y = x, then y[i | axis <- index[i]]
// += src[i] for every position i of index, in row-major order
// (torch.scatter_add; index has the rank of x and src, no dim larger than
// src's, nor than x's except along axis). dx += g; dsrc[i] += g[i | axis <- index[i]].
struct ScatterAdd {
  static constexpr std::string_view name = "scatter_add",
                                    math = "y = x; y[i | axis <- index[i]] += src[i]; dx += g; dsrc[i] += g[i | axis <- index[i]]";
  static constexpr int min_arity = 3, max_arity = 3;
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = dot_contract;
  static constexpr std::array<AttrSpec, 1> attrs{{{"axis", AttrKind::Int, true}}};
  static constexpr bool differentiable(int input) { return input != 1; }
  // Rounded operations per output (the Dot contract's n): x plus at most
  // index.shape[axis] src elements landing on it.
  template <class S>
  static std::int64_t rounded_terms(Ins<S> in, const AttrMap& a) {
    return in[1]->shape[normalize_axis(a.get_int("axis"), in[1]->shape.rank())] + 1;
  }
  static TensorType infer(std::span<const TensorType> in, const AttrMap& a) {
    rule::require_float(in[0], 0);
    idx::require_index(name, in[1], 1, "index");
    rule::require_float(in[2], 2);
    rule::require_same_dtype(in[0], in[2]);
    if (in[0].shape.rank() == 0) throw ShapeError("scatter_add: x must have rank >= 1, got " + to_string(in[0]));
    const std::size_t axis = idx::axis_attr(name, "axis", a.get_int("axis"), in[0].shape.rank());
    idx::require_index_fits(name, in[0], in[1], axis, false, "x");
    idx::require_index_fits(name, in[2], in[1], axis, true, "src");
    return in[0];
  }
  // Where each index position lands in x (to), and which src element it adds (from).
  template <class S>
  static std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> maps(Ins<S> in, const AttrMap& a) {
    const Dense<S>&x = *in[0], &index = *in[1], &src = *in[2];
    const std::size_t axis = normalize_axis(a.get_int("axis"), x.shape.rank());
    const auto v = idx::checked_indices(name, "index", index, x.shape[axis],
                                        "axis " + std::to_string(axis) + " of x " + to_string(x.shape));
    return {idx::along_axis(index.shape, x.shape, axis, &v), idx::along_axis(index.shape, src.shape, 0, nullptr)};
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap& a, Dense<S>& y) {
    const auto [to, from] = maps(in, a);
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = (*in[0])[i];
    for (std::size_t i = 0; i < to.size(); ++i) y[to[i]] += (*in[2])[from[i]];
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap& a, Grads<S> dx) {
    if (dx[0])
      for (std::int64_t i = 0; i < g.numel(); ++i) (*dx[0])[i] += g[i];
    if (!dx[2]) return;
    const auto [to, from] = maps(in, a);
    for (std::size_t i = 0; i < to.size(); ++i) (*dx[2])[from[i]] += g[to[i]];
  }
};

// embedding(weight [V, D], indices i64 [...]) -> [..., D]: y[p, :] =
// weight[indices[p], :] (torch.nn.functional.embedding(indices, weight)).
// dweight[indices[p], :] += g[p, :] (rows used twice accumulate); indices not differentiable.
struct Embedding {
  static constexpr std::string_view name = "embedding", math = "y[p, :] = weight[indices[p], :]; dweight[indices[p], :] += g[p, :]";
  static constexpr int min_arity = 2, max_arity = 2;
  static constexpr Fragment fragment = Fragment::Rational;
  static constexpr ErrorContract contract = exact_contract;
  static constexpr std::array<AttrSpec, 0> attrs{};
  static constexpr bool differentiable(int input) { return input == 0; }
  static TensorType infer(std::span<const TensorType> in, const AttrMap&) {
    rule::require_float(in[0], 0);
    if (in[0].shape.rank() != 2) throw ShapeError("embedding: weight must be [V, D], got " + to_string(in[0]));
    idx::require_index(name, in[1], 1, "indices");
    std::vector<std::int64_t> d = in[1].shape.dims();
    d.push_back(in[0].shape[1]);
    return TensorType{in[0].dtype, Shape(std::move(d))};
  }
  template <class S>
  static std::vector<std::int64_t> source(const Dense<S>& w, const Dense<S>& indices, std::int64_t out_numel) {
    const std::int64_t D = w.shape[1];
    const auto rows = idx::checked_indices(name, "indices", indices, w.shape[0], "the " + std::to_string(w.shape[0]) + " rows of weight");
    std::vector<std::int64_t> src(static_cast<std::size_t>(out_numel));
    for (std::size_t p = 0; p < rows.size(); ++p)
      for (std::int64_t j = 0; j < D; ++j) src[p * static_cast<std::size_t>(D) + static_cast<std::size_t>(j)] = rows[p] * D + j;
    return src;
  }
  template <class S>
  static void forward(Ins<S> in, const AttrMap&, Dense<S>& y) {
    gather_forward(*in[0], source(*in[0], *in[1], y.numel()), y);
  }
  template <class S>
  static void vjp(Ins<S> in, const Dense<S>&, const Dense<S>& g, const AttrMap&, Grads<S> dx) {
    if (dx[0]) gather_vjp(g, source(*in[0], *in[1], g.numel()), dx[0]);
  }
};

}  // namespace vt::spec::ops
