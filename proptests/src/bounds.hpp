#pragma once
// Value ranges that the generator tracks for every value it creates, so that
// it can tell, before any input exists, whether a value is surely positive,
// away from zero or small enough to exponentiate. Conservative interval
// arithmetic in double; only the generator's decisions depend on it.
#include <algorithm>
#include <cmath>

namespace vt::proptests::detail {

struct Range {
  double lo = 0, hi = 0;
  double mag() const { return std::max(std::fabs(lo), std::fabs(hi)); }
};

inline Range hull(double a, double b, double c, double d) {
  return {std::min({a, b, c, d}), std::max({a, b, c, d})};
}
inline Range r_add(Range a, Range b) { return {a.lo + b.lo, a.hi + b.hi}; }
inline Range r_sub(Range a, Range b) { return {a.lo - b.hi, a.hi - b.lo}; }
inline Range r_mul(Range a, Range b) { return hull(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi); }
// b must exclude 0 (the generator guarantees it before dividing).
inline Range r_div(Range a, Range b) { return hull(a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi); }
inline Range r_max(Range a, Range b) { return {std::max(a.lo, b.lo), std::max(a.hi, b.hi)}; }
inline Range r_min(Range a, Range b) { return {std::min(a.lo, b.lo), std::min(a.hi, b.hi)}; }
inline Range r_neg(Range a) { return {-a.hi, -a.lo}; }
inline Range r_abs(Range a) {
  if (a.lo >= 0) return a;
  if (a.hi <= 0) return r_neg(a);
  return {0, a.mag()};
}
inline Range r_square(Range a) {
  const Range m = r_abs(a);
  return {m.lo * m.lo, m.hi * m.hi};
}
inline Range r_scale(Range a, double n) { return {a.lo * n, a.hi * n}; }
inline Range r_clamp(Range a, bool has_lo, double lo, bool has_hi, double hi) {
  if (has_lo) a = r_max(a, {lo, lo});
  if (has_hi) a = r_min(a, {hi, hi});
  return a;
}
inline double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
inline double softplus_of(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }
inline double log_sigmoid(double x) { return -softplus_of(-x); }

}  // namespace vt::proptests::detail
