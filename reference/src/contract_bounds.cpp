#include "vt/reference/contract_bounds.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "vt/reference/rational.hpp"
#include "vt/spec/generic_ops.hpp"
#include "vt/spec/ops/attention.hpp"
#include "vt/spec/ops/norm.hpp"
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

// Number of rounded terms per output of a Dot op, as the op declares it
// (every Dot op must: see declares_op in op_decl.hpp).
double dot_terms(spec::OpId op, std::span<const Dense<double>* const> in, const spec::AttrMap& attrs) {
  return spec::visit_op(op, [&]<class Op>() -> double {
    if constexpr (requires { Op::template rounded_terms<double>(in, attrs); })
      return static_cast<double>(Op::template rounded_terms<double>(in, attrs));
    else
      throw std::logic_error(std::string(Op::name) + " has a Dot contract but declares no rounded_terms");
  });
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


// Directed conversions of an exact rational to double: a double >= q, <= q.
double up(const Rational& q) {
  const Rounded r = round_to(q, false);
  return r.direction < 0 ? std::nextafter(r.value, std::numeric_limits<double>::infinity()) : r.value;
}
double down(const Rational& q) {
  const Rounded r = round_to(q, false);
  return r.direction > 0 ? std::nextafter(r.value, -std::numeric_limits<double>::infinity()) : r.value;
}

// Normalization (layer_norm, batch_norm), one group of n elements normalized
// as z_k = d_k / s, d_k = x_k - mu, s = sqrt(t), t = var + eps, y_k = z_k w_k + b_k.
// The float computation is the spec's: mu^ = fl(sum x / n); d^_k = fl(x_k - mu^);
// var^ = fl(sum fl(d^_k^2) / n); t^ = fl(var^ + eps) (eps itself maybe rounded
// to the dtype); s^ = fl(sqrt t^); z^_k = d^_k / s^ (one division, or a
// reciprocal and a product: two roundings); y^_k = fl(fl(z^_k w_k) + b_k).
// With D_k >= |d_k|, D = max D_k (exact, rounded up), the errors propagate as
//   e_mu  = gamma_{n+1} sum|x| / n + eta                (training only; eta: underflow of / n)
//   e_d   = e_mu + u (D + e_mu)                         (eval: u |x_k - mu|)
//   e_v   = e_d (2D + e_d) + gamma_{n+1} (var + e_d (2D + e_d)) + 2 eta
//   e_t   = e_v + u (t + e_v) + u eps
//   e_s   = e_t / s + u (s + e_t / s)                   (|sqrt a - sqrt b| <= |a - b| / sqrt b)
//   E_k   = (e_d + Z_k e_s) / (s - e_s),  Z_k = D_k / s  (|d^/s^ - d/s| <= (e_d s + |d| e_s) / (s^ s))
//   e_z   = E_k + gamma_2 (Z_k + E_k) + eta
//   e_y   = |w| e_z + gamma_2 (|w| (Z_k + e_z) + |b|) + 2 eta
// Each step is a rigorous bound of the rounding it names (no first-order
// dropping); t, s, D come from exact rationals rounded outward (s down when
// dividing by it). s <= e_s (a variance the rounding could drive to 0), or
// an intermediate that may overflow the dtype (sum |x|, n (|x| + |mu|)^2, y),
// promises nothing: the bound is infinite and the audit inconclusive.
struct NormGroup {
  std::vector<double> D;  // |d_k| rounded up
  double e_d_shared = 0;  // training: e_d for every element; eval: 0 (per element u D_k)
  double var_up = 0, t_lo = 0, t_hi = 0;
  double S1 = 0;  // sum |x| over the group (training), or max |x| + |mu| (eval)
  bool training = true;
};

template <class At>
NormGroup norm_group(const Dense<double>& x, At at, std::int64_t n, double eps, const Rational* mu_given,
                     const Rational* var_given, double u, double eta) {
  NormGroup gr;
  gr.training = mu_given == nullptr;
  Rational mu = 0;
  if (gr.training) {
    for (std::int64_t k = 0; k < n; ++k) mu += exact(x[at(k)]);
    mu /= n;
  } else {
    mu = *mu_given;
  }
  Rational var = 0;
  double S1 = 0;
  gr.D.resize(static_cast<std::size_t>(n));
  double Dmax = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    const Rational d = exact(x[at(k)]) - mu;
    if (gr.training) var += d * d;
    gr.D[static_cast<std::size_t>(k)] = up(boost::multiprecision::abs(d));
    Dmax = std::max(Dmax, gr.D[static_cast<std::size_t>(k)]);
    S1 += std::abs(x[at(k)]);
  }
  if (gr.training) var /= n;
  else var = *var_given;
  gr.S1 = gr.training ? S1 : Dmax;
  const Rational t = var + exact(eps);
  gr.var_up = up(var);
  gr.t_lo = down(t);
  gr.t_hi = up(t);
  if (gr.training) {
    // + eta: the division by n may underflow (an addition of floats never rounds there).
    const double e_mu = gamma(static_cast<double>(n) + 1, u) * S1 / static_cast<double>(n) + eta;
    gr.e_d_shared = e_mu + u * (Dmax + e_mu);
  }
  return gr;
}

