#pragma once
// GraphData: the typed SSA graph IR.
//
// A graph lists its arguments (inputs and trainable parameters, each with a
// declared type), then its nodes in definition order, each
//     %name = op(%a, %b) {attr = value} : type
// and finally the names of its outputs. Operands refer to earlier values by
// name. GraphData is plain data: it may hold errors (undefined names, wrong
// types, unknown ops) until verify() accepts it; every element remembers where
// it came from in the text (SrcLoc) so that diagnostics name line:col.
#include <optional>
#include <string>
#include <vector>

#include "vt/spec/attrs.hpp"
#include "vt/spec/error.hpp"
#include "vt/spec/types.hpp"

namespace vt::spec {

enum class ArgKind : std::uint8_t { Input, Param };

struct Arg {
  std::string name;  // without the leading '%'
  ArgKind kind = ArgKind::Input;
  TensorType type;
  SrcLoc loc;
  friend bool operator==(const Arg& a, const Arg& b) {
    return a.name == b.name && a.kind == b.kind && a.type == b.type;
  }
};

struct Operand {
  std::string name;
  SrcLoc loc;
  friend bool operator==(const Operand& a, const Operand& b) { return a.name == b.name; }
};

struct Node {
  std::string name;  // the SSA value it defines
  std::string op;    // an op-table name; unknown names are a verify error
  std::vector<Operand> inputs;
  AttrMap attrs;
  TensorType type;  // declared result type; must equal the op's shape rule
  SrcLoc loc;       // of the defined name
  SrcLoc op_loc;    // of the op name
  SrcLoc type_loc;  // of the declared type
  friend bool operator==(const Node& a, const Node& b) {
    return a.name == b.name && a.op == b.op && a.inputs == b.inputs && a.attrs == b.attrs && a.type == b.type;
  }
};

struct GraphData {
  std::string name;
  std::vector<Arg> args;
  std::vector<Node> nodes;
  std::vector<Operand> outputs;
  // Equality ignores source locations.
  friend bool operator==(const GraphData&, const GraphData&) = default;
};

}  // namespace vt::spec
