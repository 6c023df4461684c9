#define BOOST_TEST_MODULE spec_tape
#include <boost/test/unit_test.hpp>

#include "vt/spec/builder.hpp"
#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"
#include "spec/tests/support.hpp"

// The generic tape and its reverse loop, on the generic double backend.

using namespace vt::spec;
using namespace vt::spec::testing;
using B = DenseBackend<double>;

namespace {
TensorType f64(Shape s) { return TensorType{DType::f64, std::move(s)}; }
}  // namespace

BOOST_AUTO_TEST_CASE(shared_input_gradients_accumulate) {
  // y = sum(x * x + x): dy/dx = 2x + 1. x feeds two nodes and one node twice,
  // so an assignment instead of an accumulation anywhere would be visible.
  B be;
  Tape<B> t(be);
  const Slot x = t.leaf(D({3}, {1, -2, 0.5}), true);
  const Slot xx = t.record(op_id<ops::Mul>, std::vector<Slot>{x, x}, {}, f64({3}));
  const Slot s = t.record(op_id<ops::Add>, std::vector<Slot>{xx, x}, {}, f64({3}));
  const Slot y = t.record(op_id<ops::Sum>, std::vector<Slot>{s}, {}, f64({}));
  BOOST_TEST(t.value(y)[0] == 1 + 4 + 0.25 + 1 - 2 + 0.5);
  t.backward(y);
  BOOST_TEST(t.grad(x)->data == (std::vector<double>{3, -3, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(leaf_gradients_accumulate_across_backward_calls_until_zero_grad) {
  B be;
  Tape<B> t(be);
  const Slot x = t.leaf(D({2}, {1, 2}), true);
  const Slot y = t.record(op_id<ops::Sum>, std::vector<Slot>{t.record(op_id<ops::Square>, std::vector<Slot>{x}, {}, f64({2}))}, {}, f64({}));
  t.backward(y);
  t.backward(y);
  BOOST_TEST(t.grad(x)->data == (std::vector<double>{4, 8}), boost::test_tools::per_element());
  t.zero_grad();
  t.backward(y);
  BOOST_TEST(t.grad(x)->data == (std::vector<double>{2, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(backward_misuse_is_a_clear_error) {
  B be;
  Tape<B> t(be);
  const Slot c = t.leaf(D({2}, {1, 2}), false);
  const Slot x = t.leaf(D({2}, {1, 2}), true);
  const Slot y = t.record(op_id<ops::Neg>, std::vector<Slot>{x}, {}, f64({2}));
  BOOST_CHECK_THROW(t.backward(c), UsageError);  // does not require grad
  BOOST_CHECK_THROW(t.backward(y), UsageError);  // non-scalar without a seed
  BOOST_CHECK_THROW(t.grad(c), UsageError);
  const auto seed = D({2}, {1, 10});
  t.backward(y, &seed);
  BOOST_TEST(t.grad(x)->data == (std::vector<double>{-1, -10}), boost::test_tools::per_element());
  const auto bad_seed = D({3}, {1, 1, 1});
  BOOST_CHECK_THROW(t.backward(y, &bad_seed), ShapeError);
}

BOOST_AUTO_TEST_CASE(intermediate_gradients_restart_at_each_backward) {
  B be;
  Tape<B> t(be);
  const Slot x = t.leaf(D({}, {3}), true);
  const Slot h = t.record(op_id<ops::Square>, std::vector<Slot>{x}, {}, f64({}));
  const Slot y = t.record(op_id<ops::Neg>, std::vector<Slot>{h}, {}, f64({}));
  t.backward(y);
  t.backward(y);
  BOOST_TEST((*t.grad(h))[0] == -1);  // not -2: recomputed from zero
  BOOST_TEST((*t.grad(x))[0] == -12);  // leaves accumulate: 2 * (-6)
}

BOOST_AUTO_TEST_CASE(non_differentiable_inputs_get_no_gradient) {
  B be;
  Tape<B> t(be);
  const Slot logits = t.leaf(D({1, 2}, {0, 0}), true);
  const Slot target = t.leaf(D({1}, {1}), true);  // asks, but cross_entropy's target is not differentiable
  const Slot y = t.record(op_id<ops::CrossEntropy>, std::vector<Slot>{logits, target}, {}, f64({}));
  t.backward(y);
  BOOST_TEST(t.grad(logits)->data == (std::vector<double>{0.5, -0.5}), boost::test_tools::per_element());
  BOOST_TEST(t.grad(target) == nullptr);
}

namespace {
GraphData small_mlp() {
  GraphBuilder b("mlp");
  auto x = b.input("x", DType::f64, {4, 3});
  auto y = b.input("y", DType::f64, {4, 2});
  auto w1 = b.param("w1", DType::f64, {5, 3});
  auto b1 = b.param("b1", DType::f64, {5});
  auto w2 = b.param("w2", DType::f64, {2, 5});
  auto h = b.tanh(b.linear(x, w1, b1));
  // h feeds two branches (a diamond), so gradients meet and accumulate.
  auto pred = b.linear(h, w2);
  auto penalty = b.mean(b.apply("square", {h}));
  b.output(b.add(b.mse_loss(pred, y), penalty));
  return b.build();
}
void fill(Dense<double>& d, double seed) {
  for (std::size_t i = 0; i < d.data.size(); ++i) d.data[i] = std::sin(seed + 0.7 * static_cast<double>(i));
}
}  // namespace

BOOST_AUTO_TEST_CASE(compiled_equals_eager_bitwise) {
  const GraphData g = small_mlp();
  // Compiled: lower once, run for two different inputs.
  B be;
  Tape<B> compiled(be);
  const LoweredGraph L = lower(g, compiled);
  for (double seed : {0.1, 2.5}) {
    compiled.zero_grad();
    for (std::size_t a = 0; a < L.arg_slots.size(); ++a) fill(compiled.leaf_value(L.arg_slots[a]), seed + static_cast<double>(a));
    compiled.run_forward();
    compiled.backward(L.output_slots[0]);

    // Eager: record the same nodes as they run.
    Tape<B> eager(be);
    std::vector<Slot> leaves;
    for (std::size_t a = 0; a < g.args.size(); ++a) {
      Dense<double> v = be.allocate(g.args[a].type);
      fill(v, seed + static_cast<double>(a));
      leaves.push_back(eager.leaf(std::move(v), g.args[a].kind == ArgKind::Param));
    }
    const LoweredGraph E = record_graph(g, eager, std::move(leaves));
    const std::vector<Slot>& slot = E.value_slots;
    const Slot root = E.output_slots[0];
    eager.backward(root);
    BOOST_TEST(eager.value(root).data == compiled.value(L.output_slots[0]).data, boost::test_tools::per_element());
    for (std::size_t a = 2; a < g.args.size(); ++a)
      BOOST_TEST(eager.grad(slot[a])->data == compiled.grad(L.arg_slots[a])->data, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(an_intermediate_not_reached_by_the_last_backward_has_no_gradient) {
  B be;
  Tape<B> t(be);
  const Slot x = t.leaf(D({}, {1}), true);
  const Slot a = t.record(op_id<ops::Square>, std::vector<Slot>{x}, {}, f64({}));
  const Slot b = t.record(op_id<ops::Neg>, std::vector<Slot>{a}, {}, f64({}));
  const Slot c = t.record(op_id<ops::Exp>, std::vector<Slot>{x}, {}, f64({}));
  t.backward(b);
  BOOST_TEST((*t.grad(a))[0] == -1);
  t.backward(c);
  BOOST_TEST(t.grad(a) == nullptr);  // not a stale -1
  BOOST_TEST((*t.grad(x))[0] == -2 + std::exp(1.0));
}

// An op's domain error is named once by its node and op, not twice when the
// op's own message starts with its name (it used to read "slot 2 =
// cross_entropy: cross_entropy: target[1] ...").
BOOST_AUTO_TEST_CASE(domain_errors_name_the_node_and_op_once) {
  B be;
  Tape<B> t(be);
  const Slot x = t.leaf(D({2, 3}, {1, 2, 3, 4, 5, 6}), true);
  const Slot target = t.leaf(D({2}, {0, 7}), false);
  try {
    (void)t.record(op_id<ops::CrossEntropy>, std::vector<Slot>{x, target}, {}, f64({}));
    BOOST_FAIL("a class index of 7 among 3 classes was accepted");
  } catch (const DomainError& e) {
    BOOST_TEST(std::string(e.what()) == "slot 2 = cross_entropy: target[1] is not a class index in [0, 3) (got 7)");
  }
}
