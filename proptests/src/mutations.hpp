#pragma once
// Breaking a verified graph in exactly one place, such that the verifier's
// first diagnostic is known in advance: which value it names, and a word it
// contains. The mutations reason from the shape rules (they never ask the
// verifier), so the verifier property that checks them is not circular.
#include "plan.hpp"
#include "vt/proptests/graph_gen.hpp"

namespace vt::proptests::detail {

// The mutation kinds, each named by the word its diagnostic carries.
enum class Mutation : int {
  UndefinedOperand,  // an operand renamed to a name defined nowhere        ("undefined")
  UseBeforeDef,      // an operand renamed to a later node                  ("before")
  NodeType,          // a node's declared dtype or shape changed            ("declared")
  ArgDtype,          // an argument's dtype changed (a param to i64)        (the new type / "param")
  ArgShape,          // an argument gains a leading axis of a fresh size    (the new type)
  Misspelled,        // an op name misspelled                               ("unknown")
  Arity,             // too many or too few operands                        ("takes")
  BadAttr,           // axis out of range, perm not a permutation, ...     (per attribute)
  UndefinedOutput,   // the output names an undefined value                 ("output")
  Duplicate,         // a node redefines an earlier name                    ("twice")
  Count
};

// Applies the mutation `first` if it applies to g, else the next kind that does.
IllTypedCase break_graph(const spec::GraphData& g, Mutation first, Dial& d);

}  // namespace vt::proptests::detail
