#pragma once
// What a property run actually decided. A property can pass while deciding
// little: cases discarded by the reference's limits, nodes whose inputs sit
// at kinks, interval checks too wide to tell. Every property counts these,
// `veritape check` prints them, and a run that decides too little is "weak"
// (an exit of 1 under --strict).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vt/spec/graph.hpp"

namespace vt::proptests {

// How the nodes of one op fared over a run (its cases, passed or discarded).
struct OpCoverage {
  std::int64_t nodes = 0;         // occurrences
  std::int64_t decided = 0;       // the claim was checked on at least one element
  std::int64_t undecided = 0;     // the exact reference could not decide (enclosures too wide)
  std::int64_t all_at_kinks = 0;  // every element at a kink or tie: only the convention was checked
  std::int64_t kink_elements = 0;        // elements at a kink or tie, left out of the derivative check...
  std::int64_t conventions_checked = 0;  // ...of which this many were checked against the op's convention
  OpCoverage& operator+=(const OpCoverage& o);
};

struct Coverage {
  std::map<std::string, OpCoverage> ops;       // by op name
  std::map<std::string, std::int64_t> discards;  // discarded cases by reason
  // Nodes that took each FastKernel path of rt::kernel_paths(), by "op: path"
  // (recorded by the realistic-shape properties).
  std::map<std::string, std::int64_t> kernel_paths;
  void merge(const Coverage& other);
  OpCoverage total() const;  // every op's counts added up
};

// Where a property body records what it decided for the case being run:
// null outside a run of run_property (a body then records nothing).
Coverage* case_coverage();

// For each entry of rt::kernel_paths(), in order, how many nodes of g take it.
std::vector<std::int64_t> kernel_paths_taken(const spec::GraphData& g);
// The same, added into c->kernel_paths (nothing when c is null).
void record_kernel_paths(const spec::GraphData& g, Coverage* c);

// Floors below which a run is weak: more discarded cases than passed ones,
// or an op occurring at least kMinOccurrences times with under half of its
// nodes decided. Returns why ("" when the run is not weak).
inline constexpr std::int64_t kMinOccurrences = 20;
std::string weakness(const Coverage& c, int passed_cases);

}  // namespace vt::proptests
