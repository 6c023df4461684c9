// labels: proof
#define BOOST_TEST_MODULE contracts_proofs
#include <boost/test/unit_test.hpp>

#include <string>

#include "contracts/src/path_explorer.hpp"
#include "vt/contracts/proofs.hpp"
#include "vt/contracts/z3_scalar.hpp"
#include "vt/spec/error.hpp"
#include "vt/spec/mutation.hpp"

// `veritape prove` at the quick bounds: what it proves, that it answers
// planted bugs with counterexamples that an exact replay confirms, and that
// it never calls "unknown" proved.

using vt::contracts::ProofResult;
using vt::contracts::Theorem;

namespace {
std::vector<Theorem> prove(const std::string& op, const std::string& kind, unsigned timeout_ms = 10000) {
  return vt::contracts::run_proofs({.op = op, .kind = kind, .timeout_ms = timeout_ms, .quick = true});
}
}  // namespace

BOOST_AUTO_TEST_CASE(sym_scalar_builds_z3_terms_through_the_scalar_traits) {
  using vt::contracts::Sym;
  vt::contracts::SymWorld w;
  vt::contracts::SymWorld::Scope scope(w);
  const Sym x(w.ctx.real_const("x"));
  const Sym half = vt::spec::K(x, 1, 2);
  BOOST_TEST(half.expr().is_numeral());
  // select on a symbolic condition is an ite, and the condition is recorded as a kink.
  const Sym r = vt::spec::math::select(x <= vt::spec::K(x, 0), vt::spec::K(x, 0), x);
  BOOST_TEST(r.expr().decl().decl_kind() == Z3_OP_ITE);
  BOOST_TEST(w.conditions.size() == 1u);
  // A division by a symbol records its divisor; by a nonzero numeral it does not.
  (void)(x / half);
  BOOST_TEST(w.divisors.empty());
  (void)(half / x);
  BOOST_TEST(w.divisors.size() == 1u);
  // A C++ branch on a symbolic comparison outside an exploration is an error, not a guess.
  BOOST_CHECK_THROW((void)static_cast<bool>(x < half), std::logic_error);
}

BOOST_AUTO_TEST_CASE(the_explorer_proves_every_feasible_branch_path) {
  using vt::contracts::Sym;
  vt::contracts::SymWorld w;
  vt::contracts::SymWorld::Scope scope(w);
  const Sym x(w.ctx.real_const("x")), y(w.ctx.real_const("y"));
  // |x| written with C++ branches: two paths, both satisfy |x| >= 0 and |x| >= x.
  vt::contracts::PathExplorer ex(w, 5000);
  auto r = ex.explore([&] {
    const Sym a = (x < vt::spec::K(x, 0)) ? Sym(-x) : x;
    return a.expr() >= 0 && a.expr() >= x.expr();
  });
  BOOST_TEST(r.result == ProofResult::proved);
  BOOST_TEST(r.paths == 2);
  // A false goal on one path only: the counterexample lies on that path.
  vt::contracts::PathExplorer ex2(w, 5000);
  r = ex2.explore([&] {
    const Sym m = (x < y) ? y : x;
    return m.expr() == x.expr();
  });
  BOOST_REQUIRE(r.result == ProofResult::counterexample);
  BOOST_TEST(r.model->eval(x.expr() < y.expr(), true).is_true());
}

BOOST_AUTO_TEST_CASE(rational_ops_are_proved_sound_at_the_quick_bounds) {
  for (const char* op : {"add", "sub", "mul", "div", "maximum", "neg", "relu", "abs", "clamp", "matmul", "linear", "permute",
                         "broadcast_to", "sum", "mean", "max", "amin", "mse_loss", "conv2d", "max_pool2d", "avg_pool2d", "concat",
                         "narrow", "gather", "scatter_add", "embedding", "dropout"}) {
    const auto t = prove(op, "soundness");
    BOOST_REQUIRE_EQUAL(t.size(), 1u);
    BOOST_TEST_INFO(op << ": " << t[0].detail);
    BOOST_TEST(t[0].result == ProofResult::proved);
    BOOST_TEST(t[0].cases > 0);
  }
}

