#include "vt/proptests/coverage.hpp"

#include "coverage_sink.hpp"

namespace vt::proptests {

void Coverage::merge(const Coverage& other) {
  for (const auto& [op, o] : other.ops) {
    OpCoverage& t = ops[op];
    t.nodes += o.nodes, t.decided += o.decided, t.undecided += o.undecided, t.all_at_kinks += o.all_at_kinks;
    t.kink_elements += o.kink_elements, t.conventions_checked += o.conventions_checked;
  }
  for (const auto& [why, n] : other.discards) discards[why] += n;
}

namespace {
thread_local Coverage* g_case = nullptr;
}  // namespace

Coverage* case_coverage() { return g_case; }

CoverageSink::CoverageSink(Coverage& scratch) : saved_(g_case) { g_case = &scratch; }
CoverageSink::~CoverageSink() { g_case = saved_; }

std::string weakness(const Coverage& c, int passed_cases) {
  std::int64_t discarded = 0;
  for (const auto& [why, n] : c.discards) discarded += n;
  if (discarded > passed_cases)
    return std::to_string(discarded) + " cases discarded against " + std::to_string(passed_cases) + " passed";
  for (const auto& [op, o] : c.ops)
    if (o.nodes >= kMinOccurrences && 2 * o.decided < o.nodes)
      return op + " decided at " + std::to_string(o.decided) + " of its " + std::to_string(o.nodes) + " nodes";
  return "";
}

}  // namespace vt::proptests
