#pragma once
// Per-element error bounds that a float implementation of an op must meet,
// from the op's declared ErrorContract (spec/op_decl.hpp). The bound is for
// one node in isolation: the float result against the exact result of the op
// on the SAME float inputs, with u the unit roundoff of the dtype.
//
//   Exact    |y - y*| = 0
//   Ulp      |y - y*| <= k ulp(y*)            (ulp of the subnormal spacing near 0)
//   Dot      |y - y*| <= gamma_n sum|terms| + n eta, gamma_n = n u / (1 - n u),
//            where sum|terms| is the op applied to |inputs|, n counts the
//            rounded steps (+1 for a bias, +1 for mean's division) and eta is
//            the smallest subnormal (each step may lose that much to underflow)
//   Derived  softmax:      |y_k - y*_k| <= gamma_{|x_k - m| + r + n + 8} y*_k + (n + 8) eta
//            log_softmax:  |y_k - y*_k| <= gamma_{n+8} + u (|x_k - m| + 4|L| + |y*_k| + r) + (n + 8) eta
//            mse_loss:     |y - y*| <= gamma_{N+4} y* + (N + 4) eta
//            cross_entropy |y - y*| <= (1/N) sum_n [u(4|L_n| + |m_n + L_n| + |l_n| + r_n) + gamma_{C+5}]
//                                       + gamma_{N+1} (1/N) sum_n |l_n| + (N + C + 8) eta
//            layer_norm, batch_norm: the chain mean -> x - mean -> var -> + eps -> sqrt
//                          -> divide -> affine bounded step by step (rigorously, with the
//                          statistics taken exactly and rounded outward), see contract_bounds.cpp
//            with m the lane maximum, r = max_j |x_j - m| its spread, L = log sum_j exp(x_j - m),
//            l_n the row's loss. Each follows from the steps' own contracts
//            (x - m rounded: u|x - m| in the exponent; exp and log within
//            2 ulp, i.e. relative 4u; a sum of n terms: gamma_n; a division or
//            a multiplication by 1/sum: u) by first-order propagation; the
//            extra counts in gamma absorb second-order terms.
// A bound that is not finite (n u >= 1, or an overflowing sum of terms)
// promises nothing: the audit reports such a node as inconclusive.
#include <span>
#include <string>
#include <vector>

#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::ref {

double unit_roundoff(spec::DType t);
// Distance between adjacent floats of dtype t at magnitude |v| (the subnormal
// spacing near 0).
double ulp_of(double v, spec::DType t);
// n u / (1 - n u); infinite when n u >= 1.
double gamma(double n, double u);
// The smallest positive subnormal of dtype t.
double smallest_subnormal(spec::DType t);

struct ContractBound {
  std::vector<double> bound;  // per output element, absolute
  std::string text;           // e.g. "<= 0.5 ulp", "gamma_n*sum|terms|, n=65"
};

// `in`: the op's float inputs (as doubles); `exact`: its exact output on
// them, rounded to double (only magnitudes matter for the bound).
ContractBound contract_bound(spec::OpId op, std::span<const spec::Dense<double>* const> in,
                             const spec::Dense<double>& exact, const spec::AttrMap& attrs, spec::DType dtype);

}  // namespace vt::ref