// Fills b.bound at the group's elements; w, b may be null.
template <class At, class Wi>
void norm_bound(ContractBound& out, const NormGroup& gr, const Dense<double>& x, At at, std::int64_t n, const Dense<double>* w,
                const Dense<double>* bias, Wi wi, double eps, double u, double eta) {
  const double inf = std::numeric_limits<double>::infinity();
  // The dtype's largest finite value: an intermediate that may overflow
  // (sum |x|, the sum of squares, or y itself) promises nothing.
  const double big = u == 0x1p-24 ? static_cast<double>(std::numeric_limits<float>::max()) : std::numeric_limits<double>::max();
  double Dmax = 0;
  for (double v : gr.D) Dmax = std::max(Dmax, v);
  const double reach = gr.S1 + 2 * Dmax;  // >= |x_k|, |mu^|, |d^_k|
  const bool overflow = !(reach * 2 < big) || !(static_cast<double>(n) * reach * reach * 2 < big);
  double e_t = 0;
  if (gr.training) {
    const double e_d = gr.e_d_shared, e_q = e_d * (2 * Dmax + e_d);
    const double e_v = e_q + gamma(static_cast<double>(n) + 1, u) * (gr.var_up + e_q) + 2 * eta;
    e_t = e_v + u * (gr.t_hi + e_v) + u * eps;
  } else {
    e_t = u * gr.t_hi + u * eps;  // var is an input: only the addition and eps's rounding
  }
  const double s_lo = std::nextafter(std::sqrt(gr.t_lo), 0.0), s_hi = std::nextafter(std::sqrt(gr.t_hi), inf);
  const double e_s = e_t / s_lo + u * (s_hi + e_t / s_lo);
  for (std::int64_t k = 0; k < n; ++k) {
    const auto i = static_cast<std::size_t>(at(k));
    if (overflow || !(s_lo > e_s)) {
      out.bound[i] = inf;
      continue;
    }
    const double Dk = gr.D[static_cast<std::size_t>(k)];
    const double e_d = gr.training ? gr.e_d_shared : u * Dk;
    const double Z = Dk / s_lo;
    const double E = (e_d + Z * e_s) / (s_lo - e_s);
    const double e_z = E + gamma(2, u) * (Z + E) + eta;
    const double W = w ? std::abs((*w)[wi(k)]) : 1, B = bias ? std::abs((*bias)[wi(k)]) : 0;
    out.bound[i] = (W * e_z + gamma(2, u) * (W * (Z + e_z) + B) + 2 * eta) * slack(64);
    if (!(2 * (W * (Z + e_z) + B) < big)) out.bound[i] = inf;
  }
  (void)x;
}

