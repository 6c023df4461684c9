#pragma once
// Per-element error bounds that a float implementation of an op must meet,
// from the op's declared ErrorContract (spec/op_decl.hpp). The bound is for
// one node in isolation: the float result against the exact result of the op
// on the SAME float inputs, with u the unit roundoff of the dtype.
//
//   Exact    |y - y*| = 0
//   Ulp      |y - y*| <= k ulp(y*)
//   Dot      |y - y*| <= gamma_n sum|terms|, gamma_n = n u / (1 - n u), where
//            sum|terms| is the op applied to |inputs| and n counts the terms
//            (+1 for a bias, +1 for mean's division)
//   Derived  softmax:      |y_k - y*_k| <= gamma_{|x_k - m| + r + n + 4} y*_k
//            log_softmax:  |y_k - y*_k| <= gamma_{n+4} + u (|x_k - m| + 2|L| + |y*_k| + r)
//            mse_loss:     |y - y*| <= gamma_{N+4} y*
//            cross_entropy |y - y*| <= (1/N) sum_n [u(2|L_n| + |m_n + L_n| + |l_n| + r_n) + gamma_{C+1}]
//                                       + gamma_{N+1} (1/N) sum_n |l_n|
//            with m the lane maximum, r = max_j |x_j - m| its spread, L = log sum_j exp(x_j - m),
//            l_n the row's loss. Each follows from the elementwise contracts of
//            the steps (subtract, exp within 2 ulp, a sum, log within 2 ulp,
//            divide) with first-order error propagation; gamma absorbs the
//            second-order terms.
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

struct ContractBound {
  std::vector<double> bound;  // per output element, absolute
  std::string text;           // e.g. "<= 0.5 ulp", "gamma_n*sum|terms|, n=65"
};

// `in`: the op's float inputs (as doubles); `exact`: its exact output on
// them, rounded to double (only magnitudes matter for the bound).
ContractBound contract_bound(spec::OpId op, std::span<const spec::Dense<double>* const> in,
                             const spec::Dense<double>& exact, const spec::AttrMap& attrs, spec::DType dtype);

}  // namespace vt::ref
