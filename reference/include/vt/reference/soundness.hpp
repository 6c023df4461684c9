#pragma once
// Per-node soundness. For an op at inputs x, tangent v and cotangent g,
//     < g, J(x) v >  ==  < VJP(x, g), v >
// where J(x) v comes from the op's generic forward run on dual numbers and
// VJP from its hand-written rule. Over the rationals both sides are exact, so
// the check is equality, not a tolerance.
#include <cmath>
#include <ostream>
#include <vector>

#include "vt/reference/dual.hpp"
#include "vt/reference/interval.hpp"
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
  spec::mutants::op_vjp<Op, S>(in, y, g, attrs, gp);  // a planted bug (spec/mutation.hpp) shows here too
  S rhs = zero;
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (gp[i])
      for (std::int64_t k = 0; k < xs[i].numel(); ++k) rhs += grads[i][k] * vs[i][k];
  return {lhs, rhs};
}

}  // namespace vt::ref

// ---- Transcendental ops: interval enclosures plus high-precision finite differences.
namespace vt::ref {

enum class Verdict { Sound, Unsound, Inconclusive };

inline const char* to_string(Verdict v) {
  return v == Verdict::Sound ? "sound" : v == Verdict::Unsound ? "UNSOUND" : "inconclusive";
}
inline std::ostream& operator<<(std::ostream& os, Verdict v) { return os << to_string(v); }

struct IntervalSoundness {
  Verdict verdict = Verdict::Inconclusive;
  std::string detail;  // why, with the numbers
};

// Stated bounds of the interval check (at >= 200 bits):
//  - an enclosure wider than kMaxRelativeWidth (relative) cannot decide: inconclusive;
//  - the central difference with h = 2^-100 max(1, |x|) at 256 bits has truncation error
//    O(h^2) ~ 1e-60 and rounding error ~ 2^-256 / h ~ 1e-47 (relative, for O(1)
//    derivatives), so it must agree with the VJP side within kFdRelativeBound.
inline constexpr double kMaxRelativeWidth = 1e-50;
inline constexpr double kFdRelativeBound = 1e-40;

template <class To, class From>
spec::Dense<To> convert_dense(const spec::Dense<From>& d, const To& zero, To (*conv)(const From&)) {
  spec::Dense<To> out = spec::Dense<To>::full(d.shape, zero);
  for (std::int64_t i = 0; i < d.numel(); ++i) out[i] = conv(d[i]);
  return out;
}

// <g, J v> and <VJP g, v> as intervals must overlap; a central finite
// difference in BigFloat must agree with them to kFdRelativeBound.
// Inputs are exact rationals (e.g. float inputs converted exactly).
template <class Op>
IntervalSoundness interval_soundness(const std::vector<spec::Dense<Rational>>& xs, const std::vector<spec::Dense<Rational>>& vs,
                                     const spec::Dense<Rational>& g, const spec::AttrMap& attrs,
                                     unsigned bits = kDefaultIntervalBits) {
  IntervalPrecision precision(bits);
  auto to_i = [](const spec::Dense<Rational>& d) { return convert_dense<Interval, Rational>(d, Interval(0), &to_interval); };
  auto to_f = [](const spec::Dense<Rational>& d) {
    return convert_dense<BigFloat, Rational>(d, BigFloat(0), +[](const Rational& q) { return BigFloat(q); });
  };
  std::vector<spec::Dense<Interval>> xi, vi;
  for (const auto& x : xs) xi.push_back(to_i(x));
  for (const auto& v : vs) vi.push_back(to_i(v));
  SoundnessSides<Interval> sides{Interval(0), Interval(0)};
  try {
    sides = soundness_sides<Op>(xi, vi, to_i(g), attrs);
  } catch (const spec::DomainError& e) {
    return {e.inconclusive ? Verdict::Inconclusive : Verdict::Unsound, e.what()};
  }
  const std::string sides_text = "<g,Jv> in " + to_string(sides.jvp_side) + ", <VJP g,v> in " + to_string(sides.vjp_side);
  if (!overlap(sides.jvp_side, sides.vjp_side)) return {Verdict::Unsound, "disjoint: " + sides_text};
  if (relative_width(sides.jvp_side) > kMaxRelativeWidth || relative_width(sides.vjp_side) > kMaxRelativeWidth)
    return {Verdict::Inconclusive, "enclosures too wide to decide: " + sides_text};

  // Central difference of <g, f(x + h v)> in BigFloat, with h relative to the
  // inputs' magnitude so that x + h v does not round at large |x|.
  // (A power of two, so h itself is exact at any precision.)
  int magnitude = 0;
  for (const auto& x : xs)
    for (const auto& q : x.data) {
      const double a = std::abs(q.template convert_to<double>());
      if (a >= 1 && std::isfinite(a)) magnitude = std::max(magnitude, std::ilogb(a) + 1);
    }
  const BigFloat h = boost::multiprecision::ldexp(BigFloat(1), magnitude - 100);
  std::vector<spec::Dense<BigFloat>> xp, xm;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    xp.push_back(to_f(xs[i]));
    xm.push_back(to_f(xs[i]));
    if (!Op::differentiable(static_cast<int>(i))) continue;
    const auto vf = to_f(vs[i]);
    for (std::int64_t k = 0; k < xs[i].numel(); ++k) {
      xp[i][k] += h * vf[k];
      xm[i][k] -= h * vf[k];
    }
  }
  auto eval = [&](const std::vector<spec::Dense<BigFloat>>& x) {
    std::vector<const spec::Dense<BigFloat>*> p;
    for (const auto& d : x) p.push_back(&d);
    spec::Dense<BigFloat> y = spec::Dense<BigFloat>::full(g.shape, BigFloat(0));
    Op::template forward<BigFloat>(p, attrs, y);
    return y;
  };
  const auto yp = eval(xp), ym = eval(xm);
  BigFloat fd = 0;
  for (std::int64_t j = 0; j < g.numel(); ++j) fd += BigFloat(g[j]) * (yp[j] - ym[j]);
  fd /= 2 * h;
  const BigFloat mid = boost::multiprecision::median(sides.vjp_side.raw());
  const BigFloat diff = boost::multiprecision::abs(fd - mid) / boost::multiprecision::max(BigFloat(1), boost::multiprecision::abs(fd));
  if (diff > kFdRelativeBound)
    return {Verdict::Unsound, "finite difference " + fd.str(20) + " disagrees (relative " + diff.str(3) + "): " + sides_text};
  return {Verdict::Sound, sides_text + ", finite difference agrees to " + diff.str(3)};
}