// scaled_dot_product_attention, per query row of n visible keys, the float
// computation being the spec's in any summation order:
//   logits  s^_j = s_j + d_j,  |d_j| <= delta_j = gamma_{E+4} scale sum_e |q_e k_je| + (E+4) eta
//           (E products and sums, the scale multiply, and scale's own two
//           roundings when it is 1/sqrt(E));  delta = max_j delta_j;
//   softmax of s^: within p_j e^{2 delta} of p_j = softmax(s)_j (a logit
//           shift of at most delta moves every ratio by e^{+-delta}), and its
//           own rounding is softmax's bound with |s-m| and the spread widened
//           by 2 delta each:  e_j = p_j (e^{2 delta} - 1) + gamma_{..} p_j e^{2 delta} + (n+8) eta;
//   y_c     = sum_j p^_j v_jc:  sum_j e_j |v_jc| + gamma_n sum_j (p_j + e_j) |v_jc| + n eta.
void attention_bound(ContractBound& b, std::span<const Dense<double>* const> in, const spec::AttrMap& attrs, double u,
                     double eta) {
  using Op = spec::ops::ScaledDotProductAttention;
  const Dense<double>&q = *in[0], &k = *in[1], &v = *in[2];
  const Op::Dims d = Op::dims(q.shape, v.shape, attrs);
  const double scale = attrs.has("scale") ? std::abs(attrs.get_float("scale")) : 1 / std::sqrt(static_cast<double>(d.E));
  const double E = static_cast<double>(d.E);
  std::vector<double> s, p, e;
  for (std::int64_t z = 0; z < d.Z; ++z)
    for (std::int64_t i = 0; i < d.L; ++i) {
      const std::int64_t n = d.keys(i), qo = (z * d.L + i) * d.E;
      s.assign(static_cast<std::size_t>(n), 0), p.assign(static_cast<std::size_t>(n), 0), e.assign(static_cast<std::size_t>(n), 0);
      double delta = 0, m = -std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j < n; ++j) {
        double dot = 0, mag = 0;
        for (std::int64_t c = 0; c < d.E; ++c) {
          const double a = q[qo + c], bk = k[(z * d.S + j) * d.E + c];
          dot += a * bk, mag += std::abs(a * bk);
        }
        s[static_cast<std::size_t>(j)] = dot * scale;
        m = std::max(m, dot * scale);
        delta = std::max(delta, gamma(E + 4, u) * mag * scale + (E + 4) * eta);
      }
      double sum = 0, spread = 0;
      for (std::int64_t j = 0; j < n; ++j) {
        spread = std::max(spread, m - s[static_cast<std::size_t>(j)]);
        sum += p[static_cast<std::size_t>(j)] = std::exp(s[static_cast<std::size_t>(j)] - m);
      }
      const double grow = std::exp(2 * delta), steps = static_cast<double>(n) + 8;
      for (std::int64_t j = 0; j < n; ++j) {
        double& pj = p[static_cast<std::size_t>(j)];
        pj /= sum;
        const double shift = m - s[static_cast<std::size_t>(j)];
        // A logit error or shift past the range of e^{2 delta} or gamma promises
        // nothing for this key (inf, not 0 * inf = NaN).
        const double g = gamma(std::ceil(shift + spread + 4 * delta) + steps, u);
        e[static_cast<std::size_t>(j)] = !std::isfinite(grow) || !std::isfinite(g) ? std::numeric_limits<double>::infinity()
                                                                                  : pj * (grow - 1) + g * pj * grow + steps * eta;
      }
      for (std::int64_t c = 0; c < d.Ev; ++c) {
        double err = 0, mag = 0;
        for (std::int64_t j = 0; j < n; ++j) {
          const double vj = std::abs(v[(z * d.S + j) * d.Ev + c]);
          if (vj == 0) continue;  // p_j * 0 is exactly 0 however wrong p_j is
          err += e[static_cast<std::size_t>(j)] * vj;
          mag += (p[static_cast<std::size_t>(j)] + e[static_cast<std::size_t>(j)]) * vj;
        }
        b.bound[static_cast<std::size_t>((z * d.L + i) * d.Ev + c)] =
            err + gamma(static_cast<double>(n), u) * mag + static_cast<double>(n) * eta;
      }
    }
  b.text = "derived logits gamma_{E+4}, softmax shift e^{2 delta}, gamma_n over keys";
}

// Each op with a Derived contract has an overload derived_bound(Tag<Op>, ...)
// that fills the bound of its float computation (the text stated beside
// each); an op that declares a Derived contract without one does not
// compile (derived() below), so no op is matched by name.
using In = std::span<const Dense<double>* const>;
template <class Op>
using Tag = std::type_identity<Op>;

void derived_bound(Tag<spec::ops::MseLoss>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) {
  const Dense<double>& x = *in[0];
  (void)attrs;
  const double N = static_cast<double>(x.numel());
  b.bound[0] = gamma(N + 4, u) * std::abs(exact[0]) + (N + 4) * eta;
  b.text = "derived gamma_{N+4}*y, N=" + std::to_string(x.numel());
}

// softmax and log_softmax: per lane of n, gamma_{|x-m|+r+n+8} y for softmax
// (exp's argument error grows with |x - m|), gamma_{n+8} + u(..) absolute for log_softmax.
void softmax_bound(ContractBound& b, bool log, In in, const Dense<double>& exact, const spec::AttrMap& attrs, double u, double eta) {
  const std::string_view name = log ? "log_softmax" : "softmax";
  const Dense<double>& x = *in[0];
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
}

