#pragma once
// RapidCheck generators of well-typed graphs with inputs, and of graphs broken
// in exactly one place, for the property suites.
//
// A case is built from a "plan": a list of small integer choices (one list per
// step). Interpreting a plan always gives a valid graph, so RapidCheck shrinks
// the plan (drops steps, moves choices toward 0) and every shrink is again a
// well-typed graph, smaller or simpler than the one before.
#include <cstdint>
#include <map>
#include <ostream>
#include <rapidcheck.h>
#include <string>
#include <vector>

#include "vt/spec/graph.hpp"

namespace vt::proptests {

struct GenOptions {
  int max_nodes = 10;  // op nodes, besides the loss (domain wrappers count too)
  int max_rank = 3, max_dim = 4;  // images (conv/pool operands) are NCHW, rank 4, whatever max_rank says
  spec::DType dtype = spec::DType::f64;  // f32 or f64 (one float dtype per graph; class indices are i64)
  bool rational_only = false;            // only ops of the rational fragment; inputs k/8 with |k| <= 32
  bool edge_values = true;               // float inputs include zeros, ties, kinks, tiny and large values
  std::vector<std::string> ops;          // restrict to these op names (empty: the whole op table)
  // The realistic profile's knobs (both off by default):
  std::int64_t max_numel = 0;                 // > 0: no value of more elements (steps that would make one are dropped)
  std::vector<std::int64_t> favored_dims;     // non-empty: a third of dimensions drawn from these, a third small (<= 8)
  std::map<std::string, std::vector<std::int64_t>> op_sizes;  // an op's own switch sizes (image channels of conv2d/pooling)

  // The two profiles besides the default (f64, whole op table) that the
  // properties and their tests use.
  static GenOptions f32() {
    GenOptions o;
    o.dtype = spec::DType::f32;
    return o;
  }
  static GenOptions rational() {
    GenOptions o;
    o.rational_only = true;
    return o;
  }
  // `--shapes realistic`: f32 (or f64) with dimensions up to 256, a third of
  // them at the sizes where a FastKernel switches paths (rt::kernel_path_sizes(),
  // exported by the kernels), values of at most 4,096 elements (so that the
  // exact reference checks a case in well under a second), 6 nodes, and only
  // the ops that have FastKernels (rt::fast_kernel_ops(): other ops run the
  // generic rules, whose code does not change with sizes).
  static GenOptions realistic(spec::DType dtype = spec::DType::f32);
};

struct GraphCase {
  spec::GraphData graph;  // verified; output 0 is a float scalar of shape []
  // A value for every argument, by name (no '%'), row-major, each exactly
  // representable in its dtype (f32 values for f32 args; integers for i64).
  std::map<std::string, std::vector<double>> args;
  std::uint64_t seed = 0;
};

// Well-typed graphs over the op table with inputs in each op's domain, whose
// values and gradients (evaluated once in double) are finite and below 1e30.
// Throws std::invalid_argument for options it cannot honour (an unknown op name,
// a dtype that is not f32/f64, non-positive sizes).
rc::Gen<GraphCase> gen_graph_case(GenOptions o = {});

// A well-typed graph broken in one place, for verifier properties.
struct IllTypedCase {
  spec::GraphData graph;
  std::string bad_node;  // the value (node, arg or output) the verifier's first diagnostic names
  std::string what;      // a word of that diagnostic
};
rc::Gen<IllTypedCase> gen_ill_typed(GenOptions o = {});

// True when `message` names %name as a whole value name (so "%v1" does not
// match inside "%v10").
bool names_value(const std::string& message, const std::string& name);

// Counterexamples print as .vtg text followed by the inputs as JSON, so a
// failure can be re-run with `veritape audit graph.vtg --inputs inputs.json`.
void showValue(const GraphCase& c, std::ostream& os);
void showValue(const IllTypedCase& c, std::ostream& os);

// {"inputs": {"x": [..], ...}}, flat row-major arrays, every number printed so
// that it parses back to the same double (-0.0 keeps its sign).
std::string inputs_json(const GraphCase& c);

}  // namespace vt::proptests
