#include "vt/proptests/mutation_campaign.hpp"

#include <chrono>
#include <stdexcept>

#include "vt/proptests/properties.hpp"

namespace vt::proptests {

std::vector<MutantOutcome> run_mutation_campaign(int cases, std::uint64_t seed, bool whole_matrix) {
  for (const PropertyDef& p : all_properties()) {
    const PropertyOutcome r = run_property(p, cases, seed, /*shrink=*/false);
    if (!r.passed) throw std::runtime_error("baseline: '" + p.name + "' fails with no bug planted: " + r.failure);
  }
  std::vector<MutantOutcome> out;
  for (const spec::mutation::Mutant m : spec::mutation::kAllMutants) {
    MutantOutcome o;
    o.mutant = m;
    const auto t0 = std::chrono::steady_clock::now();
    const spec::mutation::Plant planted(m);
    for (const PropertyDef& p : all_properties()) {
      const PropertyOutcome r = run_property(p, cases, seed, /*shrink=*/false);
      const bool caught = !r.passed && !r.gave_up;  // a property that gave up has not caught anything
      o.caught_by.push_back(caught);
      if (caught && !o.detected) o.detected = true, o.property = p.name, o.failure = r.failure;
      if (o.detected && !whole_matrix) break;
    }
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<int> bugs_caught_per_property(const std::vector<MutantOutcome>& outcomes) {
  std::vector<int> kills(all_properties().size(), 0);
  for (const MutantOutcome& m : outcomes)
    for (std::size_t p = 0; p < m.caught_by.size() && p < kills.size(); ++p) kills[p] += m.caught_by[p];
  return kills;
}

}  // namespace vt::proptests
