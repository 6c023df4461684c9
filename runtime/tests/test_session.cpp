#define BOOST_TEST_MODULE runtime_session
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "vt/runtime/program.hpp"
#include "vt/runtime/session.hpp"
#include "vt/spec/builder.hpp"

// Eager sessions: PyTorch's gradient semantics, clear errors, and the same
// numbers as the compiled program (same tape, same kernels: bitwise).

using namespace vt;
using rt::Session;
using rt::TensorRef;

namespace {
std::vector<float> seq(std::size_t n, float scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& e : v) e = u(rng);
  return v;
}
}  // namespace

BOOST_AUTO_TEST_CASE(eager_training_step_equals_the_compiled_program_bitwise) {
  const std::int64_t B = 8, I = 5, H = 7, O = 3;
  const auto x = seq(B * I, 1, 1), y = seq(B * O, 1, 2), w1 = seq(H * I, 0.5f, 3), b1 = seq(H, 0.5f, 4), w2 = seq(O * H, 0.5f, 5),
             b2 = seq(O, 0.5f, 6);
  // Eager.
  Session<float> s;
  auto W1 = s.param({H, I}, w1), B1 = s.param({H}, b1), W2 = s.param({O, H}, w2), B2 = s.param({O}, b2);
  for (int step = 0; step < 3; ++step) {
    auto X = s.input({B, I}, x), Y = s.input({B, O}, y);
    auto loss = rt::mse_loss(rt::linear(rt::relu(rt::linear(X, W1, B1)), W2, B2), Y);
    loss.backward();
    s.sgd_step(0.1f);
    s.zero_grad();
  }
  // Compiled: the same model as a graph.
  spec::GraphBuilder gb("mlp");
  auto gx = gb.input("x", spec::DType::f32, {B, I});
  auto gy = gb.input("y", spec::DType::f32, {B, O});
  auto gw1 = gb.param("w1", spec::DType::f32, {H, I});
  auto gb1 = gb.param("b1", spec::DType::f32, {H});
  auto gw2 = gb.param("w2", spec::DType::f32, {O, H});
  auto gb2 = gb.param("b2", spec::DType::f32, {O});
  gb.output(gb.mse_loss(gb.linear(gb.relu(gb.linear(gx, gw1, gb1)), gw2, gb2), gy));
  rt::Program<float> p(gb.build());
  p.set("x", x), p.set("y", y), p.set("w1", w1), p.set("b1", b1), p.set("w2", w2), p.set("b2", b2);
  for (int step = 0; step < 3; ++step) {
    p.forward();
    p.backward();
    p.sgd_step(0.1f);
    p.zero_grad();
  }
  BOOST_TEST(W1.value().data == p.arg("w1").data, boost::test_tools::per_element());
  BOOST_TEST(B2.value().data == p.arg("b2").data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_follow_pytorch_semantics) {
  Session<double> s;
  auto w = s.param({2}, {1.0, -2.0});
  auto loss = rt::sum(rt::square(w));  // d/dw = 2w
  loss.backward(/*retain_graph=*/true);
  loss.backward();  // retained: runs again and accumulates
  BOOST_TEST(w.grad().data == (std::vector<double>{4, -8}), boost::test_tools::per_element());
  BOOST_CHECK_THROW(loss.backward(), spec::UsageError);  // graph freed
  BOOST_CHECK_THROW(loss.value(), spec::UsageError);     // its values too
  s.zero_grad();
  auto l2 = rt::sum(w * 3.0);
  l2.backward();
  BOOST_TEST(w.grad().data == (std::vector<double>{3, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_grad_detach_and_requires_grad) {
  Session<float> s;
  auto w = s.param({2}, {1, 2});
  auto x = s.input({2}, {3, 4});
  BOOST_TEST(!x.requires_grad());
  BOOST_CHECK_THROW(x.grad(), spec::UsageError);
  {
    Session<float>::NoGrad guard(s);
    auto y = w * x;
    BOOST_TEST(!y.requires_grad());
    BOOST_TEST(y.value().data == (std::vector<float>{3, 8}), boost::test_tools::per_element());
  }
  auto d = (w * x).detach();
  BOOST_TEST(!d.requires_grad());
  auto loss = rt::sum(w * d);  // d is a constant: dloss/dw = d
  loss.backward();
  BOOST_TEST(w.grad().data == (std::vector<float>{3, 8}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(misuse_is_a_clear_error_before_any_state_change) {
  Session<float> s, other;
  auto a = s.input({2, 3}, std::vector<float>(6, 1.f));
  auto b = s.input({4, 5}, std::vector<float>(20, 1.f));
  try {
    rt::matmul(a, b);
    BOOST_FAIL("expected ShapeError");
  } catch (const spec::ShapeError& e) {
    BOOST_TEST(std::string(e.what()) == "matmul(f32[2, 3], f32[4, 5]): matmul inner dimensions differ: [2, 3] @ [4, 5]");
  }
  BOOST_TEST(rt::sum(a).item() == 6.f);  // the session still works
  auto c = other.input({2, 3}, std::vector<float>(6, 1.f));
  BOOST_CHECK_THROW(a + c, spec::UsageError);
  auto w = s.param({3}, {1, 2, 3});
  auto v = rt::linear(a, s.param({2, 3}, std::vector<float>(6, 0.5f)));
  BOOST_CHECK_THROW(v.backward(), spec::UsageError);  // non-scalar without a seed
  BOOST_CHECK_THROW(s.param({2}, {1, 2, 3}), spec::ShapeError);
  (void)w;
}

BOOST_AUTO_TEST_CASE(a_long_scalar_chain_has_the_closed_form_value_and_gradient) {
  // y_{k+1} = a y_k + c, so y_n = a^n y_0 + c (a^n - 1) / (a - 1) and dy_n/dy_0 = a^n.
  Session<double> s;
  auto y0 = s.param({}, {0.5});
  auto y = y0 * 1.0;
  const int n = 10000;
  for (int i = 0; i < n; ++i) y = y * 1.0001 + 0.001;
  const double an = std::pow(1.0001, n);
  BOOST_TEST(y.item() == an * 0.5 + 0.001 * (an - 1) / 0.0001, boost::test_tools::tolerance(1e-9));
  y.backward();
  BOOST_TEST(y0.grad()[0] == an, boost::test_tools::tolerance(1e-9));
}
