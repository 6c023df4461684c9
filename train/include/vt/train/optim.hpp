#pragma once
// Optimizers with PyTorch 1.13's semantics: SGD (momentum, dampening,
// Nesterov, weight decay), Adagrad, RMSprop, Adam, AdamW and Adadelta.
//
// Each update rule is written once, below, as a template over the element
// scalar T and a coefficient policy C; the runtime runs it on float/double,
// and the tests run the very same code on exact rationals and certified
// intervals (vt::ref) to bound the rounding error of the float runs.
//
// Operation order follows torch/optim/*.py (single-tensor path, foreach=False,
// maximize=False) op for op, with PyTorch's portable CPU kernels:
//   t.add_(u, alpha=a)       t + a*u
//   t.addcmul_(u, v, value=a) t + (a*u)*v
//   t.addcdiv_(u, v, value=a) t + (a*u)/v
//   t.mul_(a), t / a          t*a, t/a
// This matches torch's portable kernels bitwise; its AVX2 kernels fuse the
// first two into FMAs, which moves results by about an ulp (test_optim.cpp
// checks both against fixtures from scripts/gen_torch_fixtures.py).
//
// Hyperparameters: PyTorch computes expressions such as 1 - beta1 or
// lr / (1 - beta1**step) in Python, i.e. in double, and a kernel reading a
// Python float as a scalar for a float32 tensor rounds it once to float32
// (c10::Scalar::to<float>, a static_cast). TorchCoefficients<S> does exactly
// that; ExactCoefficients<T> computes the same expressions exactly in T.
//
//   train::Optimizer<float> opt(train::OptimKind::Adam, 2, train::OptimOptions::defaults(train::OptimKind::Adam));
//   opt.step(std::vector<train::ParamView<float>>{{&w, &dw}, {&b, &db}});
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vt/runtime/io/checkpoint.hpp"
#include "vt/spec/dense.hpp"
#include "vt/spec/mutation.hpp"
#include "vt/spec/scalar.hpp"

namespace vt::train {

enum class OptimKind { SGD, Adagrad, RMSprop, Adam, AdamW, Adadelta };

std::string_view to_string(OptimKind);
// "sgd", "adagrad", "rmsprop", "adam", "adamw", "adadelta" (any case).
std::optional<OptimKind> parse_optim_kind(std::string_view);

// Hyperparameters, named as in torch.optim; each kind reads only its own.
struct OptimOptions {
  double lr = 0;                                        // all kinds
  double momentum = 0, dampening = 0, weight_decay = 0;  // SGD (momentum also RMSprop; weight_decay all)
  bool nesterov = false;                                 // SGD
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;         // Adam/AdamW betas; eps: Adam/AdamW/Adagrad/RMSprop/Adadelta
  bool amsgrad = false;                                  // Adam/AdamW
  double alpha = 0.99;                                   // RMSprop
  bool centered = false;                                 // RMSprop
  // Adagrad. torch fills state['sum'] from the constructor's
  // initial_accumulator_value even when a group sets its own; here each
  // group's value is used (the same when only the constructor sets it).
  double lr_decay = 0, initial_accumulator_value = 0;
  double rho = 0.9;                                      // Adadelta

  // torch 1.13's defaults for `kind`. SGD's lr is a required argument in
  // torch; 0.01 here (Adagrad's and RMSprop's default).
  static OptimOptions defaults(OptimKind kind);
};

struct ParamGroup {
  std::vector<std::size_t> params;  // indices into the span given to step()
  OptimOptions options;
};

// grad == nullptr: the parameter is skipped this step (PyTorch skips
// parameters whose .grad is None); its state is left as it is.
template <class S>
struct ParamView {
  spec::Dense<S>* value;
  const spec::Dense<S>* grad;
};

// Throws std::invalid_argument when `o` is not valid for `kind`, with the
// checks of torch.optim's constructors (plus: every number must be finite).
// `where` starts the message, e.g. "Optimizer(adam): group 1".
void validate_options(OptimKind kind, const OptimOptions& o, const std::string& where);

// ---------------------------------------------------------------------------
// Per-parameter state
// ---------------------------------------------------------------------------

// torch's state names; which ones a kind keeps is in its update rule below.
enum class OptimBuffer { momentum_buffer, sum, square_avg, grad_avg, acc_delta, exp_avg, exp_avg_sq, max_exp_avg_sq };
inline constexpr std::size_t kOptimBufferCount = 8;
std::string_view to_string(OptimBuffer);
std::optional<OptimBuffer> parse_optim_buffer(std::string_view);

template <class T>
struct ParamState {
  std::int64_t step = 0;  // updates applied so far (torch's state['step'])
  std::array<std::optional<std::vector<T>>, kOptimBufferCount> buffers;

