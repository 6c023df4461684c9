// labels: property
#define BOOST_TEST_MODULE proptests_properties
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "vt/proptests/properties.hpp"

// Every property of the suites at the default count (VT_PROPTEST_CASES
// scales it for long campaigns; `veritape check --cases N` does the same).

namespace {
int cases() {
  const char* env = std::getenv("VT_PROPTEST_CASES");
  return env ? std::max(1, std::atoi(env)) : 1000;
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_property_holds) {
  for (const auto& p : vt::proptests::all_properties()) {
    const auto r = vt::proptests::run_property(p, cases(), 20261125);
    BOOST_TEST_MESSAGE(p.name << ": " << r.cases << " cases in " << r.seconds << " s (" << (r.seconds > 0 ? r.cases / r.seconds : 0)
                              << " cases/s) " << r.distribution);
    BOOST_TEST(r.passed, p.name << " failed: " << r.failure << "\n" << r.counterexample);
    BOOST_TEST(r.weak.empty(), p.name << " is weak: " << r.weak);
  }
}

// The counters say what a run decided: per-node soundness counts every node
// it met, decides most, and checks the convention at kink elements (the
// edge-value generator puts inputs on relu/abs/clamp kinks and ties).
BOOST_AUTO_TEST_CASE(runs_report_what_they_decided) {
  const auto& props = vt::proptests::all_properties();
  const auto per_node = std::find_if(props.begin(), props.end(), [](const auto& p) { return p.name == "per-node soundness"; });
  BOOST_REQUIRE(per_node != props.end());
  const auto r = vt::proptests::run_property(*per_node, 300, 7);
  BOOST_REQUIRE(r.passed);
  for (const auto& [op, c] : r.coverage.ops) BOOST_TEST(c.decided + c.undecided + c.all_at_kinks == c.nodes, op);
  const vt::proptests::OpCoverage t = r.coverage.total();
  BOOST_TEST(t.nodes > 300);
  BOOST_TEST(2 * t.decided > t.nodes);
  BOOST_TEST(t.kink_elements > 0);
  BOOST_TEST(t.conventions_checked > 0);
  BOOST_TEST(t.conventions_checked <= t.kink_elements);

  const auto graph = std::find_if(props.begin(), props.end(), [](const auto& p) { return p.name.starts_with("graph gradient"); });
  const auto g = vt::proptests::run_property(*graph, 300, 7);
  BOOST_TEST(g.discarded > 0);  // inputs at kinks: one-sided derivatives, no claim
  BOOST_TEST(g.coverage.discards.count("an input at a kink: the directional derivative is one-sided there") == 1u);
}

BOOST_AUTO_TEST_CASE(a_run_that_decides_too_little_is_weak) {
  vt::proptests::Coverage c;
  BOOST_TEST(vt::proptests::weakness(c, 100).empty());
  c.discards["the exact reference could not decide"] = 101;
  BOOST_TEST(vt::proptests::weakness(c, 100) == "101 cases discarded against 100 passed");
  c.discards.clear();
  c.ops["maximum"] = {.nodes = 40, .decided = 19, .undecided = 0, .all_at_kinks = 21, .kink_elements = 60, .conventions_checked = 60};
  BOOST_TEST(vt::proptests::weakness(c, 100) == "maximum decided at 19 of its 40 nodes");
  c.ops["maximum"].decided = 20;
  BOOST_TEST(vt::proptests::weakness(c, 100).empty());
  c.ops["max"] = {.nodes = 19, .decided = 0, .undecided = 0, .all_at_kinks = 19, .kink_elements = 19, .conventions_checked = 19};
  BOOST_TEST(vt::proptests::weakness(c, 100).empty());  // under 20 occurrences: too few to judge
}

BOOST_AUTO_TEST_CASE(an_unknown_suite_is_refused) {
  BOOST_CHECK_THROW(vt::proptests::run_suite("everything", 1, 1), std::invalid_argument);
}
