#pragma once
// The proof that the property suites can fail: each planted bug of
// spec/mutation.hpp in turn, with the suites run until one property fails.
// A bug no property catches is a hole in the suites.
#include <cstdint>
#include <string>
#include <vector>

#include "vt/spec/mutation.hpp"

namespace vt::proptests {

struct MutantOutcome {
  spec::mutation::Mutant mutant = spec::mutation::Mutant::none;
  bool detected = false;
  std::string property;  // the first property that failed
  std::string failure;   // its message (not shrunk)
  double seconds = 0;
};

// `cases` per property, from `seed`; shrinking is off (only detection counts).
// The unmutated suites run first with the same cases and seed: a property
// that fails without any bug planted would "detect" everything, so then
// std::runtime_error is thrown naming it.
std::vector<MutantOutcome> run_mutation_campaign(int cases, std::uint64_t seed);

}  // namespace vt::proptests
