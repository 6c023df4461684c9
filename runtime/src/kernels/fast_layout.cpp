#include "fast_layout.hpp"

#include <algorithm>

#include "vt/spec/mutation.hpp"

namespace vt::rt {

namespace {

namespace ops = spec::ops;

// Calls f(src, dst, run) for every run of `run` contiguous output elements
// (dst, in output order) read from input offset src with unit stride.
template <class F>
void for_each_run(const spec::Shape& in, const std::vector<std::int64_t>& perm, F&& f) {
  const std::size_t r = perm.size();
  const auto in_strides = in.strides();
  std::vector<std::int64_t> size(r), stride(r);
  for (std::size_t k = 0; k < r; ++k) size[k] = in[static_cast<std::size_t>(perm[k])], stride[k] = in_strides[static_cast<std::size_t>(perm[k])];
  std::int64_t total = 1;
  for (auto s : size) total *= s;
  if (total == 0) return;
  // The last output axis is a contiguous run when it is the input's last axis.
  const bool rows = permute_keeps_last_axis(perm);
  const std::int64_t run = rows ? size[r - 1] : 1;
  const std::size_t axes = rows ? r - 1 : r;  // the odometer's axes
  std::vector<std::int64_t> idx(axes, 0);
  std::int64_t src = 0;
  for (std::int64_t dst = 0; dst < total; dst += run) {
    f(src, dst, run);
    for (std::size_t k = axes; k-- > 0;) {
      if (++idx[k] < size[k]) {
        src += stride[k];
        break;
      }
      src -= stride[k] * (idx[k] - 1);
      idx[k] = 0;
    }
  }
}

bool perm_of(spec::OpId op, const spec::Shape& s, const spec::AttrMap& a, std::vector<std::int64_t>& perm) {
  if (op == spec::op_id<ops::Permute>) return perm = ops::Permute::checked_perm(s, a), true;
  if (op == spec::op_id<ops::Transpose>) return perm = ops::Transpose::perm(s, a), true;
  return false;
}

// The weight rows the indices pick, checked as the op checks them (the same
// DomainError, raised before anything is written).
template <class S>
std::vector<std::int64_t> embedding_rows(const spec::Dense<S>& w, const spec::Dense<S>& indices) {
  return ops::idx::checked_indices(ops::Embedding::name, "indices", indices, w.shape[0],
                                   "the " + std::to_string(w.shape[0]) + " rows of weight");
}

}  // namespace

template <class S>
bool permute_forward(spec::OpId op, const spec::Dense<S>& x, const spec::AttrMap& attrs, spec::Dense<S>& y) {
  std::vector<std::int64_t> perm;
  if (!perm_of(op, x.shape, attrs, perm)) return false;
  const S* xp = x.data.data();
  S* yp = y.data.data();
  for_each_run(x.shape, perm, [&](std::int64_t src, std::int64_t dst, std::int64_t run) { std::copy(xp + src, xp + src + run, yp + dst); });
  return true;
}

template <class S>
bool permute_vjp(spec::OpId op, const spec::Dense<S>& x, const spec::Dense<S>& g, const spec::AttrMap& attrs, spec::Dense<S>* dx,
                 bool overwrite) {
  std::vector<std::int64_t> perm;
  if (!perm_of(op, x.shape, attrs, perm)) return false;
  if (!dx) return true;
  const S* gp = g.data.data();
  S* dp = dx->data.data();
  if (spec::mutation::planted(spec::mutation::Mutant::fast_permute_reverses_rows)) {  // (planted bug: rows read reversed)
    for_each_run(x.shape, perm, [&](std::int64_t src, std::int64_t dst, std::int64_t run) {
      for (std::int64_t j = 0; j < run; ++j) dp[src + j] = (overwrite ? S(0) : dp[src + j]) + gp[dst + run - 1 - j];
    });
    return true;
  }
  for_each_run(x.shape, perm, [&](std::int64_t src, std::int64_t dst, std::int64_t run) {
    if (overwrite)
      for (std::int64_t j = 0; j < run; ++j) dp[src + j] = S(0) + gp[dst + j];
    else
      for (std::int64_t j = 0; j < run; ++j) dp[src + j] += gp[dst + j];
  });
  return true;
}

template <class S>
bool embedding_forward(spec::OpId op, spec::Ins<S> in, spec::Dense<S>& y) {
  if (op != spec::op_id<ops::Embedding>) return false;
  const spec::Dense<S>& w = *in[0];
  const std::int64_t D = w.shape[1];
  const auto rows = embedding_rows(w, *in[1]);
  for (std::size_t p = 0; p < rows.size(); ++p)
    std::copy(w.data.begin() + rows[p] * D, w.data.begin() + (rows[p] + 1) * D, y.data.begin() + static_cast<std::int64_t>(p) * D);
  return true;
}

template <class S>
bool embedding_vjp(spec::OpId op, spec::Ins<S> in, const spec::Dense<S>& g, spec::Dense<S>* dw, bool overwrite) {
  if (op != spec::op_id<ops::Embedding>) return false;
  if (!dw) return true;
  const std::int64_t D = in[0]->shape[1];
  const auto rows = embedding_rows(*in[0], *in[1]);
  if (overwrite) std::fill(dw->data.begin(), dw->data.end(), S(0));
  const bool assigns = spec::mutation::planted(spec::mutation::Mutant::fast_embedding_assigns);  // (planted bug)
  for (std::size_t p = 0; p < rows.size(); ++p) {
    S* d = dw->data.data() + rows[p] * D;
    const S* gp = g.data.data() + static_cast<std::int64_t>(p) * D;
    for (std::int64_t j = 0; j < D; ++j) d[j] = (assigns ? S(0) : d[j]) + gp[j];
  }
  return true;
}

template bool embedding_forward<float>(spec::OpId, spec::Ins<float>, spec::Dense<float>&);
template bool embedding_forward<double>(spec::OpId, spec::Ins<double>, spec::Dense<double>&);
template bool embedding_vjp<float>(spec::OpId, spec::Ins<float>, const spec::Dense<float>&, spec::Dense<float>*, bool);
template bool embedding_vjp<double>(spec::OpId, spec::Ins<double>, const spec::Dense<double>&, spec::Dense<double>*, bool);
template bool permute_forward<float>(spec::OpId, const spec::Dense<float>&, const spec::AttrMap&, spec::Dense<float>&);
template bool permute_forward<double>(spec::OpId, const spec::Dense<double>&, const spec::AttrMap&, spec::Dense<double>&);
template bool permute_vjp<float>(spec::OpId, const spec::Dense<float>&, const spec::Dense<float>&, const spec::AttrMap&,
                                 spec::Dense<float>*, bool);
template bool permute_vjp<double>(spec::OpId, const spec::Dense<double>&, const spec::Dense<double>&, const spec::AttrMap&,
                                  spec::Dense<double>*, bool);

}  // namespace vt::rt
