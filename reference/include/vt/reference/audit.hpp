#pragma once
// The gradient audit: given a graph, float inputs, and the float values and
// gradients that some implementation produced (our runtime, CUDA, another
// framework), compute the exact values (rationals, or certified intervals
// past a transcendental op) on the same float inputs and report, per node and
// per gradient, the absolute, relative and ulp errors, whether each node
// meets its error contract, and where error first appears.
//
// Per node, two comparisons:
//   local:       the node's float output vs the exact op applied to the
//                node's own float inputs: this is what the contract bounds;
//   end to end:  vs the exact value of the whole graph on the float inputs:
//                how error accumulated (reported, not bounded).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vt/reference/interval.hpp"
#include "vt/spec/graph.hpp"

namespace vt::ref {

struct ErrorStats {
  double max_abs = 0, max_rel = 0, max_ulp = 0;
  std::int64_t worst = -1;  // element with the largest ulp error
};

enum class NodeVerdict { Met, Violated, Inconclusive, NotAudited };
const char* to_string(NodeVerdict v);

struct NodeAudit {
  std::string node, op, contract;
  NodeVerdict verdict = NodeVerdict::NotAudited;
  ErrorStats local, end_to_end;
  std::string detail;  // why a node was violated, inconclusive or not audited
  // The largest |error| / bound over the elements: 1 is at the bound; 0
  // where not measured.
  double bound_use = 0;
  // Where the node came from in the producer's program (a torch fx node and
  // its source line), from AuditData::origins; empty when not given.
  std::string origin{};
};

// A gradient is compared, like node values, on the runtime's own float
// values: with the exact backward pass run on the float forward values
// (every node's VJP applied exactly to its own float inputs and output).
// This measures the backward pass's rounding, not the forward rounding every
// gradient inherits through its derivative formulas (1 - y*y of a rounded
// tanh y). When some node value is not given, the exact end-to-end gradient
// is used instead. It passes when it is finite and its normwise error
// max|g - g*| / scale is within the tolerance (default sqrt(u): far above
// the rounding of a correct float backward pass, far below the O(1) error of
// a wrong rule). The scale is the larger of max|g*| and the size of what was
// summed into g (|J|^T |g| through the sweep), so a gradient that cancels
// exactly (p/p has gradient 0 in p) is judged, like any rounded sum, against
// sum|terms| rather than against 0; errors up to (nodes + 1) times the
// smallest subnormal are allowed on top (underflow). A heuristic bound,
// unlike the per-node contracts.
struct GradientAudit {
  std::string arg;
  ErrorStats error;
  double normwise = 0;  // max|g - g*| / scale (0 when the error is 0)
  NodeVerdict verdict = NodeVerdict::Met;
};

struct AuditReport {
  std::string graph, producer;
  spec::DType dtype = spec::DType::f32;
  unsigned interval_bits = kDefaultIntervalBits;
  std::vector<NodeAudit> nodes;
  std::vector<GradientAudit> gradients;
  std::string first_error;      // first node, in definition order, with a nonzero local error
  std::string first_violation;  // first node that does not meet its contract (or is inconclusive)
  double gradient_tolerance = 0;
  // What the gradients were compared with: the exact backward pass on the
  // float forward values (every node value given), or else the exact
  // end-to-end gradient on the float inputs.
  std::string gradient_reference;
  // True when every audited node meets its contract, every gradient passes,
  // and something (a node or a gradient) was audited.
  bool all_met() const;
};

// Float data by value name (without '%'), as doubles (f32 values widen exactly).
struct AuditData {
  std::map<std::string, std::vector<double>> args;    // every graph argument
  std::map<std::string, std::vector<double>> values;  // produced node values; may be partial or empty
  std::map<std::string, std::vector<double>> grads;   // produced gradients of output 0, by argument
  std::string producer = "file";
  // Produced gradients of output 0 with respect to node values (another
  // framework's retained .grad of each intermediate), by node name. With
  // them, each node's backward is audited alone: the gradients it produced
  // at its inputs against its exact VJP applied to the given cotangent of
  // its output and the given values (see local_backward.hpp).
  std::map<std::string, std::vector<double>> node_grads{};
  std::map<std::string, std::string> origins{};  // value name -> where the producer made it (for reports)
};

// The graph's one float dtype; throws ShapeError when it mixes f32 and f64.
spec::DType float_dtype(const spec::GraphData& g);

// Argument a's values in args, checked: as many as its shape holds, finite,
// and each a value of its dtype (f32 values exactly floats, i64 values
// integers within 2^53), so that float and exact code read the same numbers.
// Throws ShapeError naming the argument otherwise.
const std::vector<double>& arg_values(const std::map<std::string, std::vector<double>>& args, const spec::Arg& a);

// Deterministic inputs for every argument: floats uniform in [-1, 1] rounded
// to the graph's dtype; class indices uniform over the classes of the
// cross_entropy they feed (else over 0..9).
std::map<std::string, std::vector<double>> random_inputs(const spec::GraphData& g, std::uint64_t seed);

// Runs the generic float path (the op table's own code on float or double)
// and fills values of every node and gradients of output 0 (when it is a
// float scalar) for every float argument.
AuditData run_generic_float(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args);

// Throws ShapeError/DomainError on bad data: a missing argument, a wrong
// element count, a value not representable in its declared dtype (an f32
// input must be a float32 value; an i64 one an integer within +-2^53).
// gradient_tolerance <= 0 means the default, sqrt(u) of the dtype.
AuditReport audit(const spec::GraphData& g, const AuditData& data, unsigned interval_bits = kDefaultIntervalBits,
                  double gradient_tolerance = 0);

std::string format_table(const AuditReport& r);
nlohmann::json to_json(const AuditReport& r);

}  // namespace vt::ref