BOOST_AUTO_TEST_CASE(transcendental_ops_are_proved_relative_to_the_derivative_table) {
  for (const char* op : {"exp", "log", "sqrt", "tanh", "log1p", "expm1"}) {
    const auto t = prove(op, "soundness");
    BOOST_REQUIRE_EQUAL(t.size(), 1u);
    BOOST_TEST_INFO(op << ": " << t[0].detail);
    BOOST_TEST(t[0].result == ProofResult::proved);
    BOOST_TEST(t[0].property.find("relative to the derivative table") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_model_of_uninterpreted_functions_is_not_called_a_counterexample) {
  // log_softmax's VJP uses exp(y) = softmax(x), which needs exp(a - log s) =
  // exp(a) / s: beyond the derivative table. Z3 finds a model of the
  // uninterpreted functions; the certified replay finds the rule sound there,
  // so the theorem is unknown, neither proved nor refuted.
  const auto t = prove("log_softmax", "soundness");
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_TEST(t[0].result == ProofResult::unknown);
  BOOST_TEST(t[0].detail.find("needs identities beyond the derivative table") != std::string::npos);
  BOOST_TEST(t[0].detail.find("Interval replay: sound") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(conventions_at_kinks_and_ties_are_proved) {
  const auto t = vt::contracts::run_proofs({.op = std::nullopt, .kind = "convention", .timeout_ms = 10000, .quick = true});
  BOOST_TEST(t.size() >= 14u);
  for (const auto& th : t) {
    BOOST_TEST_INFO(th.op << " " << th.property << ": " << th.detail);
    BOOST_TEST(th.result == ProofResult::proved);
  }
}

BOOST_AUTO_TEST_CASE(index_maps_are_proved_and_32_bit_indices_are_shown_to_overflow) {
  const auto t = vt::contracts::run_proofs({.op = std::nullopt, .kind = "index", .timeout_ms = 20000, .quick = true});
  BOOST_TEST(t.size() == 8u);
  bool witness = false;
  for (const auto& th : t) {
    BOOST_TEST_INFO(th.op << ": " << th.detail);
    BOOST_TEST(th.result == ProofResult::proved);
    witness = witness || th.detail.find("witness:") == 0;
  }
  BOOST_TEST(witness);
}

BOOST_AUTO_TEST_CASE(planted_bugs_give_counterexamples_confirmed_by_exact_replay) {
  for (const auto& r : vt::contracts::prove_mutants(10000)) {
    BOOST_TEST_INFO(r.planted.mutant << " on " << r.planted.op << ": " << r.theorem);
    BOOST_TEST(r.caught);
    BOOST_TEST(r.confirmed);
  }
}

BOOST_AUTO_TEST_CASE(relu_at_zero_is_caught_by_the_convention_theorem) {
  vt::spec::mutation::Plant plant(vt::spec::mutation::Mutant::relu_grad_at_zero);
  const auto t = prove("relu", "convention");
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_TEST(t[0].result == ProofResult::counterexample);
  BOOST_TEST(t[0].detail.find("x0 = [0]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_solver_timeout_is_unknown_never_proved) {
  // div's quotients always go to the solver; with 1 ms nothing is decided.
  const auto t = vt::contracts::run_proofs({.op = "div", .kind = "soundness", .timeout_ms = 1, .quick = false, .full = true});
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_TEST(t[0].result != ProofResult::proved);
  BOOST_TEST(t[0].result == ProofResult::unknown);
}

BOOST_AUTO_TEST_CASE(unknown_ops_and_kinds_are_usage_errors) {
  vt::contracts::ProofOptions bad_op, bad_kind;
  bad_op.op = "no_such_op";
  bad_kind.kind = "nonsense";
  BOOST_CHECK_THROW(vt::contracts::run_proofs(bad_op), vt::spec::UsageError);
  BOOST_CHECK_THROW(vt::contracts::run_proofs(bad_kind), vt::spec::UsageError);
  vt::contracts::ProofOptions bad_fragment;
  bad_fragment.fragment = "complex";
  BOOST_CHECK_THROW(vt::contracts::run_proofs(bad_fragment), vt::spec::UsageError);
}
