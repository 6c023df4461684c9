// labels: property
#define BOOST_TEST_MODULE proptests_mutants
#include <boost/test/unit_test.hpp>

#include "vt/proptests/mutation_campaign.hpp"

// The suites must catch every planted bug of spec/mutation.hpp: a wrong
// sign in a VJP, a missing transpose in matmul's backward, no reduction over
// broadcast axes, mean divided by the wrong count, assignment instead of
// accumulation in the sweep, relu's gradient at x < 0, softmax's backward
// without its subtraction, a FastKernel GEMM with a wrong leading dimension,
// and a compiled sweep that skips a node.

BOOST_AUTO_TEST_CASE(every_planted_bug_is_detected) {
  const auto outcomes = vt::proptests::run_mutation_campaign(300, 424242);
  std::size_t detected = 0;
  for (const auto& m : outcomes) {
    detected += m.detected;
    BOOST_TEST_MESSAGE(vt::spec::mutation::to_string(m.mutant) << ": " << (m.detected ? "detected by " + m.property : std::string("NOT DETECTED"))
                                                               << " (" << m.seconds << " s)");
    BOOST_TEST(m.detected, vt::spec::mutation::to_string(m.mutant) << " was not detected");
  }
  BOOST_TEST_MESSAGE(detected << " of " << outcomes.size() << " planted bugs detected");
  BOOST_TEST(outcomes.size() == vt::spec::mutation::kAllMutants.size());
}

BOOST_AUTO_TEST_CASE(no_mutant_is_left_planted) {
  BOOST_TEST(vt::spec::mutation::to_string(vt::spec::mutation::active()) == "none");
}
