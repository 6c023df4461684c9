#pragma once
// Random optimizer cases for the optimizer properties (optimizer_property.cpp:
// float steps against exact arithmetic; torch_optim_algorithms.cpp: the
// shared update rules against torch's documented algorithms), the 256-bit
// interval scalar their exact runs use, and the texts of their messages.
#include <rapidcheck.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "vt/reference/interval.hpp"
#include "vt/spec/shape.hpp"
#include "vt/train/optim.hpp"

namespace vt::proptests::optim_cases {

// One case: a kind, 1 to 3 parameter groups each with its own random options
// (torch's param_groups), 1 to 3 parameters of small shapes with f32 or f64
// values, and 3 to 5 steps of gradients (now and then none for a parameter:
// it must stay as it is).
struct Case {
  train::OptimKind kind = train::OptimKind::SGD;
  std::vector<train::ParamGroup> groups;  // each with its own options
  std::vector<std::size_t> group_of;      // parameter -> its group
  bool f32 = false;
  std::vector<spec::Shape> shapes;
  std::vector<std::vector<double>> init;                               // parameter -> values (exact in S)
  std::vector<std::vector<std::optional<std::vector<double>>>> grads;  // step -> parameter -> gradient or none
  const train::OptimOptions& options_of(std::size_t param) const { return groups[group_of[param]].options; }
};

// Drawn with RapidCheck's *gen inside a property body.
Case draw_case();

// The exact run's scalar for the sqrt kinds: a 256-bit interval of our own
// type, so that its OptimScalar (max without undecidable comparisons) is
// defined here without touching the library's Interval.
struct ExactInterval : ref::Interval {
  using ref::Interval::Interval;
  ExactInterval() = default;
  ExactInterval(const ref::Interval& x) : ref::Interval(x) {}  // NOLINT: results of Interval's operators
};

std::string num(double v);                   // %.17g
std::string float_text(double v, bool f32);  // shortest round-trip digits and hex
std::string options_text(train::OptimKind kind, const train::OptimOptions& o);
std::string groups_text(const Case& c);      // one group's options, or each group's with its parameters
std::string shape_text(const spec::Shape& s);

}  // namespace vt::proptests::optim_cases

template <>
struct vt::spec::ScalarTraits<vt::proptests::optim_cases::ExactInterval> {
  using I = vt::proptests::optim_cases::ExactInterval;
  static constexpr bool transcendental = true;
  static I from_double(const I&, double v) { return I(ref::to_interval(ref::exact(v))); }
};

template <>
struct vt::train::OptimScalar<vt::proptests::optim_cases::ExactInterval> {
  using I = vt::proptests::optim_cases::ExactInterval;
  static I sqrt(const I& x) { return I(spec::ScalarTraits<ref::Interval>::sqrt(x)); }
  // torch.maximum's value lies in [max of the lows, max of the highs].
  static I max(const I& a, const I& b) {
    using boost::multiprecision::lower;
    using boost::multiprecision::upper;
    const ref::BigFloat lo = std::max(ref::BigFloat(lower(a.raw())), ref::BigFloat(lower(b.raw())));
    const ref::BigFloat hi = std::max(ref::BigFloat(upper(a.raw())), ref::BigFloat(upper(b.raw())));
    return I(ref::Interval(ref::Interval::Raw(lo, hi)));
  }
};
