#pragma once
// FastKernels for permute, transpose and embedding: what the generic rules
// do through an index vector per call (a gather: 2 MB of int64 offsets for a
// [2048, 128] value), done with no index vector. permute/transpose are a
// strided copy walked with an odometer, whole rows at a time when the last
// axis stays last; the backward is the inverse copy added into dx (each dx
// element receives exactly one g element). Results are bitwise the generic ones.
#include <cstdint>
#include <vector>

#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::rt {

// permute/transpose copy whole rows when the last axis stays last, else
// element by element.
inline bool permute_keeps_last_axis(const std::vector<std::int64_t>& perm) {
  return !perm.empty() && perm.back() == static_cast<std::int64_t>(perm.size() - 1);
}

// False when `op` is not permute or transpose.
template <class S>
bool permute_forward(spec::OpId op, const spec::Dense<S>& x, const spec::AttrMap& attrs, spec::Dense<S>& y);
// overwrite: dx is stale (written whole, as 0 + g).
template <class S>
bool permute_vjp(spec::OpId op, const spec::Dense<S>& x, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Dense<S>* dx,
                 bool overwrite);

// embedding as row copies (backward: row additions in the generic order),
// indices checked as the op checks them. False when `op` is not embedding.
template <class S>
bool embedding_forward(spec::OpId op, spec::Ins<S> in, spec::Dense<S>& y);
// overwrite: dw is stale (zeroed first: rows may repeat).
template <class S>
bool embedding_vjp(spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& g, spec::Dense<S>* dw, bool overwrite);

}  // namespace vt::rt