  std::vector<T>* find(OptimBuffer b) {
    auto& s = buffers[static_cast<std::size_t>(b)];
    return s ? &*s : nullptr;
  }
  const std::vector<T>* find(OptimBuffer b) const {
    const auto& s = buffers[static_cast<std::size_t>(b)];
    return s ? &*s : nullptr;
  }
  // The buffer, created as n copies of `init` when absent (torch creates its
  // state lazily at a parameter's first update, and so do we).
  std::vector<T>& get(OptimBuffer b, std::size_t n, const T& init) {
    auto& s = buffers[static_cast<std::size_t>(b)];
    if (!s) s.emplace(n, init);
    return *s;
  }
};

// ---------------------------------------------------------------------------
// Scalar customization points
// ---------------------------------------------------------------------------

// sqrt and max on elements. max follows torch.maximum (NaN wins). Enclosure
// types whose comparisons may be undecidable specialize max.
template <class T>
struct OptimScalar {
  static T sqrt(const T& x) { return spec::math::sqrt(x); }
  static T max(const T& a, const T& b) { return (a < b || b != b) ? b : a; }
};

// Float runs: hyperparameter expressions in double (Python floats), rounded
// once to S where a kernel reads them. pow is C's pow, as Python's float ** float.
template <class S>
struct TorchCoefficients {
  using H = double;
  static H in(double v) { return v; }
  static S out(H v) { return static_cast<S>(v); }
  static H pow(H x, std::int64_t n) { return std::pow(x, static_cast<double>(n)); }
  static H sqrt(H x) { return std::sqrt(x); }
};

// Exact runs: the same expressions computed in T from the exact values of the
// double hyperparameters.
template <class T>
struct ExactCoefficients {
  using H = T;
  static H in(double v) { return spec::ScalarTraits<T>::from_double(T(0), v); }
  static T out(const H& v) { return v; }
  static H pow(const H& x, std::int64_t n) {
    H r = in(1.0);
    for (std::int64_t i = 0; i < n; ++i) r = r * x;
    return r;
  }
  static H sqrt(const H& x) { return OptimScalar<T>::sqrt(x); }
};

// ---------------------------------------------------------------------------
// The update rules (torch 1.13 _single_tensor_<kind>), one element at a time:
// every op is elementwise, so fusing them per element changes no result.
// ---------------------------------------------------------------------------
namespace optim_rules {

template <class T, class C>
T coef(double v) { return C::out(C::in(v)); }
template <class T, class C>
T zero() { return coef<T, C>(0.0); }

// One minus a hyperparameter, computed as Python does (1 - x in H).
template <class C>
typename C::H one_minus(double x) { return C::in(1.0) - C::in(x); }

template <class T, class C>
void sgd(const OptimOptions& o, ParamState<T>& st, std::span<T> p, std::span<const T> g) {
  ++st.step;
  const T wd = coef<T, C>(o.weight_decay), mom = coef<T, C>(o.momentum);
  const T damp1 = C::out(one_minus<C>(o.dampening)), neg_lr = C::out(-C::in(o.lr));
  const bool has_mom = o.momentum != 0;
  // torch: buf = clone(d_p) at the first momentum step, then buf*m + (1-dampening)*d_p.
  const bool first = has_mom && st.find(OptimBuffer::momentum_buffer) == nullptr;
  std::vector<T>* buf = has_mom ? &st.get(OptimBuffer::momentum_buffer, p.size(), zero<T, C>()) : nullptr;
  for (std::size_t i = 0; i < p.size(); ++i) {
    T d = g[i];
    if (o.weight_decay != 0) d = d + wd * p[i];
    if (has_mom) {
      T& b = (*buf)[i];
      b = first ? d : b * mom + damp1 * d;
      d = o.nesterov ? d + mom * b : b;
    }
    p[i] = p[i] + neg_lr * d;
  }
}

template <class T, class C>
void adagrad(const OptimOptions& o, ParamState<T>& st, std::span<T> p, std::span<const T> g) {
  ++st.step;
  using H = typename C::H;
  const H step = C::in(static_cast<double>(st.step));
  const H clr = C::in(o.lr) / (C::in(1.0) + (step - C::in(1.0)) * C::in(o.lr_decay));
  const T wd = coef<T, C>(o.weight_decay), eps = coef<T, C>(o.eps), neg_clr = C::out(-clr);
  auto& sum = st.get(OptimBuffer::sum, p.size(), coef<T, C>(o.initial_accumulator_value));
  for (std::size_t i = 0; i < p.size(); ++i) {
    T d = g[i];
    if (o.weight_decay != 0) d = d + wd * p[i];
    sum[i] = sum[i] + d * d;  // addcmul_(grad, grad, value=1): the 1* is exact
    const T den = OptimScalar<T>::sqrt(sum[i]) + eps;
    p[i] = p[i] + (neg_clr * d) / den;
  }
}

template <class T, class C>
void rmsprop(const OptimOptions& o, ParamState<T>& st, std::span<T> p, std::span<const T> g) {
  ++st.step;
  const T wd = coef<T, C>(o.weight_decay), alpha = coef<T, C>(o.alpha), eps = coef<T, C>(o.eps);
  const T oma = C::out(one_minus<C>(o.alpha)), mom = coef<T, C>(o.momentum), neg_lr = C::out(-C::in(o.lr));
  auto& sq = st.get(OptimBuffer::square_avg, p.size(), zero<T, C>());
  std::vector<T>* ga = o.centered ? &st.get(OptimBuffer::grad_avg, p.size(), zero<T, C>()) : nullptr;
  std::vector<T>* buf = o.momentum > 0 ? &st.get(OptimBuffer::momentum_buffer, p.size(), zero<T, C>()) : nullptr;
  for (std::size_t i = 0; i < p.size(); ++i) {
    T d = g[i];
    if (o.weight_decay != 0) d = d + wd * p[i];
    sq[i] = sq[i] * alpha + (oma * d) * d;
    T avg = sq[i];
    if (ga) {
      T& a = (*ga)[i];
      a = a * alpha + oma * d;
      avg = sq[i] + (-a) * a;  // addcmul(ga, ga, value=-1)
    }
    avg = OptimScalar<T>::sqrt(avg) + eps;
    if (buf) {
      T& b = (*buf)[i];
      b = b * mom + d / avg;  // addcdiv_(grad, avg), value 1
      p[i] = p[i] + neg_lr * b;
    } else {
      p[i] = p[i] + (neg_lr * d) / avg;
    }
  }
}

// Adam and AdamW share everything after the weight decay.
template <class T, class C>
void adam_like(const OptimOptions& o, ParamState<T>& st, std::span<T> p, std::span<const T> g, bool decoupled) {
  ++st.step;
  using H = typename C::H;
  const H bc1 = C::in(1.0) - C::pow(C::in(o.beta1), st.step);
  const H bc2 = C::in(1.0) - C::pow(C::in(o.beta2), st.step);
  // (planted bug, spec/mutation.hpp: the second bias correction taken as 1, in every run of this rule)
  const bool no_bc2 = spec::mutation::planted(spec::mutation::Mutant::optim_rule_adam_drops_bias_correction2);
  const T neg_step_size = C::out(-(C::in(o.lr) / bc1)), bc2s = C::out(no_bc2 ? C::in(1.0) : C::sqrt(bc2));
  const T b1 = coef<T, C>(o.beta1), b2 = coef<T, C>(o.beta2), eps = coef<T, C>(o.eps);
  const T omb1 = C::out(one_minus<C>(o.beta1)), omb2 = C::out(one_minus<C>(o.beta2));
  const T wd = coef<T, C>(o.weight_decay);
  const T decay = C::out(C::in(1.0) - C::in(o.lr) * C::in(o.weight_decay));  // AdamW: 1 - lr*wd
  auto& m = st.get(OptimBuffer::exp_avg, p.size(), zero<T, C>());
  auto& v = st.get(OptimBuffer::exp_avg_sq, p.size(), zero<T, C>());
  std::vector<T>* vmax = o.amsgrad ? &st.get(OptimBuffer::max_exp_avg_sq, p.size(), zero<T, C>()) : nullptr;
  for (std::size_t i = 0; i < p.size(); ++i) {
    T d = g[i];
    if (decoupled) {
      p[i] = p[i] * decay;
    } else if (o.weight_decay != 0) {
      d = d + wd * p[i];
    }
    m[i] = m[i] * b1 + omb1 * d;
    v[i] = v[i] * b2 + (omb2 * d) * d;
    T den = v[i];
    if (vmax) den = (*vmax)[i] = OptimScalar<T>::max((*vmax)[i], v[i]);
    den = OptimScalar<T>::sqrt(den) / bc2s + eps;
    p[i] = p[i] + (neg_step_size * m[i]) / den;
  }
}

template <class T, class C>
void adadelta(const OptimOptions& o, ParamState<T>& st, std::span<T> p, std::span<const T> g) {
  ++st.step;
  const T wd = coef<T, C>(o.weight_decay), rho = coef<T, C>(o.rho), eps = coef<T, C>(o.eps);
  const T omr = C::out(one_minus<C>(o.rho)), neg_lr = C::out(-C::in(o.lr));
  auto& sq = st.get(OptimBuffer::square_avg, p.size(), zero<T, C>());
  auto& acc = st.get(OptimBuffer::acc_delta, p.size(), zero<T, C>());
  for (std::size_t i = 0; i < p.size(); ++i) {
    T d = g[i];
    if (o.weight_decay != 0) d = d + wd * p[i];
    sq[i] = sq[i] * rho + (omr * d) * d;
    const T den = OptimScalar<T>::sqrt(sq[i] + eps);
    const T delta = OptimScalar<T>::sqrt(acc[i] + eps) / den * d;
    acc[i] = acc[i] * rho + (omr * delta) * delta;
    p[i] = p[i] + neg_lr * delta;
  }
}

}  // namespace optim_rules

// One update of one parameter (values p, gradient g, same length) by `kind`.
// Kinds that need sqrt throw std::invalid_argument for scalars without it
// (exact rationals). Options are not validated here.
template <class T, class C = TorchCoefficients<T>>
void update_param(OptimKind kind, const OptimOptions& o, ParamState<T>& st, std::span<T> p, std::span<const T> g) {
  if (p.size() != g.size()) throw std::invalid_argument("update_param: value and gradient sizes differ");
  if (kind == OptimKind::SGD) return optim_rules::sgd<T, C>(o, st, p, g);
  if constexpr (spec::ScalarTraits<T>::transcendental) {
    switch (kind) {
      case OptimKind::Adagrad: return optim_rules::adagrad<T, C>(o, st, p, g);
      case OptimKind::RMSprop: return optim_rules::rmsprop<T, C>(o, st, p, g);
      case OptimKind::Adam: return optim_rules::adam_like<T, C>(o, st, p, g, false);
      case OptimKind::AdamW: return optim_rules::adam_like<T, C>(o, st, p, g, true);
      case OptimKind::Adadelta: return optim_rules::adadelta<T, C>(o, st, p, g);
      case OptimKind::SGD: break;
    }
  }
  throw std::invalid_argument("update_param: " + std::string(to_string(kind)) + " needs sqrt, which this scalar type lacks");
}

// ---------------------------------------------------------------------------
// Optimizer over float32/float64 parameters
// ---------------------------------------------------------------------------
template <class S>
class Optimizer {
 public:
  // Validates every group's options (validate_options) and that each
  // parameter index is in at most one group; std::invalid_argument otherwise.
  Optimizer(OptimKind kind, std::vector<ParamGroup> groups);
  // One group holding parameters 0 .. num_params-1.
  Optimizer(OptimKind kind, std::size_t num_params, OptimOptions options);

