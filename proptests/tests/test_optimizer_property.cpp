// labels: property
#define BOOST_TEST_MODULE proptests_optimizer_property
#include <rapidcheck.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <sstream>
#include <string>

#include "vt/proptests/optimizer_property.hpp"

// The optimizer property: passes on the runtime as it is (200 cases from a
// fixed seed), is not vacuous (the float runs do round, every kind and both
// dtypes are drawn), and fails on planted bugs of the exact side.

using vt::proptests::detail::OptimizerPlant;
using vt::proptests::detail::OptimizerStepStats;

namespace {

constexpr int kCases = 200;
constexpr std::uint64_t kSeed = 0x0971a7e5;

struct Outcome {
  bool passed = false;
  std::string report;  // RapidCheck's report (the shrunk counterexample and message) on failure
};

// Runs the property `n` times from `seed`; the message of a failing case
// becomes RapidCheck's failure description.
Outcome run(OptimizerPlant plant, OptimizerStepStats* stats, int n = kCases, std::uint64_t seed = kSeed) {
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = n;
  const auto result = rc::detail::checkTestable(
      [&] {
        const std::string m = vt::proptests::detail::check_random_optimizer_steps(plant, stats);
        if (!m.empty()) RC_FAIL(m);
      },
      rc::detail::TestMetadata{}, params);
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  return {result.template is<rc::detail::SuccessResult>(), os.str()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_runtime_is_within_the_bound_of_the_exact_rule_on_200_cases) {
  OptimizerStepStats s;
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome o = run(OptimizerPlant::none, &s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(o.passed, o.report);
  BOOST_TEST(s.cases == static_cast<std::size_t>(kCases));
  BOOST_TEST_MESSAGE(static_cast<long>(kCases / secs) << " cases/s; " << s.compared << " elements compared, " << s.inexact
                                                      << " of them inexact; max |float - exact| / bound = " << s.worst_ratio
                                                      << "; bound / (u (|p before| + |p after|)): max " << s.worst_c << ", above 16 for "
                                                      << s.c_above_16 << " of " << s.value_elements << " parameter elements");
  // Not vacuous: every kind and both dtypes were drawn, and the float runs round.
  for (const std::size_t n : s.cases_per_kind) BOOST_TEST(n >= 10u);
  BOOST_TEST(s.f32_cases >= 50u);
  BOOST_TEST(s.f32_cases <= 150u);
  BOOST_TEST(s.inexact > s.compared / 4);
  // The bound was carried along the computation the runtime does, in S, op for op.
  BOOST_TEST(s.value_mismatches == 0u);
  // Meaningful: the worst element uses a fair part of its bound.
  BOOST_TEST(s.worst_ratio > 0.05);
  BOOST_TEST(s.worst_ratio <= 1.0);
}

BOOST_AUTO_TEST_CASE(the_public_check_passes_too) {
  rc::detail::TestParams params;
  params.seed = kSeed + 1;
  params.maxSuccess = 50;
  const auto result = rc::detail::checkTestable(
      [] {
        const std::string m = vt::proptests::check_random_optimizer_steps();
        if (!m.empty()) RC_FAIL(m);
      },
      rc::detail::TestMetadata{}, params);
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  BOOST_TEST(result.template is<rc::detail::SuccessResult>(), os.str());
}

// Each plant changes only the exact side; the property must fail on it, and
// the (shrunk) message must name what it compared.
BOOST_AUTO_TEST_CASE(planted_bugs_are_caught) {
  struct Plant {
    OptimizerPlant plant;
    const char* name;
    const char* kind_in_message;  // nullptr: any kind
  };
  const Plant plants[] = {
      {OptimizerPlant::lr_relative_2m20, "lr * (1 + 2^-20)", nullptr},
      {OptimizerPlant::lr_negated, "lr negated", nullptr},
      {OptimizerPlant::no_bias_correction, "no bias correction", "adam"},
      {OptimizerPlant::dampened_first_momentum_step, "dampening at the first momentum step", "sgd"},
  };
  for (const Plant& p : plants) {
    BOOST_TEST_CONTEXT(p.name) {
      const Outcome o = run(p.plant, nullptr);
      BOOST_TEST(!o.passed);
      BOOST_TEST(o.report.find("[planted: ") != std::string::npos, o.report);
      BOOST_TEST(o.report.find(" element ") != std::string::npos, o.report);
      BOOST_TEST(o.report.find("bound") != std::string::npos, o.report);
      if (p.kind_in_message) BOOST_TEST(o.report.find(p.kind_in_message) != std::string::npos, o.report);
      BOOST_TEST_MESSAGE(p.name << ":\n" << o.report);
    }
  }
}
