#include "vt/proptests/coverage.hpp"

#include "coverage_sink.hpp"

namespace vt::proptests {

OpCoverage& OpCoverage::operator+=(const OpCoverage& o) {
  nodes += o.nodes, decided += o.decided, undecided += o.undecided, all_at_kinks += o.all_at_kinks;
  kink_elements += o.kink_elements, conventions_checked += o.conventions_checked;
  return *this;
}

void Coverage::merge(const Coverage& other) {
  for (const auto& [op, o] : other.ops) ops[op] += o;
  for (const auto& [why, n] : other.discards) discards[why] += n;
  for (const auto& [path, n] : other.kernel_paths) kernel_paths[path] += n;
}

OpCoverage Coverage::total() const {
  OpCoverage t;
  for (const auto& [op, o] : ops) t += o;
  return t;
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
