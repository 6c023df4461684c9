#include "values.hpp"

#include <cmath>
#include <cstdlib>

namespace vt::proptests::detail {

namespace {

// One element's raw draw: `kind` in [0, 100) selects plain or edge values,
// `x` in about [-2^52, 2^52] the value within the kind.
struct Raw {
  int kind = 0;
  std::int64_t x = 0;
};

constexpr std::int64_t kSpan = std::int64_t{1} << 52;

// Kinds, by percentile of `kind`. 0 (the shrink target) is a plain value.
constexpr int kTie = 70, kZero = 80, kKink = 87, kTiny = 94, kLarge = 97;

// Values exactly at the kinks of relu/abs (0), of clamp (its bound table,
// op_steps.cpp) and of the positive wrappers (0.5); all k/8 with |k| <= 32.
constexpr double kKinks[] = {0, 0.5, -0.5, 1, -1, 2, -2, 0.25, -0.25};
constexpr double kPositiveKinks[] = {0.5, 1, 2, 0.25};
constexpr double kLargeValues[] = {100, -1000, 1e4, -1e4, 8765.4321, 9999.5};

double round_to(spec::DType t, double v) { return t == spec::DType::f32 ? static_cast<double>(static_cast<float>(v)) : v; }

std::int64_t pick(std::int64_t x, std::size_t n) { return std::llabs(x) % static_cast<std::int64_t>(n); }

// Tiny magnitudes: 1e-20 (normal in both dtypes) and subnormals of the dtype.
double tiny(spec::DType t, std::int64_t x) {
  const double sub = t == spec::DType::f32 ? static_cast<double>(1e-40f) : 1e-310;
  const double min_sub = t == spec::DType::f32 ? static_cast<double>(std::nextafter(0.0f, 1.0f)) : std::nextafter(0.0, 1.0);
  const double mags[] = {1e-20, sub, min_sub};
  const double m = round_to(t, mags[pick(x, 3)]);
  return (x / 3) % 2 == 0 ? m : -m;
}

// The value of one element of an argument (ties are resolved by the caller).
double value(const Raw& r, const ArgMeta& a, const GenOptions& o) {
  if (a.profile == Profile::Classes) return static_cast<double>(pick(r.x, static_cast<std::size_t>(a.classes)));
  const bool pos = a.profile == Profile::Positive || a.profile == Profile::PositiveLarge;
  const bool large = a.profile == Profile::Large || a.profile == Profile::PositiveLarge;
  const int kind = o.edge_values ? r.kind : 0;
  if (kind >= kZero && kind < kKink && !pos) return r.x % 8 == 7 && !o.rational_only ? -0.0 : 0.0;
  if (kind >= kKink && kind < kTiny)
    return pos ? kPositiveKinks[pick(r.x, std::size(kPositiveKinks))] : kKinks[pick(r.x, std::size(kKinks))];
  if (kind >= kTiny && kind < kLarge && !pos && !o.rational_only) return tiny(a.dtype, r.x);
  if (kind >= kLarge && large) {
    const double v = round_to(a.dtype, kLargeValues[pick(r.x, std::size(kLargeValues))]);
    return pos ? std::fabs(v) : v;
  }
  // Plain: k/8 in rational mode, else a dyadic with 53 significant bits, rounded to the dtype.
  if (o.rational_only) return pos ? static_cast<double>(2 + pick(r.x, 31)) / 8 : static_cast<double>(r.x % 33) / 8;
  if (pos) return round_to(a.dtype, 0.25 + 1.75 * std::ldexp(static_cast<double>(std::llabs(r.x)), -52));
  return round_to(a.dtype, std::ldexp(static_cast<double>(r.x), -51));
}

rc::Gen<Raw> raw() {
  return rc::gen::resize(rc::kNominalSize, rc::gen::map(rc::gen::pair(rc::gen::inRange(0, 100), rc::gen::arbitrary<std::int64_t>()),
                                                        [](std::pair<int, std::int64_t> p) {
                                                          return Raw{p.first, p.second / 2048};  // |x| <= 2^52
                                                        }));
}

}  // namespace

rc::Gen<ArgValues> gen_arg_values(const std::vector<ArgMeta>& args, const GenOptions& o) {
  std::size_t total = 0;
  for (const auto& a : args) total += static_cast<std::size_t>(a.numel);
  return rc::gen::map(rc::gen::container<std::vector<Raw>>(total, raw()), [args, o](const std::vector<Raw>& raws) {
    ArgValues out;
    std::size_t at = 0;
    for (const auto& a : args) {
      auto& v = out[a.name];
      for (std::int64_t i = 0; i < a.numel; ++i, ++at) {
        const Raw& r = raws[at];
        // A tie repeats the previous element of the row-major order, so
        // max, maximum and minimum see equal values along the last axis.
        const bool tie = o.edge_values && a.profile != Profile::Classes && r.kind >= kTie && r.kind < kZero && i > 0;
        v.push_back(tie ? v.back() : value(r, a, o));
      }
    }
    return out;
  });
}

}  // namespace vt::proptests::detail
