#define BOOST_TEST_MODULE runtime_session
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <memory>
#include <random>

#include "vt/runtime/program.hpp"
#include "vt/runtime/session.hpp"
#include "vt/spec/builder.hpp"
#include "vt/spec/text_format.hpp"

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

// ---- LinkedSession: the same user code, recorded once, then replayed in place.
namespace {
// One training step of a small MLP written against the Session API: the code
// is identical for Session and LinkedSession. `extra` changes its structure.
template <class Sess>
float train_step(Sess& s, std::vector<TensorRef<float>>& p, const std::vector<float>& x, const std::vector<float>& y,
                 std::int64_t batch, bool extra = false) {
  auto X = s.input({batch, 5}, x), Y = s.input({batch, 3}, y);
  auto h = rt::relu(rt::linear(X, p[0], p[1]));
  if (extra) h = rt::relu(h);  // a different program
  auto loss = rt::mse_loss(rt::linear(h, p[2], p[3]), Y);
  const float value = loss.item();
  loss.backward();
  s.sgd_step(0.05f);
  s.zero_grad();
  return value;
}
template <class Sess>
std::vector<TensorRef<float>> make_params(Sess& s) {
  return {s.param({7, 5}, seq(35, 0.5f, 3)), s.param({7}, seq(7, 0.5f, 4)), s.param({3, 7}, seq(21, 0.5f, 5)),
          s.param({3}, seq(3, 0.5f, 6))};
}
}  // namespace

BOOST_AUTO_TEST_CASE(linked_session_equals_eager_and_replays_without_growing) {
  Session<float> eager;
  rt::LinkedSession<float> linked;
  auto pe = make_params(eager), pl = make_params(linked);
  const auto x = seq(8 * 5, 1, 1), y = seq(8 * 3, 1, 2);
  std::size_t slots_after_first = 0;
  for (int step = 0; step < 5; ++step) {
    const float le = train_step(eager, pe, x, y, 8), ll = train_step(linked, pl, x, y, 8);
    BOOST_TEST(le == ll);  // bitwise: same kernels, same order
    if (step == 0) slots_after_first = linked.tape_slots();
    BOOST_TEST(linked.tape_slots() == slots_after_first);  // replayed in place: no new entries
  }
  BOOST_TEST(linked.relinks() == 0u);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(pe[i].value().data == pl[i].value().data, boost::test_tools::per_element());
  // The recorded program is a verified graph (it prints as .vtg).
  const spec::GraphData& g = linked.program();
  BOOST_TEST(g.nodes.size() == 4u);  // linear, relu, linear, mse_loss: one step, recorded once
  BOOST_TEST(g.nodes[1].op == "relu");
}