void derived_bound(Tag<spec::ops::Softmax>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) { softmax_bound(b, false, in, exact, attrs, u, eta); }
void derived_bound(Tag<spec::ops::LogSoftmax>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) { softmax_bound(b, true, in, exact, attrs, u, eta); }

void derived_bound(Tag<spec::ops::CrossEntropy>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) {
  const Dense<double>& x = *in[0];
  (void)exact, (void)attrs;
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
}

void derived_bound(Tag<spec::ops::LayerNorm>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) {
  const Dense<double>& x = *in[0];
  (void)exact;
  const double eps = spec::ops::norm::eps_of(attrs);
  const std::int64_t n = spec::ops::LayerNorm::group(attrs);
  const Dense<double>* w = in.size() > 1 ? in[1] : nullptr;
  const Dense<double>* bias = in.size() > 2 ? in[2] : nullptr;
  const auto wi = [](std::int64_t k) { return k; };
  for (std::int64_t o = 0; o * n < x.numel(); ++o) {
    const auto at = [o, n](std::int64_t k) { return o * n + k; };
    norm_bound(b, norm_group(x, at, n, eps, nullptr, nullptr, u, eta), x, at, n, w, bias, wi, eps, u, eta);
  }
  b.text = "derived normalization chain (mean, var, sqrt, divide, affine)";
}

void derived_bound(Tag<spec::ops::BatchNorm>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) {
  const Dense<double>& x = *in[0];
  (void)exact;
  const double eps = spec::ops::norm::eps_of(attrs);
  const bool training = attrs.get_bool_or("training", false);
  spec::ops::BatchNorm::channels(x.shape, [&](auto at, std::int64_t n, std::int64_t c) {
    const auto wi = [c](std::int64_t) { return c; };
    const Rational rm = ref::exact((*in[3])[c]), rv = ref::exact((*in[4])[c]);
    const NormGroup gr = training ? norm_group(x, at, n, eps, nullptr, nullptr, u, eta) : norm_group(x, at, n, eps, &rm, &rv, u, eta);
    norm_bound(b, gr, x, at, n, in[1], in[2], wi, eps, u, eta);
  });
  b.text = training ? "derived normalization chain (batch stats)" : "derived normalization chain (running stats)";
}

void derived_bound(Tag<spec::ops::ScaledDotProductAttention>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) {
  (void)exact;
  attention_bound(b, in, attrs, u, eta);
}

// The elementwise activations (softplus, log_sigmoid, silu, gelu).
void activation_bound(ContractBound& b, std::string_view name, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                      double u, double eta) {
  const Dense<double>& x = *in[0];
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
void derived_bound(Tag<spec::ops::Softplus>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) { activation_bound(b, "softplus", in, exact, attrs, u, eta); }
void derived_bound(Tag<spec::ops::LogSigmoid>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) { activation_bound(b, "log_sigmoid", in, exact, attrs, u, eta); }
void derived_bound(Tag<spec::ops::Silu>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) { activation_bound(b, "silu", in, exact, attrs, u, eta); }
void derived_bound(Tag<spec::ops::Gelu>, ContractBound& b, In in, const Dense<double>& exact, const spec::AttrMap& attrs,
                   double u, double eta) { activation_bound(b, "gelu", in, exact, attrs, u, eta); }

ContractBound derived(spec::OpId op, In in, const Dense<double>& exact, const spec::AttrMap& attrs, double u, double eta) {
  ContractBound b{std::vector<double>(static_cast<std::size_t>(exact.numel()), 0.0), ""};
  spec::visit_op(op, [&]<class Op>() {
    if constexpr (Op::contract.kind == spec::ContractKind::Derived) derived_bound(Tag<Op>{}, b, in, exact, attrs, u, eta);
    else throw std::logic_error(std::string(Op::name) + " has no Derived contract");
  });
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
      const double n = dot_terms(op, in, attrs);
      for (std::int64_t i = 0; i < exact.numel(); ++i)
        b.bound[static_cast<std::size_t>(i)] = (gamma(n, u) * terms[i] + n * eta) * slack(n);
      b.text = "gamma_n*sum|terms|, n=" + std::to_string(static_cast<long long>(n));
      return b;
    }
    case spec::ContractKind::Derived: {
      ContractBound d = derived(op, in, exact, attrs, u, eta);
      const double terms = in.empty() ? 1 : static_cast<double>(in[0]->numel());
      for (auto& v : d.bound) v *= slack(terms);
      return d;
    }
  }
  return b;
}

}  // namespace vt::ref
