#include "vt/reference/contract_bounds.hpp"

#include <cmath>
#include <limits>

#include "vt/spec/generic_ops.hpp"
#include "vt/spec/ops/softmax.hpp"

namespace vt::ref {

using spec::Dense;

double unit_roundoff(spec::DType t) { return t == spec::DType::f32 ? 0x1p-24 : 0x1p-53; }

double ulp_of(double v, spec::DType t) {
  const int digits = t == spec::DType::f32 ? 24 : 53;
  const int min_exp = t == spec::DType::f32 ? -126 : -1022;  // exponent of the smallest normal
  const double a = std::abs(v);
  int e = min_exp;
  if (a > 0 && std::isfinite(a)) e = std::max(std::ilogb(a), min_exp);
  return std::ldexp(1.0, e - (digits - 1));
}

double gamma(double n, double u) {
  const double nu = n * u;
  return nu >= 1 ? std::numeric_limits<double>::infinity() : nu / (1 - nu);
}

double smallest_subnormal(spec::DType t) { return t == spec::DType::f32 ? 0x1p-149 : 0x1p-1074; }

namespace {

// The bound itself is computed in double, from sums of up to n terms: inflate
// it by that computation's own worst relative error.
double slack(double n) { return 1 + 2 * gamma(n + 1, 0x1p-53) + 1e-15; }

// sum|terms| per output element: the op applied to |inputs| (sum, mean,
// matmul and linear are monotone in each input's magnitude).
Dense<double> abs_terms(spec::OpId op, std::span<const Dense<double>* const> in, const Dense<double>& like,
                        const spec::AttrMap& attrs) {
  std::vector<Dense<double>> abs_in;
  for (const auto* x : in) {
    Dense<double> a = *x;
    for (auto& v : a.data) v = std::abs(v);
    abs_in.push_back(std::move(a));
  }
  std::vector<const Dense<double>*> p;
  for (const auto& a : abs_in) p.push_back(&a);
  Dense<double> out = Dense<double>::full(like.shape, 0.0);
  spec::generic_forward<double>(op, p, attrs, out);
  return out;
}

// Number of rounded terms per output of a Dot op.
double dot_terms(std::string_view name, std::span<const Dense<double>* const> in, const Dense<double>& out) {
  if (name == "matmul") return static_cast<double>(in[0]->shape[in[0]->shape.rank() - 1]);
  if (name == "linear") return static_cast<double>(in[1]->shape[1] + (in.size() == 3 ? 1 : 0));
  const double per_out = out.numel() == 0 ? 0 : static_cast<double>(in[0]->numel() / out.numel());
  return name == "mean" ? per_out + 1 : per_out;
}

struct Lane {
  double m = 0, spread = 0, log_sum = 0;
};
template <class At>
Lane lane_stats(const Dense<double>& x, At at, std::int64_t n) {
  Lane l{x[at(0)], 0, 0};
  for (std::int64_t k = 1; k < n; ++k) l.m = std::max(l.m, x[at(k)]);
  double s = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    l.spread = std::max(l.spread, std::abs(x[at(k)] - l.m));
    s += std::exp(x[at(k)] - l.m);
  }
  l.log_sum = std::log(s);
  return l;
}

ContractBound derived(std::string_view name, std::span<const Dense<double>* const> in, const Dense<double>& exact,
                      const spec::AttrMap& attrs, double u, double eta) {
  ContractBound b{std::vector<double>(static_cast<std::size_t>(exact.numel()), 0.0), ""};
  const Dense<double>& x = *in[0];
  if (name == "mse_loss") {
    const double N = static_cast<double>(x.numel());
    b.bound[0] = gamma(N + 4, u) * std::abs(exact[0]) + (N + 4) * eta;
    b.text = "derived gamma_{N+4}*y, N=" + std::to_string(x.numel());
  } else if (name == "softmax" || name == "log_softmax") {
    const std::size_t axis = spec::normalize_axis(attrs.get_int_or("axis", -1), x.shape.rank());
    const std::int64_t n = x.shape[axis];
    spec::ops::for_each_lane(x.shape, axis, [&](auto at) {
      if (n == 0) return;
      const Lane l = lane_stats(x, at, n);
      const double steps = static_cast<double>(n) + 8;
      for (std::int64_t k = 0; k < n; ++k) {
        const double dx = std::abs(x[at(k)] - l.m), y = exact[at(k)];
        b.bound[static_cast<std::size_t>(at(k))] =
            (name == "softmax" ? (y == 0 ? 0.0 : gamma(std::ceil(dx + l.spread) + steps, u) * std::abs(y))
                               : gamma(steps, u) + u * (dx + 4 * std::abs(x[at(k)] - l.m - y) + std::abs(y) + l.spread)) +
            steps * eta;
      }
    });
    b.text = name == "softmax" ? "derived gamma_{|x-m|+r+n+8}*y" : "derived gamma_{n+8}+u(..)";
  } else if (name == "cross_entropy") {
    const std::int64_t N = x.shape[0], C = x.shape[1];
    double per_row = 0, loss_sum = 0;
    for (std::int64_t r = 0; r < N; ++r) {
      const auto at = [r, C](std::int64_t k) { return r * C + k; };
      const Lane l = lane_stats(x, at, C);
      const double loss = l.m + l.log_sum - x[at(static_cast<std::int64_t>((*in[1])[r]))];
      per_row += u * (4 * std::abs(l.log_sum) + std::abs(l.m + l.log_sum) + std::abs(loss) + l.spread) +
                 gamma(static_cast<double>(C) + 5, u);
      loss_sum += std::abs(loss);
    }
    b.bound[0] = N == 0 ? 0
                        : (per_row + gamma(static_cast<double>(N) + 1, u) * loss_sum) / static_cast<double>(N) +
                              static_cast<double>(N + C + 8) * eta;
    b.text = "derived logsumexp rows, mean";
  } else if (name == "softplus" || name == "log_sigmoid" || name == "silu" || name == "gelu") {
    // Elementwise activations: a few ulp of y* for the rounded steps, plus
    // what an absolute error of an inner value becomes (first order):
    //   softplus:    z = beta x rounded (u|z|) moves y by u|x| sigmoid(z); exp
    //                (rel 4u), Goldberg's log1p (rel 6u), + and /beta: 12 ulp.
    //                Where fl(z) and z may straddle threshold (|z - thr| <= 2u|z|),
    //                add the convention's jump log1p(e^-thr)/|beta|.
    //   log_sigmoid: the same with beta = 1 (no product): 12 ulp.
    //   silu:        sigmoid's 5 ulp (rel 10u) and one product: 11 ulp, plus
    //                |x| eta for a sigmoid that underflows to a subnormal.
    //   gelu:        (1 + erf) or (1 + tanh) within 5u absolute (erf/tanh
    //                rounding, their arguments' rounding, the sum), times x/2:
    //                2 ulp + 3u|x|, stated with margin as 2 ulp + 6u|x|.
    const double beta = attrs.get_float_or("beta", 1), thr = attrs.get_float_or("threshold", 20);
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const double xi = x[i], ulp = ulp_of(exact[i], u == 0x1p-24 ? spec::DType::f32 : spec::DType::f64);
      double v = 0;
      if (name == "softplus") {
        const double z = beta * xi;
        v = 12 * ulp + 2 * u * std::abs(xi) / (1 + std::exp(-z));
        if (std::abs(z - thr) <= 2 * u * std::abs(z) + eta) v += std::log1p(std::exp(-thr)) / std::abs(beta);
        v += 4 * eta * std::max(0.0, 1 / std::abs(beta) - 1);  // a subnormal exp(z), divided by beta
      } else if (name == "log_sigmoid") {
        v = 12 * ulp;
      } else if (name == "silu") {
        v = 11 * ulp + std::abs(xi) * eta;
      } else {
        v = 2 * ulp + 6 * u * std::abs(xi);
      }
      b.bound[static_cast<std::size_t>(i)] = v + 4 * eta;
    }
    b.text = name == "softplus" ? "derived 12 ulp + 2u|x|sigmoid(beta x)"
             : name == "gelu"   ? "derived 2 ulp + 6u|x|"
             : name == "silu"   ? "derived 11 ulp + |x| eta"
                                : "derived 12 ulp";
  }
  return b;
}

