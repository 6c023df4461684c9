#define BOOST_TEST_MODULE runtime_fast_vs_generic
#include <boost/test/unit_test.hpp>

#include <random>

#include "vt/runtime/fast_kernels.hpp"
#include "vt/spec/generic_ops.hpp"
#include "runtime/tests/support.hpp"

// Every FastKernel against the op table's generic code on the same inputs:
// elementwise loops call the same scalar functions, so they must agree
// bitwise; GEMM-based kernels sum in another order, so each result must lie
// within 2 gamma_n sum|terms| of the generic one (both are within gamma_n of
// the exact value).

using namespace vt;
using spec::Dense;
namespace ops = spec::ops;

namespace {
Dense<float> R(spec::Shape s, std::mt19937& rng, float lo = -2, float hi = 2) {
  std::uniform_real_distribution<float> u(lo, hi);
  Dense<float> d = Dense<float>::full(std::move(s), 0.f);
  for (auto& v : d.data) v = u(rng);
  return d;
}

struct Run {
  Dense<float> y;
  std::vector<Dense<float>> dx;
};

// y and every input's gradient (accumulated onto 0.25, or written over NaN
// when `stale`) from the fast kernel or the generic rule.
template <bool Fast>
Run run(spec::OpId op, const std::vector<Dense<float>>& xs, const Dense<float>& g, spec::AttrMap attrs = {}, bool stale = false) {
  std::vector<spec::TensorType> types;
  std::vector<const Dense<float>*> in;
  for (const auto& x : xs) types.push_back({spec::DType::f32, x.shape}), in.push_back(&x);
  Run r{Dense<float>::full(spec::infer_type(spec::op_info(op), types, attrs).shape, 0.f), {}};
  for (const auto& x : xs) r.dx.push_back(Dense<float>::full(x.shape, Fast && stale ? std::nanf("") : stale ? 0.f : 0.25f));
  std::vector<Dense<float>*> dp;
  for (auto& d : r.dx) dp.push_back(&d);
  const bool overwrite[] = {stale, stale, stale, stale, stale, stale, stale, stale};
  if constexpr (Fast) {
    BOOST_REQUIRE(rt::fast_forward<float>(op, in, attrs, r.y));
    BOOST_REQUIRE(rt::fast_vjp<float>(op, in, r.y, g, attrs, dp, std::span<const bool>(overwrite, xs.size())));
  } else {
    spec::generic_forward<float>(op, in, attrs, r.y);
    spec::generic_vjp<float>(op, in, r.y, g, attrs, dp);
  }
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(elementwise_fast_loops_equal_the_generic_code_bitwise) {
  std::mt19937 rng(1);
  int checked = 0;
  for (const auto& info : spec::all_ops()) {
    const bool unary = info.min_arity == 1 && info.max_arity == 1 && info.attrs.empty();
    const bool binary = info.min_arity == 2 && info.max_arity == 2 && info.attrs.empty() && info.name != "matmul" &&
                        info.name != "mse_loss" && info.name != "cross_entropy" &&
                        info.differentiable(1);  // not ops with an index input (embedding)
    if (!unary && !binary) continue;
    std::vector<Dense<float>> xs;
    for (int i = 0; i < info.min_arity; ++i) xs.push_back(R({3, 4}, rng, 0.25f, 2));  // in every op's domain
    std::vector<spec::TensorType> types(xs.size(), spec::TensorType{spec::DType::f32, spec::Shape{3, 4}});
    spec::AttrMap none;
    if (spec::infer_type(info, types, none).shape != spec::Shape{3, 4}) continue;  // reductions
    Dense<float> probe = Dense<float>::full(spec::Shape{3, 4}, 0.f);
    std::vector<const Dense<float>*> in;
    for (const auto& x : xs) in.push_back(&x);
    if (!rt::fast_forward<float>(info.id, in, none, probe)) continue;  // no fast loop for this op
    const Dense<float> g = R({3, 4}, rng);
    const Run f = run<true>(info.id, xs, g), s = run<false>(info.id, xs, g);
    BOOST_TEST(f.y.data == s.y.data, info.name << " forward");
    for (std::size_t i = 0; i < xs.size(); ++i) BOOST_TEST(f.dx[i].data == s.dx[i].data, info.name << " dx" << i);
    ++checked;
  }
  BOOST_TEST(checked >= 13);
}

BOOST_AUTO_TEST_CASE(gemm_kernels_agree_with_the_generic_code_within_the_dot_contract) {
  std::mt19937 rng(2);
  const float u = 0x1p-24f;
  auto close = [&](const Dense<float>& a, const Dense<float>& b, const Dense<float>& terms, double n, const char* what) {
    const double gamma = 2 * n * u / (1 - n * u);
    for (std::int64_t i = 0; i < a.numel(); ++i)
      BOOST_TEST(std::abs(double(a[i]) - double(b[i])) <= 2 * gamma * terms[i] + 1e-30, what << "[" << i << "]");
  };
  // linear: x[6,5] W[4,5]^T + b[4]
  const auto x = R({6, 5}, rng), W = R({4, 5}, rng), b = R({4}, rng), g = R({6, 4}, rng);
  const Run f = run<true>(spec::op_id<ops::Linear>, {x, W, b}, g), s = run<false>(spec::op_id<ops::Linear>, {x, W, b}, g);
  auto absd = [](Dense<float> d) {
    for (auto& v : d.data) v = std::abs(v);
    return d;
  };
  const Run terms = run<false>(spec::op_id<ops::Linear>, {absd(x), absd(W), absd(b)}, absd(g));
  close(f.y, s.y, terms.y, 6, "linear y");
  // The gradients are dot products too (over 4 outputs or 6 rows), plus the 0.25 they accumulate onto.
  for (std::size_t i = 0; i < 3; ++i) {
    Dense<float> t = terms.dx[i];
    for (auto& v : t.data) v += 0.25f;
    close(f.dx[i], s.dx[i], t, 7, "linear dx");
  }
  // matmul: [2,3,4] @ [2,4,5]
  const auto A = R({2, 3, 4}, rng), B = R({2, 4, 5}, rng), G = R({2, 3, 5}, rng);
  const Run fm = run<true>(spec::op_id<ops::Matmul>, {A, B}, G), sm = run<false>(spec::op_id<ops::Matmul>, {A, B}, G);
  const Run tm = run<false>(spec::op_id<ops::Matmul>, {absd(A), absd(B)}, absd(G));
  close(fm.y, sm.y, tm.y, 4, "matmul y");
  for (std::size_t i = 0; i < 2; ++i) {
    Dense<float> t = tm.dx[i];
    for (auto& v : t.data) v += 0.25f;
    close(fm.dx[i], sm.dx[i], t, 6, "matmul dx");
  }
  // Broadcast batches (bmm with broadcasting): [2,1,3,4] @ [3,4,5] -> [2,3,3,5];
  // a's gradient sums over the 3 batches that read it, b's over 2 (x 3 rows each).
  const auto A2 = R({2, 1, 3, 4}, rng), B2 = R({3, 4, 5}, rng), G2 = R({2, 3, 3, 5}, rng);
  const Run fb = run<true>(spec::op_id<ops::Matmul>, {A2, B2}, G2), sb = run<false>(spec::op_id<ops::Matmul>, {A2, B2}, G2);
  const Run tb = run<false>(spec::op_id<ops::Matmul>, {absd(A2), absd(B2)}, absd(G2));
  close(fb.y, sb.y, tb.y, 4, "broadcast matmul y");
  for (std::size_t i = 0; i < 2; ++i) {
    Dense<float> t = tb.dx[i];
    for (auto& v : t.data) v += 0.25f;
    close(fb.dx[i], sb.dx[i], t, 16, "broadcast matmul dx");
  }
}


BOOST_AUTO_TEST_CASE(trailing_broadcasts_and_permutes_equal_the_generic_code_bitwise) {
  std::mt19937 rng(3);
  int checked = 0;
  for (const char* name : {"add", "sub", "mul", "div", "maximum", "minimum"}) {
    const spec::OpId op = spec::find_op(name)->id;
    const spec::Shape full{2, 3, 4};
    for (const spec::Shape& part : {spec::Shape{4}, spec::Shape{1, 4}, spec::Shape{3, 4}, spec::Shape{}, spec::Shape{1, 1, 4}})
      for (const bool swap : {false, true}) {
        std::vector<Dense<float>> xs{R(full, rng, 0.25f, 2), R(part, rng, 0.25f, 2)};
        if (swap) std::swap(xs[0], xs[1]);
        const Dense<float> g = R(full, rng);
        const Run f = run<true>(op, xs, g, {}, false), s = run<false>(op, xs, g, {}, false);
        BOOST_TEST(f.y.data == s.y.data, name << " forward");
        for (std::size_t i = 0; i < 2; ++i) BOOST_TEST(f.dx[i].data == s.dx[i].data, name << " dx" << i << " of " << spec::to_string(xs[i].shape));
        ++checked;
      }
  }
  // A broadcast the loops do not take (a column against rows) goes to the generic path.
  {
    const Dense<float> a = R({3, 4}, rng), b = R({3, 1}, rng), y0 = Dense<float>::full(spec::Shape{3, 4}, 0.f);
    Dense<float> y = y0;
    const std::vector<const Dense<float>*> in{&a, &b};
    BOOST_TEST(!rt::fast_forward<float>(spec::op_id<ops::Add>, in, {}, y));
  }
  for (const spec::IntList& perm : {spec::IntList{0, 2, 1, 3}, spec::IntList{3, 1, 0, 2}, spec::IntList{0, 1, 2, 3}})
    for (const bool stale : {false, true}) {
      spec::AttrMap a;
      a.set("perm", perm);
      const std::vector<Dense<float>> xs{R({2, 3, 4, 5}, rng)};
      const std::vector<spec::TensorType> t{{spec::DType::f32, xs[0].shape}};
      const auto out = spec::infer_type(spec::op_info(spec::op_id<ops::Permute>), t, a).shape;
      const Dense<float> g = R(out, rng);
      const Run f = run<true>(spec::op_id<ops::Permute>, xs, g, a, stale), s = run<false>(spec::op_id<ops::Permute>, xs, g, a, stale);
      BOOST_TEST(f.y.data == s.y.data);
      BOOST_TEST(f.dx[0].data == s.dx[0].data);
      ++checked;
    }
  {
    const std::vector<Dense<float>> xs{R({4, 3, 2}, rng)};
    const Dense<float> g = R({4, 2, 3}, rng);
    const Run f = run<true>(spec::op_id<ops::Transpose>, xs, g, {}, false), s = run<false>(spec::op_id<ops::Transpose>, xs, g, {}, false);
    BOOST_TEST(f.y.data == s.y.data);
    BOOST_TEST(f.dx[0].data == s.dx[0].data);
  }
  BOOST_TEST(checked == 6 * 5 * 2 + 6);
}

// layer_norm's kernel sums each group in 16 interleaved partial sums (the
// generic rule in one chain), so the two differ by rounding only: a few ulp
// here (groups of <= 15, values in [-2, 2]), against O(1) for a wrong step.
BOOST_AUTO_TEST_CASE(layer_norm_kernel_agrees_with_the_generic_code) {
  std::mt19937 rng(4);
  for (const spec::IntList& norm : {spec::IntList{5}, spec::IntList{3, 5}, spec::IntList{1}, spec::IntList{37}})
    for (int affine = 0; affine < 3; ++affine)
      for (const bool stale : {false, true}) {
        spec::AttrMap a;
        a.set("normalized_shape", norm);
        if (affine == 1) a.set("eps", 0.25);
        spec::IntList shape{2, 3};
        shape.insert(shape.end(), norm.begin(), norm.end());
        std::vector<Dense<float>> xs{R(spec::Shape(shape), rng)};
        for (int i = 0; i < affine; ++i) xs.push_back(R(spec::Shape(norm), rng));
        const Dense<float> g = R(xs[0].shape, rng);
        const Run f = run<true>(spec::op_id<ops::LayerNorm>, xs, g, a, stale), s = run<false>(spec::op_id<ops::LayerNorm>, xs, g, a, stale);
        BOOST_TEST(rt::testing::worst_difference(f.y, s.y) < 1e-5, "y affine " << affine);
        for (std::size_t i = 0; i < xs.size(); ++i) BOOST_TEST(rt::testing::worst_difference(f.dx[i], s.dx[i]) < 1e-5, "d" << i << " affine " << affine << " stale " << stale);
        if (norm.size() == 1 && norm[0] == 1) BOOST_TEST(f.y.data == s.y.data);  // groups of one: exactly b (or 0)
      }
}

BOOST_AUTO_TEST_CASE(embedding_kernel_equals_the_generic_code_bitwise) {
  std::mt19937 rng(5);
  const Dense<float> w = R({5, 3}, rng);
  Dense<float> idx = Dense<float>::full(spec::Shape{2, 4}, 0.f);
  idx.data = {4, 0, 4, 2, 1, 4, 0, 3};  // repeats: row 4's gradient sums three rows of g
  const Dense<float> g = R({2, 4, 3}, rng);
  for (const bool stale : {false, true}) {
    const auto op = spec::op_id<ops::Embedding>;
    std::vector<spec::TensorType> types{{spec::DType::f32, w.shape}, {spec::DType::i64, idx.shape}};
    spec::AttrMap none;
    const spec::Shape out = spec::infer_type(spec::op_info(op), types, none).shape;
    const std::vector<const Dense<float>*> in{&w, &idx};
    Dense<float> yf = Dense<float>::full(out, 0.f), yg = yf;
    BOOST_REQUIRE(rt::fast_forward<float>(op, in, none, yf));
    spec::generic_forward<float>(op, in, none, yg);
    BOOST_TEST(yf.data == yg.data);
    Dense<float> df = Dense<float>::full(w.shape, stale ? std::nanf("") : 0.25f), dg = Dense<float>::full(w.shape, stale ? 0.f : 0.25f);
    std::vector<Dense<float>*> pf{&df, nullptr}, pg{&dg, nullptr};
    const bool flags[] = {stale, false};
    BOOST_REQUIRE(rt::fast_vjp<float>(op, in, yf, g, none, pf, flags));
    spec::generic_vjp<float>(op, in, yg, g, none, pg);
    BOOST_TEST(df.data == dg.data);
  }
  // An index out of range: the op's own DomainError, nothing written.
  Dense<float> bad = idx;
  bad.data[5] = 5;
  const std::vector<const Dense<float>*> in{&w, &bad};
  Dense<float> y = Dense<float>::full(spec::Shape{2, 4, 3}, 7.f);
  BOOST_CHECK_EXCEPTION(rt::fast_forward<float>(spec::op_id<ops::Embedding>, in, {}, y), spec::DomainError, [](const spec::DomainError& e) {
    return std::string(e.what()).find("embedding: indices[1, 1] = 5 is out of range [0, 5)") != std::string::npos;
  });
  BOOST_TEST(y.data == std::vector<float>(24, 7.f));
}

// batch_norm's kernel gathers each channel into contiguous scratch and sums in
// partial sums: rounding-level differences from the generic rule only.
BOOST_AUTO_TEST_CASE(batch_norm_kernel_agrees_with_the_generic_code) {
  std::mt19937 rng(6);
  for (const spec::Shape& shape : {spec::Shape{2, 3, 4, 5}, spec::Shape{5, 3}, spec::Shape{1, 2, 7}, spec::Shape{4, 3, 1, 1}})
    for (const bool training : {true, false})
      for (const bool stale : {false, true}) {
        spec::AttrMap a;
        a.set("training", training);
        const std::int64_t C = shape[1];
        std::vector<Dense<float>> xs{R(shape, rng), R({C}, rng), R({C}, rng), R({C}, rng), R({C}, rng, 0.25f, 2)};
        const Dense<float> g = R(shape, rng);
        const Run f = run<true>(spec::op_id<ops::BatchNorm>, xs, g, a, stale), s = run<false>(spec::op_id<ops::BatchNorm>, xs, g, a, stale);
        BOOST_TEST(rt::testing::worst_difference(f.y, s.y) < 1e-5, "y " << spec::to_string(shape) << " training " << training);
        for (std::size_t i = 0; i < 3; ++i)
          BOOST_TEST(rt::testing::worst_difference(f.dx[i], s.dx[i]) < 1e-5, "d" << i << " " << spec::to_string(shape) << " training " << training << " stale " << stale);
      }
}
