#pragma once
// Property: optimizer steps of the float runtime (vt::train::Optimizer<S>, S =
// float or double) stay within their rounding contract of the same update
// rule run exactly (train/include/vt/train/optim.hpp, optim_rules, with
// ExactCoefficients: vt::ref::Rational for SGD, vt::ref::Interval at 256 bits
// for the kinds that take square roots).
//
// The comparison is local, per step, like the per-node audit: before every
// step the exact run is restarted from the float run's state (parameters and
// every ParamState buffer converted exactly), so rounding errors never add up
// across steps and the bound is that of one step.
//
// The bound, per element of every parameter and every state buffer after each
// step, is the running (a posteriori) error bound of that step's own float
// computation, carried through the very same rule template on a tracked
// scalar {value computed in S, error bound}: each rounded op that is not exact
// (an error-free transformation tells) adds u·|result| (u = 2^-24 for f32,
// 2^-53 for f64; * and / also the least subnormal), hyperparameter
// expressions add their rounding in double and their rounding to S, and the
// inherited errors propagate exactly as the op does:
//   a ± b: e_a + e_b          a · b: e_a(|b| + e_b) + |a| e_b
//   a / b: (e_a|b| + |a| e_b) / ((|b| - e_b)|b|)
//   sqrt a: min(e_a / sqrt a, sqrt e_a)     max(a, b): max(e_a, e_b).
// So the bound is u times a magnitude sum: to first order u · Σ κ·|r| over
// the inexact ops' results r, κ the op's condition factor through the rest of
// the rule: for a parameter, u|p + Δp| from the final add plus the update
// Δp's own error, a few u|Δp| (a few u times its terms where they cancel).
// See optimizer_property.cpp for why it holds and why it is tight.
#include <array>
#include <cstddef>
#include <string>

namespace vt::proptests {

// One random case, drawn with RapidCheck's *gen inside a property body: an
// optimizer kind (sgd with random momentum/dampening/nesterov/weight_decay,
// adagrad, rmsprop incl. centered+momentum, adam incl. amsgrad, adamw,
// adadelta), random options from small dyadic sets, 1-3 parameters of small
// random shapes with f32 or f64 values, and 3-5 steps of random gradients
// (a parameter now and then without one: it must stay as it is). Returns ""
// when every parameter element (and every state-buffer element) after every
// step is within the bound above of the exact value, else a message naming
// kind, options, dtype, step, parameter, element, float value, exact value and
// bound.
std::string check_random_optimizer_steps();

// Property: the shared update rules themselves are torch's. A random case as
// above (several parameter groups, each with its own options) runs through
// optim_rules and through torch 1.13's algorithms written out again from
// their documentation (torch_optim_algorithms.cpp), both exactly (Rational
// for SGD, 256-bit intervals otherwise) and from the same start; after every
// step each parameter and state buffer must agree. Returns "" or a message
// naming kind, groups, step, parameter, element and both values.
std::string check_rules_against_torch_algorithms();

namespace detail {

// Planted bugs for the self-test: each changes only the exact side, so a
// failure of the check shows that the comparison sees it.
enum class OptimizerPlant {
  none,
  lr_relative_2m20,              // exact side runs with lr * (1 + 2^-20)
  lr_negated,                    // exact side steps uphill (wrong sign)
  no_bias_correction,            // Adam/AdamW: 1 - beta^t taken as 1
  dampened_first_momentum_step,  // SGD: buf = (1 - dampening) * d at the first momentum step
};

// Counters over the cases a run saw (accumulated; zero-initialize once).
struct OptimizerStepStats {
  std::size_t cases = 0;
  std::array<std::size_t, 6> cases_per_kind{};  // by train::OptimKind
  std::size_t f32_cases = 0;
  std::size_t compared = 0;         // elements compared (parameters and buffers)
  std::size_t inexact = 0;          // of them, float != exact: the check is not vacuous
  std::size_t value_mismatches = 0; // float run != the bound run's own S value (0 when the runtime is the rule)
  double worst_ratio = 0;           // max |float - exact| / bound
  // bound / (u (|p before| + |p after|)) over parameter elements (those with a
  // nonzero value before or after): the constant c of an equivalent "c u S"
  // bound. Large only where the update's terms cancel (momentum against the
  // new direction, gradient against weight decay).
  std::size_t value_elements = 0, c_above_16 = 0;
  double worst_c = 0;
};

// check_random_optimizer_steps with a plant; adds to *stats when not null.
std::string check_random_optimizer_steps(OptimizerPlant plant, OptimizerStepStats* stats);

}  // namespace detail
}  // namespace vt::proptests
