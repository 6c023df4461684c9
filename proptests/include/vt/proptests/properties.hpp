#pragma once
// The property suites: what users run to trust the engine (`veritape check`),
// and what every later backend must pass. Each property draws random cases
// from the generators (graph_gen.hpp) and asserts one claim on each:
//
//   equivalence  compiled == eager, bitwise (f32 with FastKernels, f64 with
//                the generic kernels); the exact reference compiled == eager,
//                exactly; LinkedSession == eager Session on a second run;
//                Session::detach == the graph with that node made an input
//   soundness    every node's VJP against forward-mode duals at its own
//                inputs (exact, or intervals + high-precision finite
//                differences); the whole graph's gradient against the
//                directional derivative, exactly (catches sweep errors)
//   contracts    every runtime node value and parameter gradient within its
//                op's error contract of the exact reference (FastKernels and
//                generic kernels); optimizer steps against exact arithmetic;
//                optimizer rules against torch's algorithms, exactly; LR
//                schedules against torch's own recursive schedulers
//   roundtrip    .vtg text and JSON round trips; the verifier accepts every
//                well-typed graph and names the broken node of ill-typed ones
// The contracts suite also runs the CUDA kernels under the host emulator
// (cuda_properties below).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vt/contracts/runtime_contracts.hpp"
#include "vt/proptests/coverage.hpp"

namespace vt::proptests {

struct PropertyDef {
  std::string name;
  std::string suite;
  // One case: draws with *gen and fails through RC_FAIL / an exception.
  std::function<void()> body;
  // Each case costs much more than the others' (an exact audit of up to
  // thousands of elements): the mutation campaign runs a tenth of the cases.
  bool costly = false;
};

// Small shapes (the default: dimensions up to 4, every property), or
// realistic ones (GenOptions::realistic(): dimensions up to 256 around the
// FastKernels' path switches; only the properties whose claims depend on
// sizes: compiled == eager and LinkedSession == eager in f32 with
// FastKernels, and runtime within contracts with FastKernels in f32 and f64).
enum class Shapes { small, realistic };

const std::vector<PropertyDef>& all_properties(Shapes shapes = Shapes::small);
const std::vector<std::string>& suite_names();  // soundness, equivalence, contracts, roundtrip

struct PropertyOutcome {
  std::string name, suite;
  int cases = 0;      // passed cases
  bool passed = false;
  bool gave_up = false;  // too many discarded cases
  double seconds = 0;
  std::string failure;         // what failed, after shrinking
  std::string counterexample;  // the shrunk case (.vtg + inputs JSON)
  std::uint64_t seed = 0;
  std::string distribution;  // how the passed cases were tagged (RC_TAG)
  int discarded = 0;         // cases discarded, by reason in coverage.discards
  Coverage coverage;         // per op: nodes decided, undecided, at kinks
  std::string weak;          // why the run decided too little (coverage.hpp's floors); "" if it did not
};

// Runs one property for `cases` cases from `seed` (RapidCheck's seed: the
// same seed gives the same cases, failures and shrinks).
PropertyOutcome run_property(const PropertyDef& p, int cases, std::uint64_t seed, bool shrink = true);

// "all" or one suite name; std::invalid_argument for anything else.
std::vector<PropertyOutcome> run_suite(std::string_view suite, int cases, std::uint64_t seed, Shapes shapes = Shapes::small);
std::vector<PropertyOutcome> run_suite(const std::vector<PropertyDef>& properties, std::string_view suite, int cases, std::uint64_t seed);

// The CUDA kernels' properties on Runtime::cuda_emulated (also the last
// entries of all_properties()) or Runtime::cuda_gpu: random graphs and
// single-op graphs at launch-boundary sizes, within contracts, f32
// deterministic and f64 with atomic accumulation (emulated).
const std::vector<PropertyDef>& cuda_properties(contracts::Runtime runtime);

}  // namespace vt::proptests
