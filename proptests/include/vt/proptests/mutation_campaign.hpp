#pragma once
// The proof that the property suites can fail: each planted bug of
// spec/mutation.hpp in turn, with the suites run until one property fails,
// or (the kill matrix) every property with every bug. A bug no property
// catches is a hole in the suites; a property that catches no bug has not
// been shown able to fail.
#include <cstdint>
#include <string>
#include <vector>

#include "vt/proptests/properties.hpp"
#include "vt/spec/mutation.hpp"

namespace vt::proptests {

struct MutantOutcome {
  spec::mutation::Mutant mutant = spec::mutation::Mutant::none;
  bool detected = false;
  std::string property;  // the first property (in all_properties() order) that failed
  std::string failure;   // its message (not shrunk)
  // With the whole kill matrix: for every property of campaign_properties(),
  // in order, whether it failed with this bug planted (else only up to the first).
  std::vector<bool> caught_by;
  double seconds = 0;
};

// The campaign's properties: every small-shape property (all_properties()),
// then the realistic-shape ones (all_properties(Shapes::realistic)).
std::vector<const PropertyDef*> campaign_properties();

// Cases a realistic-shape property runs in the campaign: a tenth of `cases`
// (at least 10), since each costs some 30 ms against the exact reference;
// the full `cases` for a bug that no small-shape property caught.
int realistic_cases(int cases);

// `cases` per property, from `seed`; shrinking is off (only detection counts).
// The unmutated suites run first with the same cases and seed: a property
// that fails without any bug planted would "detect" everything, so then
// std::runtime_error is thrown naming it. `whole_matrix`: every property runs
// with every bug (the kill matrix), not only until the first one fails.
std::vector<MutantOutcome> run_mutation_campaign(int cases, std::uint64_t seed, bool whole_matrix = false);

// The kill matrix's column sums: for each property of campaign_properties(),
// how many of the planted bugs it caught (0: not shown able to fail).
std::vector<int> bugs_caught_per_property(const std::vector<MutantOutcome>& outcomes);

}  // namespace vt::proptests