// Full-Jacobian mode for small shapes: every entry J[j][k], once from the
// forward on duals (tangent e_k) and once from the VJP (cotangent e_j).
// `same(a, b)` decides equality (exact for rationals, overlap for intervals).
template <class S>
struct JacobianReport {
  std::int64_t entries = 0, mismatches = 0;
  std::string first_mismatch;
};

template <class Op, class S, class Same>
JacobianReport<S> full_jacobian(const std::vector<spec::Dense<S>>& xs, const spec::AttrMap& attrs, const spec::Shape& out,
                                const S& zero, Same same) {
  using spec::Dense;
  JacobianReport<S> rep;
  std::vector<const Dense<S>*> in;
  for (const auto& x : xs) in.push_back(&x);
  Dense<S> y = Dense<S>::full(out, zero);
  Op::template forward<S>(in, attrs, y);
  // Rows from the VJP: vjp_rows[j][i] is d y_j / d input i.
  std::vector<std::vector<Dense<S>>> rows;
  for (std::int64_t j = 0; j < y.numel(); ++j) {
    Dense<S> g = Dense<S>::full(out, zero);
    g[j] = spec::K(zero, 1);
    std::vector<Dense<S>> dx;
    for (const auto& x : xs) dx.push_back(Dense<S>::full(x.shape, zero));
    std::vector<Dense<S>*> dp;
    for (std::size_t i = 0; i < xs.size(); ++i) dp.push_back(Op::differentiable(static_cast<int>(i)) ? &dx[i] : nullptr);
    spec::mutants::op_vjp<Op, S>(in, y, g, attrs, dp);
    rows.push_back(std::move(dx));
  }
  // Columns from duals.
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!Op::differentiable(static_cast<int>(i))) continue;
    for (std::int64_t k = 0; k < xs[i].numel(); ++k) {
      std::vector<Dense<Dual<S>>> dxs;
      for (std::size_t m = 0; m < xs.size(); ++m) {
        Dense<Dual<S>> d = Dense<Dual<S>>::full(xs[m].shape, Dual<S>{zero, zero});
        for (std::int64_t e = 0; e < d.numel(); ++e) d[e] = {xs[m][e], (m == i && e == k) ? spec::K(zero, 1) : zero};
        dxs.push_back(std::move(d));
      }
      std::vector<const Dense<Dual<S>>*> dp;
      for (const auto& d : dxs) dp.push_back(&d);
      Dense<Dual<S>> dy = Dense<Dual<S>>::full(out, Dual<S>{zero, zero});
      Op::template forward<Dual<S>>(dp, attrs, dy);
      for (std::int64_t j = 0; j < y.numel(); ++j) {
        ++rep.entries;
        if (!same(dy[j].d, rows[static_cast<std::size_t>(j)][i][k])) {
          if (rep.mismatches++ == 0)
            rep.first_mismatch = std::string(Op::name) + ": d y[" + std::to_string(j) + "] / d in" + std::to_string(i) + "[" +
                                 std::to_string(k) + "] differs between JVP and VJP";
        }
      }
    }
  }
  return rep;
}

}  // namespace vt::ref
