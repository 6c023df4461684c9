#pragma once
// Per-node soundness: for an op at inputs x, tangent v and cotangent g,
//     < g, J(x) v >  ==  < VJP(x, g), v >
// where J(x) v comes from the op's generic forward run on dual numbers and
// VJP from its hand-written rule. Over the rationals both sides are exact, so
// the check is equality, not a tolerance.
#include <vector>

#include "vt/reference/dual.hpp"
#include "vt/spec/generic_ops.hpp"

namespace vt::ref {

template <class S>
struct SoundnessSides {
  S jvp_side;  // < g, J v >
  S vjp_side;  // < VJP(g), v >
};

// xs: inputs; vs: tangents (same shapes; ignored for non-differentiable
// inputs); g: cotangent of the output (its shape from the op's rule).
template <class Op, class S>
SoundnessSides<S> soundness_sides(const std::vector<spec::Dense<S>>& xs, const std::vector<spec::Dense<S>>& vs,
                                  const spec::Dense<S>& g, const spec::AttrMap& attrs) {
  using spec::Dense;
  const S zero = spec::K(g[0], 0);
  // JVP: forward on duals.
  std::vector<Dense<Dual<S>>> dx;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    Dense<Dual<S>> d = Dense<Dual<S>>::full(xs[i].shape, Dual<S>{zero, zero});
    const bool tangent = Op::differentiable(static_cast<int>(i));
    for (std::int64_t k = 0; k < d.numel(); ++k) d[k] = {xs[i][k], tangent ? vs[i][k] : zero};
    dx.push_back(std::move(d));
  }
  std::vector<const Dense<Dual<S>>*> din;
  for (const auto& d : dx) din.push_back(&d);
  Dense<Dual<S>> dy = Dense<Dual<S>>::full(g.shape, Dual<S>{zero, zero});
  Op::template forward<Dual<S>>(din, attrs, dy);
  S lhs = zero;
  for (std::int64_t j = 0; j < g.numel(); ++j) lhs += g[j] * dy[j].d;

  // VJP: the op's rule, on the primal values.
  std::vector<const Dense<S>*> in;
  for (const auto& x : xs) in.push_back(&x);
  Dense<S> y = Dense<S>::full(g.shape, zero);
  Op::template forward<S>(in, attrs, y);
  std::vector<Dense<S>> grads;
  for (const auto& x : xs) grads.push_back(Dense<S>::full(x.shape, zero));
  std::vector<Dense<S>*> gp;
  for (std::size_t i = 0; i < xs.size(); ++i) gp.push_back(Op::differentiable(static_cast<int>(i)) ? &grads[i] : nullptr);
  Op::template vjp<S>(in, y, g, attrs, gp);
  S rhs = zero;
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (gp[i])
      for (std::int64_t k = 0; k < xs[i].numel(); ++k) rhs += grads[i][k] * vs[i][k];
  return {lhs, rhs};
}

}  // namespace vt::ref