BOOST_AUTO_TEST_CASE(a_run_with_another_structure_is_detected_and_re_recorded) {
  Session<float> eager;
  rt::LinkedSession<float> linked;
  auto pe = make_params(eager), pl = make_params(linked);
  const auto x = seq(8 * 5, 1, 1), y = seq(8 * 3, 1, 2), x4 = seq(4 * 5, 1, 7), y4 = seq(4 * 3, 1, 8);
  auto both = [&](bool extra, std::int64_t batch, const std::vector<float>& xs, const std::vector<float>& ys) {
    BOOST_TEST(train_step(eager, pe, xs, ys, batch, extra) == train_step(linked, pl, xs, ys, batch, extra));
  };
  both(false, 8, x, y);
  both(true, 8, x, y);  // an extra relu: differs at the loss's linear
  BOOST_TEST(linked.relinks() == 1u);
  BOOST_TEST(linked.last_relink().find("differs") != std::string::npos, linked.last_relink());
  both(true, 8, x, y);  // the new program replays
  BOOST_TEST(linked.relinks() == 1u);
  both(true, 4, x4, y4);  // another batch size: the first input differs
  BOOST_TEST(linked.relinks() == 2u);
  BOOST_TEST(linked.last_relink().find("entry 0 differs") != std::string::npos, linked.last_relink());
  both(true, 4, x4, y4);
  BOOST_TEST(linked.relinks() == 2u);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(pe[i].value().data == pl[i].value().data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(linked_replay_covers_no_grad_and_detach) {
  rt::LinkedSession<double> s;
  auto w = s.param({2}, {1.0, 2.0});
  for (int step = 0; step < 3; ++step) {
    auto x = s.input({2}, {3.0 + step, 4.0});
    TensorRef<double> scaled = w * 1.0;
    {
      Session<double>::NoGrad guard(s);
      scaled = w * x;  // recomputed in place on replays, never recorded for backward
    }
    auto loss = rt::sum(w * scaled.detach());
    BOOST_TEST(scaled.value()[0] == (3.0 + step) * w.value()[0]);
    loss.backward();
    BOOST_TEST(w.grad()[0] == (3.0 + step) * w.value()[0]);
    s.zero_grad();
  }
  BOOST_TEST(s.relinks() == 0u);
}

BOOST_AUTO_TEST_CASE(relinking_sends_later_parameters_home_and_reimports_them) {
  // Run 1 imports p1 after the first op; run 2 uses p1 in its first op, which
  // differs: the cut at that op must re-import p1, not reuse its old slot.
  Session<double> eager;
  rt::LinkedSession<double> linked;
  auto run = [](auto& s, std::vector<TensorRef<double>>& p, bool swap) {
    auto x = s.input({2}, {1.0, 2.0});
    auto a = swap ? x * p[1] : x * p[0];
    auto loss = rt::sum(swap ? a * p[0] : a * p[1]);
    const double v = loss.item();
    loss.backward();
    s.sgd_step(0.1);
    s.zero_grad();
    return v;
  };
  std::vector<TensorRef<double>> pe{eager.param({2}, {0.5, -1.0}), eager.param({2}, {2.0, 3.0})};
  std::vector<TensorRef<double>> pl{linked.param({2}, {0.5, -1.0}), linked.param({2}, {2.0, 3.0})};
  for (bool swap : {false, true, true, false}) BOOST_TEST(run(eager, pe, swap) == run(linked, pl, swap));
  BOOST_TEST(linked.relinks() == 2u);
  for (std::size_t i = 0; i < 2; ++i) BOOST_TEST(pe[i].value().data == pl[i].value().data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(index_ops_run_eagerly_and_reject_out_of_range_indices_before_writing) {
  Session<float> s;
  auto w = s.param({3, 2}, {0, 1, 2, 3, 4, 5});
  auto idx = s.input({2}, {2, 0}, spec::DType::i64);
  auto e = rt::embedding(w, idx);
  BOOST_TEST(e.value().data == (std::vector<float>{4, 5, 0, 1}), boost::test_tools::per_element());
  auto x = s.input({2, 3}, {0, 1, 2, 3, 4, 5});
  auto g = rt::gather(rt::concat({x, rt::narrow(x, 1, 1, 2)}, 1), s.input({2, 1}, {4, 0}, spec::DType::i64), 1);
  BOOST_TEST(g.value().data == (std::vector<float>{2, 3}), boost::test_tools::per_element());
  auto sc = rt::scatter_add(e, s.input({1, 2}, {1, 1}, spec::DType::i64), rt::narrow(x, 0, 0, 1), 0);  // src [1, 3]
  BOOST_TEST(sc.value().data == (std::vector<float>{4, 5, 0, 2}), boost::test_tools::per_element());
  auto loss = rt::sum(rt::flatten(sc, 0));
  loss.backward();
  BOOST_TEST(s.param_grad(0)->data == (std::vector<float>{1, 1, 0, 0, 1, 1}), boost::test_tools::per_element());

  // Out-of-range index values: a DomainError naming the op, the position and
  // the value; the session is left as it was (no node, no written value).
  s.zero_grad();
  auto bad = s.input({3}, {0, 1, 7}, spec::DType::i64);
  auto fine = rt::embedding(w, s.input({1}, {2}, spec::DType::i64));  // w is now in the graph
  const std::size_t slots = s.tape_slots();
  try {
    rt::embedding(w, bad);
    BOOST_FAIL("expected DomainError");
  } catch (const spec::DomainError& err) {
    const std::string m = err.what();
    BOOST_TEST(m.find("= embedding: indices[2] = 7 is out of range [0, 3)") != std::string::npos, m);
  }
  BOOST_TEST(s.tape_slots() == slots);  // no node, no value was added
  BOOST_TEST(fine.value().data == (std::vector<float>{4, 5}), boost::test_tools::per_element());
  auto y = s.input({2, 2}, {1, 2, 3, 4});
  auto src = s.param({2, 2}, {5, 6, 7, 8});
  try {
    rt::scatter_add(y, s.input({2, 2}, {0, 1, -1, 0}, spec::DType::i64), src, 0);
    BOOST_FAIL("expected DomainError");
  } catch (const spec::DomainError& err) {
    const std::string m = err.what();
    BOOST_TEST(m.find("scatter_add: index[1, 0] = -1 is out of range [0, 2)") != std::string::npos, m);
  }
  BOOST_TEST(y.value().data == (std::vector<float>{1, 2, 3, 4}), boost::test_tools::per_element());
  BOOST_CHECK_THROW(rt::gather(y, s.input({1, 1}, {2}, spec::DType::i64), 0), spec::DomainError);
  {
    Session<float>::NoGrad ng(s);
    BOOST_CHECK_THROW(rt::gather(y, s.input({1, 1}, {0.5f}, spec::DType::i64), 1), spec::DomainError);
  }
  // The session still works and backward is unaffected by the failed ops.
  auto ok = rt::sum(rt::scatter_add(y, s.input({1, 2}, {1, 1}, spec::DType::i64), src, 0));
  BOOST_TEST(ok.item() == 21.f);
  ok.backward();
  BOOST_TEST(s.param_grad(1)->data == (std::vector<float>{1, 1, 0, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_compiled_program_names_the_node_of_an_out_of_range_index) {
  spec::GraphBuilder b("g");
  auto w = b.param("w", spec::DType::f32, {4, 3});
  auto t = b.input("t", spec::DType::i64, {2});
  auto h = b.apply("embedding", {w, t}, {}, "h");
  b.output(b.sum(h));
  rt::Program<float> p(b.build());
  p.set("w", std::vector<float>(12, 1.f));
  p.set("t", std::vector<float>{3, 0});
  p.forward();
  BOOST_TEST(p.output().data[0] == 6.f);
  p.set("t", std::vector<float>{1, 4});
  try {
    p.forward();
    BOOST_FAIL("expected DomainError");
  } catch (const spec::DomainError& err) {
    const std::string m = err.what();
    BOOST_TEST(m.find("%h = embedding: indices[1] = 4 is out of range [0, 4)") != std::string::npos, m);
  }
}

BOOST_AUTO_TEST_CASE(activation_functions_take_their_attributes_as_parameters) {
  Session<double> s;
  auto w = s.param({3}, {-1.0, 0.5, 2.0});
  // sum of the activations; gradients against torch (float64).
  auto loss = rt::sum(rt::softplus(w, 2.0, 3.0)) + rt::sum(rt::gelu(w, "tanh")) + rt::sum(rt::silu(w)) + rt::sum(rt::log_sigmoid(w)) +
              rt::sum(rt::gelu(w));
  loss.backward();
  // torch (float64): softplus'(beta=2, thr=3), gelu_tanh', silu', logsigmoid', gelu' at w.
  const double d[5][3] = {{0.11920292202211755, 0.7310585786300049, 1.0},
                          {-0.08296408384578252, 0.8673699035346424, 1.0860992566236183},
                          {0.07232948812851325, 0.7399611873026519, 1.0907842487848955},
                          {0.7310585786300049, 0.37754066879814546, 0.11920292202211755},
                          {-0.08331547058768635, 0.8674951246561629, 1.085231801078197}};
  std::vector<double> want(3, 0.0);
  for (const auto& row : d)
    for (std::size_t i = 0; i < 3; ++i) want[i] += row[i];
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(std::abs(w.grad().data[i] - want[i]) < 1e-14, i << ": " << w.grad().data[i]);
  // dropout: the same seed gives the same mask; eval mode is the identity.
  auto x = s.param({64}, std::vector<double>(64, 1.0));
  const auto a = rt::dropout(x, 0.5, 42).value().data, b = rt::dropout(x, 0.5, 42).value().data;
  BOOST_TEST(a == b, boost::test_tools::per_element());
  for (double v : a) BOOST_TEST((v == 0 || v == 2));
  BOOST_TEST(rt::dropout(x, 0.5, 42, false).value().data == x.value().data, boost::test_tools::per_element());
  BOOST_CHECK_THROW(rt::dropout(x, 1.0, 1), spec::ShapeError);
  BOOST_CHECK_THROW(rt::gelu(x, "erf"), spec::ShapeError);
}

// Attention through the session API: a causal self-attention step written
// once runs eagerly and linked with bitwise equal losses and parameters, and
// the linked session replays it without relinking.
BOOST_AUTO_TEST_CASE(attention_trains_alike_in_eager_and_linked_sessions) {
  const auto step = [](auto& s, std::vector<TensorRef<float>>& p, const std::vector<float>& x) {
    auto X = s.input({2, 4, 6}, x);
    auto q = rt::linear(X, p[0]), k = rt::linear(X, p[1]), v = rt::linear(X, p[2]);
    auto y = rt::scaled_dot_product_attention(q, k, v, {}, true);
    auto loss = rt::mean(y * y);
    const float value = loss.item();
    loss.backward();
    s.sgd_step(0.1f);
    s.zero_grad();
    return value;
  };
  Session<float> eager;
  rt::LinkedSession<float> linked;
  const auto params = [](auto& s) {
    return std::vector<TensorRef<float>>{s.param({6, 6}, seq(36, 0.3f, 1)), s.param({6, 6}, seq(36, 0.3f, 2)), s.param({6, 6}, seq(36, 0.3f, 3))};
  };
  auto pe = params(eager), pl = params(linked);
  const auto x = seq(48, 1, 4);
  float first = 0, last = 0;
  for (int i = 0; i < 6; ++i) {
    const float a = step(eager, pe, x), b = step(linked, pl, x);
    BOOST_TEST(a == b);
    if (i == 0) first = a;
    last = a;
  }
  BOOST_TEST(last < first);
  BOOST_TEST(linked.relinks() == 0u);
  for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(pe[i].value().data == pl[i].value().data, boost::test_tools::per_element());
}

// d(loss)/d(x) for an input x, from a compiled program: name it in
// grad_inputs; other inputs stay without gradients, and bad names are refused.
BOOST_AUTO_TEST_CASE(a_program_differentiates_the_inputs_it_is_asked_for) {
  const spec::GraphData g = spec::parse_vtg(
      "graph g {\n  input %x : f64[3]\n  input %y : f64[3]\n  param %w : f64[3]\n"
      "  %p = pow(%x) {exponent = 2.0} : f64[3]\n  %s = mul(%p, %w) : f64[3]\n  %t = add(%s, %y) : f64[3]\n"
      "  %m = max(%t) : f64[]\n  output %m\n}\n");
  rt::Program<double> p(g, true, {.grad_inputs = {"x"}});
  p.set("x", std::vector<double>{1, -3, 2});
  p.set("y", std::vector<double>{0, 0, 1});
  p.set("w", std::vector<double>{1, 1, 2});
  p.forward();
  p.backward();
  BOOST_TEST(p.output().data[0] == 9.0);  // max(1, 9, 9): a tie over all axes shares the gradient
  BOOST_REQUIRE(p.grad("x"));
  BOOST_TEST(p.grad("x")->data == (std::vector<double>{0, -3, 4}), boost::test_tools::per_element());  // 2 x w g/2
  BOOST_TEST(p.grad("w")->data == (std::vector<double>{0, 4.5, 2}), boost::test_tools::per_element());
  BOOST_CHECK_EXCEPTION(p.grad("y"), spec::UsageError, [](const spec::UsageError& e) {
    return std::string(e.what()).find("%y has no gradient: an input gets one when named") == 0;
  });
  BOOST_CHECK_EXCEPTION(rt::Program<double>(g, true, {.grad_inputs = {"z"}}), spec::UsageError, [](const spec::UsageError& e) {
    return std::string(e.what()) == "gradient asked of %z, which is not an argument of graph 'g'";
  });
}

// A session input can ask for its gradient (x.requires_grad_()): eager and
// linked sessions both fill it; an i64 input cannot.
BOOST_AUTO_TEST_CASE(a_session_input_may_require_grad) {
  for (const bool linked : {false, true}) {
    std::unique_ptr<rt::Session<double>> s = linked ? std::make_unique<rt::LinkedSession<double>>() : std::make_unique<rt::Session<double>>();
    for (int run = 0; run < 2; ++run) {  // the linked session replays its program the second time
      auto w = s->param({2}, {3, -1});
      auto x = s->input({2}, {0.5, 2}, rt::Session<double>::kDType, true);
      auto y = s->input({2}, {1, 1});
      auto loss = rt::sum(rt::pow(x, 2.0) * w + y);
      loss.backward(/*retain_graph=*/true);  // x's gradient lives with the graph
      BOOST_TEST(x.grad().data == (std::vector<double>{3, -4}), boost::test_tools::per_element());  // 2 x w
      BOOST_TEST(!y.requires_grad());
      s->release();
      s->zero_grad();
    }
    BOOST_CHECK_THROW(s->input({1}, {0}, spec::DType::i64, true), spec::UsageError);
  }
}

// torch.max(x, dim) as one call: values and indices, the gradient to the
// indexed (first maximal) elements, in a session and in a built graph.
BOOST_AUTO_TEST_CASE(max_with_indices_returns_values_and_indices_like_torch) {
  rt::Session<double> s;
  auto w = s.param({2, 3}, {1, 5, 5, 7, 2, 7});
  auto [v, i] = rt::max_with_indices(w, 1);
  auto [m, j] = rt::min_with_indices(w, 0, true);
  BOOST_TEST(v.value().data == (std::vector<double>{5, 7}), boost::test_tools::per_element());
  BOOST_TEST(i.value().data == (std::vector<double>{1, 0}), boost::test_tools::per_element());
  BOOST_TEST(to_string(j.shape()) == "[1, 3]");
  BOOST_TEST(j.value().data == (std::vector<double>{0, 1, 0}), boost::test_tools::per_element());
  BOOST_TEST(!i.requires_grad());
  (rt::sum(v) + rt::sum(m)).backward();
  BOOST_TEST(s.param_grad(0)->data == (std::vector<double>{1, 1, 1, 1, 1, 0}), boost::test_tools::per_element());
  spec::GraphBuilder b("g");
  auto x = b.param("x", spec::DType::f64, {2, 3});
  auto [bv, bi] = b.max_with_indices(x, -1);
  b.output(b.sum(bv));
  b.output(bi);
  const spec::GraphData g = b.build();
  BOOST_TEST(g.nodes.at(1).op == "argmax");
  BOOST_TEST(to_string(g.nodes.at(1).type) == "i64[2]");
}
