#pragma once
// THE DOMAIN TABLE: which operands of which ops the generator must keep inside
// a restricted domain, by op name. Every op and operand not listed takes any
// finite value. How each need is met (build_graph.cpp, ensure()):
//   a fresh argument gets a "positive" value profile (inputs in [0.25, 2],
//   or [0.25, 4] as k/8 in rational mode); an existing value whose tracked
//   range does not already satisfy the need is wrapped first:
//     Positive       clamp(v) {min = 0.5}  or  add(abs(v), constant 0.5)
//     AwayFromZero   the same, sometimes negated (divisors of both signs)
//     BoundedAbove   clamp(v) {max = 4.0}  or  tanh(v) (transcendental ops only)
#include <string_view>

namespace vt::proptests::detail {

enum class Need : unsigned char {
  None,
  Positive,      // >= kMinPositive: log and sqrt stay finite, with bounded derivatives
  AwayFromZero,  // |v| >= kMinPositive: a divisor
  BoundedAbove,  // <= kMaxExpArg: exp stays far below the 1e30 guard
};

inline constexpr double kMinPositive = 0.25;
inline constexpr double kMaxExpArg = 20;

struct DomainHint {
  std::string_view op;
  int operand;
  Need need;
};

inline constexpr DomainHint kDomainHints[] = {
    {"log", 0, Need::Positive},      // ln x needs x > 0
    {"sqrt", 0, Need::Positive},     // sqrt x needs x >= 0, and its VJP divides by sqrt x
    {"div", 1, Need::AwayFromZero},  // a / b needs b != 0; its VJP divides by b^2
    {"exp", 0, Need::BoundedAbove},  // e^x overflows f32 at x ~ 88
    {"expm1", 0, Need::BoundedAbove},
    {"log1p", 0, Need::Positive},    // ln(1 + x) needs x > -1 (kept positive: its derivative 1/(1+x) bounded)
    // pow's needs depend on its exponent: its generator step states them.
    // batch_norm in eval divides by sqrt(running_var + eps): running_var >= 0.25
    // keeps it defined and the derivative bounded. layer_norm and training-mode
    // batch_norm need no hint: var >= 0 always, and eps > 0 bounds 1/s by
    // 1/sqrt(eps) (the generator also picks eps = 0.25 now and then).
    {"batch_norm", 4, Need::Positive},
};

constexpr Need need_of(std::string_view op, int operand) {
  for (const auto& h : kDomainHints)
    if (h.op == op && h.operand == operand) return h.need;
  return Need::None;
}

}  // namespace vt::proptests::detail