  OptimKind kind() const { return kind_; }
  // 1 + the largest parameter index of any group (0 when there is none).
  std::size_t num_params() const { return state_.size(); }

  // One update of every parameter in a group whose grad is set. params[i] is
  // parameter i; indices in no group are left alone. Everything is checked
  // before anything changes (std::invalid_argument): options (a schedule may
  // have written them), that every grouped index has a view with a value,
  // that grad and value shapes agree and that a parameter's shape is the one
  // it had at its previous update.
  void step(std::span<const ParamView<S>> params);

  // Schedules write groups()[g].options.lr between steps.
  std::vector<ParamGroup>& groups() { return groups_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }

  // The state of parameter i; nullptr before its first update.
  const ParamState<S>* state(std::size_t i) const { return shapes_.at(i) ? &state_[i] : nullptr; }

  // Everything a resumed run needs to continue bit-identically: per-parameter
  // step counts, shapes and buffers (tensors named `prefix + "p<i>.<buffer>"`)
  // and the kind, scalar type and every group's parameters and options (JSON
  // under c.meta[prefix]).
  void save_state(rt::Checkpoint& c, const std::string& prefix) const;
  // Restores what save_state wrote. CheckpointError naming the missing or
  // mismatched item (kind, scalar type, group layout, a field, a tensor or
  // its shape); nothing changes then.
  void load_state(const rt::Checkpoint& c, const std::string& prefix);

 private:
  void check_step(std::span<const ParamView<S>> params) const;

  OptimKind kind_;
  std::vector<ParamGroup> groups_;
  std::vector<ParamState<S>> state_;              // by parameter index
  std::vector<std::optional<spec::Shape>> shapes_;  // set at a parameter's first update
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace vt::train
