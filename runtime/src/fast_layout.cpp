#include "fast_layout.hpp"

#include <algorithm>

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
  const bool rows = r > 0 && perm[r - 1] == static_cast<std::int64_t>(r - 1);
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
  for_each_run(x.shape, perm, [&](std::int64_t src, std::int64_t dst, std::int64_t run) {
    if (overwrite)
      for (std::int64_t j = 0; j < run; ++j) dp[src + j] = S(0) + gp[dst + j];
    else
      for (std::int64_t j = 0; j < run; ++j) dp[src + j] += gp[dst + j];
  });
  return true;
}

template bool permute_forward<float>(spec::OpId, const spec::Dense<float>&, const spec::AttrMap&, spec::Dense<float>&);
template bool permute_forward<double>(spec::OpId, const spec::Dense<double>&, const spec::AttrMap&, spec::Dense<double>&);
template bool permute_vjp<float>(spec::OpId, const spec::Dense<float>&, const spec::Dense<float>&, const spec::AttrMap&,
                                 spec::Dense<float>*, bool);
template bool permute_vjp<double>(spec::OpId, const spec::Dense<double>&, const spec::Dense<double>&, const spec::AttrMap&,
                                  spec::Dense<double>*, bool);

}  // namespace vt::rt
