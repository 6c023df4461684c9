#include "vt/proptests/mutation_campaign.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "vt/proptests/properties.hpp"

namespace vt::proptests {

std::vector<const PropertyDef*> campaign_properties() {
  std::vector<const PropertyDef*> out;
  for (const Shapes s : {Shapes::small, Shapes::realistic})
    for (const PropertyDef& p : all_properties(s)) out.push_back(&p);
  return out;
}

int realistic_cases(int cases) { return std::max(10, cases / 10); }

namespace {
bool is_realistic(const PropertyDef* p) {
  const auto& r = all_properties(Shapes::realistic);
  return p >= r.data() && p < r.data() + r.size();
}
}  // namespace

std::vector<MutantOutcome> run_mutation_campaign(int cases, std::uint64_t seed, bool whole_matrix) {
  const std::vector<const PropertyDef*> props = campaign_properties();
  // The baseline runs every count the campaign may use (the realistic
  // properties' tenth and their full count), so that no failure of the
  // unmutated engine is credited to a planted bug.
  for (const PropertyDef* p : props)
    for (const int n : p->costly              ? std::vector<int>{realistic_cases(cases)}
                       : is_realistic(p)      ? std::vector<int>{realistic_cases(cases), cases}
                                              : std::vector<int>{cases}) {
      const PropertyOutcome r = run_property(*p, n, seed, /*shrink=*/false);
      if (!r.passed) throw std::runtime_error("baseline: '" + p->name + "' fails with no bug planted: " + r.failure);
    }
  std::vector<MutantOutcome> out;
  for (const spec::mutation::Mutant m : spec::mutation::kAllMutants) {
    MutantOutcome o;
    o.mutant = m;
    const auto t0 = std::chrono::steady_clock::now();
    const spec::mutation::Plant planted(m);
    for (const PropertyDef* p : props) {
      // Realistic shapes get the full count only for a bug the small shapes missed; costly properties a tenth always.
      const int n = (is_realistic(p) && o.detected) || p->costly ? realistic_cases(cases) : cases;
      const PropertyOutcome r = run_property(*p, n, seed, /*shrink=*/false);
      const bool caught = !r.passed && !r.gave_up;  // a property that gave up has not caught anything
      o.caught_by.push_back(caught);
      if (caught && !o.detected) o.detected = true, o.property = p->name, o.failure = r.failure;
      if (o.detected && !whole_matrix) break;
    }
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<int> bugs_caught_per_property(const std::vector<MutantOutcome>& outcomes) {
  std::vector<int> kills(campaign_properties().size(), 0);
  for (const MutantOutcome& m : outcomes)
    for (std::size_t p = 0; p < m.caught_by.size() && p < kills.size(); ++p) kills[p] += m.caught_by[p];
  return kills;
}

}  // namespace vt::proptests
