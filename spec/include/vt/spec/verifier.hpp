#pragma once
// The graph verifier: a GraphData is accepted only when every name is defined
// once and before use, every op exists with the right arity and attributes,
// every declared type equals the op's shape rule, parameters are float, and
// the graph has at least one output that names a defined value.
#include <string>
#include <string_view>
#include <vector>

#include "vt/spec/graph.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::spec {

struct Diagnostic {
  SrcLoc loc;  // unknown (0:0) for graphs built in code
  std::string message;
};

// All problems found, in source order; empty means the graph is valid.
std::vector<Diagnostic> verify_graph(const GraphData& g);

// "file:line:col: message" per line ("file: message" where the place is unknown).
std::string format_diagnostics(const std::vector<Diagnostic>& diags, std::string_view filename);

// Throws VerifyError carrying format_diagnostics(...) when the graph is invalid.
void verify_or_throw(const GraphData& g, std::string_view filename = "<graph>");

// A verified graph with names resolved: value ids number the args first
// (0..args-1), then the nodes in order.
struct ResolvedGraph {
  std::vector<const OpInfo*> ops;             // per node
  std::vector<std::vector<int>> operand_ids;  // per node
  std::vector<AttrMap> attrs;                 // per node, normalized by the shape rule
  std::vector<int> output_ids;
};

// Verifies (throwing VerifyError) and resolves.
ResolvedGraph resolve(const GraphData& g, std::string_view filename = "<graph>");

}  // namespace vt::spec
