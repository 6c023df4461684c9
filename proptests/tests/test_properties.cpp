// labels: property
#define BOOST_TEST_MODULE proptests_properties
#include <boost/test/unit_test.hpp>

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
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_suite_is_refused) {
  BOOST_CHECK_THROW(vt::proptests::run_suite("everything", 1, 1), std::invalid_argument);
}
