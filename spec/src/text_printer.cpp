// Canonical printer of the .vtg text format. The layout is fixed (two-space
// indent, one statement a line, attributes sorted by name, final newline) so
// that print_vtg(parse_vtg(t)) == t holds for every printed t.
#include "vt/spec/text_format.hpp"

#include "vt/spec/mutation.hpp"

namespace vt::spec {

namespace {

std::string_view kind_word(ArgKind k) { return k == ArgKind::Input ? "input" : "param"; }

void print_value_list(std::string& out, const std::vector<Operand>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += '%';
    out += values[i].name;
  }
}

// " {a = 1, b = [0]}" or nothing for an empty map.
void print_attrs(std::string& out, const AttrMap& attrs) {
  if (attrs.empty()) return;
  out += " {";
  bool first = true;
  std::size_t left = attrs.entries().size();
  for (const auto& [key, value] : attrs.entries()) {
    if (--left == 0 && mutation::planted(mutation::Mutant::printer_drops_last_attribute)) break;  // (planted bug)
    if (!first) out += ", ";
    first = false;
    out += key;
    out += " = ";
    out += to_string(value);
  }
  out += '}';
}

void print_arg(std::string& out, const Arg& a) {
  out += "  ";
  out += kind_word(a.kind);
  out += " %";
  out += a.name;
  out += " : ";
  out += to_string(a.type);
  out += '\n';
}

void print_node(std::string& out, const Node& n) {
  out += "  %";
  out += n.name;
  out += " = ";
  out += n.op;
  out += '(';
  print_value_list(out, n.inputs);
  out += ')';
  print_attrs(out, n.attrs);
  out += " : ";
  out += to_string(n.type);
  out += '\n';
}

}  // namespace

std::string print_vtg(const GraphData& g) {
  std::string out = "graph " + g.name + " {\n";
  for (const Arg& a : g.args) print_arg(out, a);
  for (const Node& n : g.nodes) print_node(out, n);
  if (!g.outputs.empty()) {
    out += "  output ";
    print_value_list(out, g.outputs);
    out += '\n';
  }
  out += "}\n";
  return out;
}

}  // namespace vt::spec
