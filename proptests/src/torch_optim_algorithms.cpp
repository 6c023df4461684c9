// The optimizers' shared update rules (train/optim.hpp, optim_rules) against
// torch.optim's algorithms written out a second time, here, from torch 1.13's
// documentation and its _single_tensor_<kind> functions, in the documented
// form (Adam: m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t),
// p -= lr m_hat / (sqrt(v_hat) + eps)) rather than the rule's op order.
//
// Both run exactly (Rational for SGD, 256-bit intervals for the kinds with
// sqrt) from the same start, over every step of a random case with several
// parameter groups, so no rounding stands between them: after each step
// every parameter and state buffer must agree exactly (rationals equal,
// intervals overlapping and each narrower than 2^-150 relative). The float
// property (optimizer_property.cpp) runs the rule itself in float and
// exactly, so it cannot see a wrong formula in the rule; this one can.
#include <rapidcheck.h>

#include <cmath>
#include <map>
#include <type_traits>
#include <string>
#include <vector>

#include "optimizer_cases.hpp"
#include "vt/proptests/optimizer_property.hpp"
#include "vt/reference/rational.hpp"

namespace vt::proptests {
namespace {

using namespace optim_cases;
using ref::Rational;
using train::OptimKind;
using train::OptimOptions;
using XI = ExactInterval;

template <class T>
T lit(double v) {
  return spec::ScalarTraits<T>::from_double(T(0), v);
}
XI root(const XI& x) { return XI(spec::ScalarTraits<ref::Interval>::sqrt(x)); }
template <class T>
T power(const T& x, std::int64_t n) {
  T r = lit<T>(1);
  for (std::int64_t i = 0; i < n; ++i) r = r * x;
  return r;
}

// torch's per-parameter state: state['step'] and named tensors.
template <class T>
struct TorchState {
  std::int64_t step = 0;
  std::map<std::string, std::vector<T>> tensors;
  // The tensor, created as `init` (torch creates state at a first step).
  std::vector<T>& at(const std::string& name, const std::vector<T>& init) { return tensors.try_emplace(name, init).first->second; }
};

// grad + weight_decay * p (L2 penalty), when weight_decay != 0.
template <class T>
std::vector<T> decayed(const OptimOptions& o, const std::vector<T>& p, const std::vector<T>& g) {
  std::vector<T> d = g;
  if (o.weight_decay != 0)
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = d[i] + lit<T>(o.weight_decay) * p[i];
  return d;
}

template <class T>
void sgd(const OptimOptions& o, TorchState<T>& st, std::vector<T>& p, const std::vector<T>& g) {
  ++st.step;
  std::vector<T> d = decayed(o, p, g);
  if (o.momentum != 0) {
    const bool first = !st.tensors.contains("momentum_buffer");
    std::vector<T>& b = st.at("momentum_buffer", d);  // b_1 = g_1
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (!first) b[i] = lit<T>(o.momentum) * b[i] + (lit<T>(1) - lit<T>(o.dampening)) * d[i];
      d[i] = o.nesterov ? d[i] + lit<T>(o.momentum) * b[i] : b[i];
    }
  }
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = p[i] - lit<T>(o.lr) * d[i];
}

// (veritape starts each group's sum at its own initial_accumulator_value;
// torch 1.13 at the constructor's, the same when only that sets it.)
void adagrad(const OptimOptions& o, TorchState<XI>& st, std::vector<XI>& p, const std::vector<XI>& g) {
  ++st.step;
  const XI clr = lit<XI>(o.lr) / (lit<XI>(1) + lit<XI>(static_cast<double>(st.step - 1)) * lit<XI>(o.lr_decay));
  const std::vector<XI> d = decayed(o, p, g);
  std::vector<XI>& sum = st.at("sum", std::vector<XI>(p.size(), lit<XI>(o.initial_accumulator_value)));
  for (std::size_t i = 0; i < p.size(); ++i) {
    sum[i] = sum[i] + d[i] * d[i];
    p[i] = p[i] - clr * d[i] / (root(sum[i]) + lit<XI>(o.eps));
  }
}

void rmsprop(const OptimOptions& o, TorchState<XI>& st, std::vector<XI>& p, const std::vector<XI>& g) {
  ++st.step;
  const std::vector<XI> d = decayed(o, p, g), zeros(p.size(), lit<XI>(0));
  const XI alpha = lit<XI>(o.alpha), eps = lit<XI>(o.eps);
  std::vector<XI>& v = st.at("square_avg", zeros);
  for (std::size_t i = 0; i < p.size(); ++i) {
    v[i] = alpha * v[i] + (lit<XI>(1) - alpha) * d[i] * d[i];
    XI vt = v[i];
    if (o.centered) {
      XI& ga = st.at("grad_avg", zeros)[i];
      ga = alpha * ga + (lit<XI>(1) - alpha) * d[i];
      vt = vt - ga * ga;
    }
    if (o.momentum > 0) {
      XI& b = st.at("momentum_buffer", zeros)[i];
      b = lit<XI>(o.momentum) * b + d[i] / (root(vt) + eps);
      p[i] = p[i] - lit<XI>(o.lr) * b;
    } else {
      p[i] = p[i] - lit<XI>(o.lr) * d[i] / (root(vt) + eps);
    }
  }
}

// Adam (L2 weight decay on the gradient) and AdamW (decoupled: p shrinks by lr*wd first).
void adam(const OptimOptions& o, TorchState<XI>& st, std::vector<XI>& p, const std::vector<XI>& g, bool decoupled) {
  ++st.step;
  OptimOptions l2 = o;
  if (decoupled) {
    for (XI& x : p) x = x - lit<XI>(o.lr) * lit<XI>(o.weight_decay) * x;
    l2.weight_decay = 0;
  }
  const std::vector<XI> d = decayed(l2, p, g), zeros(p.size(), lit<XI>(0));
  const XI b1 = lit<XI>(o.beta1), b2 = lit<XI>(o.beta2);
  std::vector<XI>&m = st.at("exp_avg", zeros), &v = st.at("exp_avg_sq", zeros);
  for (std::size_t i = 0; i < p.size(); ++i) {
    m[i] = b1 * m[i] + (lit<XI>(1) - b1) * d[i];
    v[i] = b2 * v[i] + (lit<XI>(1) - b2) * d[i] * d[i];
    XI vmax = v[i];
    if (o.amsgrad) {
      XI& mx = st.at("max_exp_avg_sq", zeros)[i];
      vmax = mx = train::OptimScalar<XI>::max(mx, v[i]);
    }
    const XI m_hat = m[i] / (lit<XI>(1) - power(b1, st.step)), v_hat = vmax / (lit<XI>(1) - power(b2, st.step));
    p[i] = p[i] - lit<XI>(o.lr) * m_hat / (root(v_hat) + lit<XI>(o.eps));
  }
}

void adadelta(const OptimOptions& o, TorchState<XI>& st, std::vector<XI>& p, const std::vector<XI>& g) {
  ++st.step;
  const std::vector<XI> d = decayed(o, p, g), zeros(p.size(), lit<XI>(0));
  const XI rho = lit<XI>(o.rho), eps = lit<XI>(o.eps);
  std::vector<XI>&v = st.at("square_avg", zeros), &u = st.at("acc_delta", zeros);
  for (std::size_t i = 0; i < p.size(); ++i) {
    v[i] = rho * v[i] + (lit<XI>(1) - rho) * d[i] * d[i];
    const XI delta = root(u[i] + eps) / root(v[i] + eps) * d[i];
    u[i] = rho * u[i] + (lit<XI>(1) - rho) * delta * delta;
    p[i] = p[i] - lit<XI>(o.lr) * delta;
  }
}

template <class T>
void torch_step(OptimKind kind, const OptimOptions& o, TorchState<T>& st, std::vector<T>& p, const std::vector<T>& g) {
  if constexpr (std::is_same_v<T, Rational>) {
    sgd(o, st, p, g);
  } else {
    switch (kind) {
      case OptimKind::SGD: return sgd(o, st, p, g);
      case OptimKind::Adagrad: return adagrad(o, st, p, g);
      case OptimKind::RMSprop: return rmsprop(o, st, p, g);
      case OptimKind::Adam: return adam(o, st, p, g, false);
      case OptimKind::AdamW: return adam(o, st, p, g, true);
      case OptimKind::Adadelta: return adadelta(o, st, p, g);
    }
  }
}

// The same number: rationals equal; enclosures overlapping, each narrow
// enough (2^-150 relative, or absolute near 0) that overlap means agreement.
bool agree(const Rational& a, const Rational& b) { return a == b; }
bool agree(const XI& a, const XI& b) {
  using boost::multiprecision::lower;
  using boost::multiprecision::upper;
  const auto narrow = [](const XI& x) {
    const ref::BigFloat lo(lower(x.raw())), hi(upper(x.raw()));
    const ref::BigFloat scale = std::max(ref::BigFloat(abs(lo)), ref::BigFloat(abs(hi)));
    return hi - lo <= std::max(scale, ref::BigFloat(1)) * ref::BigFloat(std::ldexp(1.0, -150));
  };
  const bool overlap = ref::BigFloat(lower(a.raw())) <= ref::BigFloat(upper(b.raw())) &&
                       ref::BigFloat(lower(b.raw())) <= ref::BigFloat(upper(a.raw()));
  return overlap && narrow(a) && narrow(b);
}
std::string text(const Rational& x) { return ref::to_string(ref::to_interval(x)); }
std::string text(const XI& x) { return ref::to_string(x); }

template <class T>
std::string run_case(const Case& c) {
  const std::size_t n = c.shapes.size();
  std::vector<std::vector<T>> rule_p(n), torch_p(n);
  for (std::size_t i = 0; i < n; ++i)
    for (const double v : c.init[i]) rule_p[i].push_back(lit<T>(v)), torch_p[i].push_back(lit<T>(v));
  std::vector<train::ParamState<T>> rule_state(n);
  std::vector<TorchState<T>> torch_state(n);
  for (std::size_t k = 0; k < c.grads.size(); ++k)
    for (const train::ParamGroup& group : c.groups)
      for (const std::size_t i : group.params) {
        if (!c.grads[k][i]) continue;
        std::vector<T> g;
        for (const double v : *c.grads[k][i]) g.push_back(lit<T>(v));
        train::update_param<T, train::ExactCoefficients<T>>(c.kind, group.options, rule_state[i], std::span<T>(rule_p[i]),
                                                            std::span<const T>(g));
        torch_step(c.kind, group.options, torch_state[i], torch_p[i], g);
        const auto where = [&](const std::string& what, std::size_t e, const T& rule, const T& torch) {
          return std::string(train::to_string(c.kind)) + " (" + groups_text(c) + "): step " + std::to_string(k + 1) +
                 ", parameter " + std::to_string(i) + " of shape " + shape_text(c.shapes[i]) + ", " + what + " element " +
                 std::to_string(e) + ": veritape's rule gives " + text(rule) + ", torch's algorithm " + text(torch);
        };
        for (std::size_t e = 0; e < g.size(); ++e)
          if (!agree(rule_p[i][e], torch_p[i][e])) return where("value", e, rule_p[i][e], torch_p[i][e]);
        for (const auto& [name, tensor] : torch_state[i].tensors) {
          const std::vector<T>* mine = rule_state[i].find(*train::parse_optim_buffer(name));
          if (!mine) return where("buffer " + name + " (missing in veritape's state)", 0, lit<T>(0), tensor[0]);
          for (std::size_t e = 0; e < tensor.size(); ++e)
            if (!agree((*mine)[e], tensor[e])) return where("buffer " + name, e, (*mine)[e], tensor[e]);
        }
      }
  return "";
}

}  // namespace

std::string check_rules_against_torch_algorithms() {
  const Case c = draw_case();
  const ref::IntervalPrecision precision(256);
  return c.kind == OptimKind::SGD ? run_case<Rational>(c) : run_case<XI>(c);
}

}  // namespace vt::proptests