std::string ulp_text(double k) {
  std::string s = std::to_string(k);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return "<= " + s + " ulp";
}

}  // namespace

ContractBound contract_bound(spec::OpId op, std::span<const Dense<double>* const> in, const Dense<double>& exact,
                             const spec::AttrMap& attrs, spec::DType dtype) {
  const spec::ErrorContract c = spec::op_info(op).contract;
  const std::string_view name = spec::op_info(op).name;
  const double u = unit_roundoff(dtype), eta = smallest_subnormal(dtype);
  ContractBound b{std::vector<double>(static_cast<std::size_t>(exact.numel()), 0.0), "exact"};
  switch (c.kind) {
    case spec::ContractKind::Exact:
      return b;
    case spec::ContractKind::Ulp:
      for (std::int64_t i = 0; i < exact.numel(); ++i) b.bound[static_cast<std::size_t>(i)] = c.ulps * ulp_of(exact[i], dtype);
      b.text = ulp_text(c.ulps);
      return b;
    case spec::ContractKind::Dot: {
      const Dense<double> terms = abs_terms(op, in, exact, attrs);
      const double n = dot_terms(name, in, exact);
      for (std::int64_t i = 0; i < exact.numel(); ++i)
        b.bound[static_cast<std::size_t>(i)] = (gamma(n, u) * terms[i] + n * eta) * slack(n);
      b.text = "gamma_n*sum|terms|, n=" + std::to_string(static_cast<long long>(n));
      return b;
    }
    case spec::ContractKind::Derived: {
      ContractBound d = derived(name, in, exact, attrs, u, eta);
      const double terms = in.empty() ? 1 : static_cast<double>(in[0]->numel());
      for (auto& v : d.bound) v *= slack(terms);
      return d;
    }
  }
  return b;
}

}  // namespace vt::ref
