#pragma once
// Helpers shared by the spec's tests: literal tensors, random ones, and the
// full-Jacobian check of one op's generic VJP against central finite
// differences of its generic forward, in double precision. Every Jacobian
// entry is compared (not one random projection), so a VJP that is wrong in a
// single entry is caught.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "vt/spec/mutants.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::spec::testing {

// A literal tensor: D({2, 3}, {...}).
inline Dense<double> D(Shape s, std::vector<double> v) {
  Dense<double> d = Dense<double>::full(std::move(s), 0.0);
  d.data = std::move(v);
  return d;
}

inline Dense<double> random_dense(Shape s, double lo, double hi, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(lo, hi);
  Dense<double> d = Dense<double>::full(std::move(s), 0.0);
  for (auto& v : d.data) v = u(rng);
  return d;
}

template <class Op>
Dense<double> run_forward(const std::vector<Dense<double>>& xs, AttrMap& attrs) {
  std::vector<TensorType> types;
  std::vector<const Dense<double>*> in;
  for (const auto& x : xs) {
    types.push_back(TensorType{DType::f64, x.shape});
    in.push_back(&x);
  }
  // Index inputs (cross_entropy targets, gather indices) are the inputs with no gradient: declared i64.
  for (std::size_t i = 0; i < types.size(); ++i)
    if (is_index_input<Op>(static_cast<int>(i))) types[i].dtype = DType::i64;
  const TensorType out = infer_type(*find_op(Op::name), types, attrs);
  Dense<double> y = Dense<double>::full(out.shape, 0.0);
  Op::template forward<double>(in, attrs, y);
  return y;
}

// The VJP of Op at xs with cotangent g: every input's gradient (zeros for
// inputs with none). It runs the rule checkers run (mutants::op_vjp), so a
// planted bug shows here too.
template <class Op>
std::vector<Dense<double>> vjp_of(std::vector<Dense<double>> xs, const Dense<double>& g, AttrMap attrs = {}) {
  const Dense<double> y = run_forward<Op>(xs, attrs);
  std::vector<const Dense<double>*> in;
  std::vector<Dense<double>> dx;
  for (const auto& x : xs) in.push_back(&x), dx.push_back(Dense<double>::full(x.shape, 0.0));
  std::vector<Dense<double>*> dxp;
  for (auto& d : dx) dxp.push_back(&d);
  mutants::op_vjp<Op, double>(in, y, g, attrs, dxp);
  return dx;
}

struct GradcheckResult {
  double worst = 0;  // largest |vjp - fd| / max(1, |fd|)
  std::string where;
};

template <class Op>
GradcheckResult gradcheck(std::vector<Dense<double>> xs, AttrMap attrs, double h = 1e-6) {
  const Dense<double> y = run_forward<Op>(xs, attrs);
  std::vector<const Dense<double>*> in;
  for (const auto& x : xs) in.push_back(&x);
  GradcheckResult res;
  for (std::int64_t j = 0; j < y.numel(); ++j) {
    // Row j of the Jacobian from the VJP with the cotangent e_j.
    Dense<double> g = Dense<double>::full(y.shape, 0.0);
    g[j] = 1.0;
    std::vector<Dense<double>> dx;
    for (const auto& x : xs) dx.push_back(Dense<double>::full(x.shape, 0.0));
    std::vector<Dense<double>*> dxp;
    for (std::size_t i = 0; i < xs.size(); ++i) dxp.push_back(Op::differentiable(static_cast<int>(i)) ? &dx[i] : nullptr);
    Op::template vjp<double>(in, y, g, attrs, dxp);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (!Op::differentiable(static_cast<int>(i))) continue;
      for (std::int64_t k = 0; k < xs[i].numel(); ++k) {
        const double saved = xs[i][k];
        xs[i][k] = saved + h;
        const double up = run_forward<Op>(xs, attrs)[j];
        xs[i][k] = saved - h;
        const double down = run_forward<Op>(xs, attrs)[j];
        xs[i][k] = saved;
        const double fd = (up - down) / (2 * h);
        const double err = std::abs(dx[i][k] - fd) / std::max(1.0, std::abs(fd));
        if (err > res.worst)
          res = {err, std::string(Op::name) + ": d y[" + std::to_string(j) + "] / d in" + std::to_string(i) + "[" +
                          std::to_string(k) + "]: vjp " + std::to_string(dx[i][k]) + " vs fd " + std::to_string(fd)};
      }
    }
  }
  return res;
}

}  // namespace vt::spec::testing
