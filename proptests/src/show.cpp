// How cases print: as a .vtg file and an inputs file for `veritape audit`.
#include <charconv>
#include <cmath>

#include "vt/proptests/graph_gen.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::proptests {

namespace {

// Shortest text that parses back to the same double; -0.0 keeps its sign
// (JSON readers take "-0" for the integer 0).
std::string number(double v) {
  if (v == 0) return std::signbit(v) ? "-0.0" : "0";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

bool value_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

}  // namespace

std::string inputs_json(const GraphCase& c) {
  std::string s = "{\"inputs\": {";
  bool first_arg = true;
  for (const auto& [name, values] : c.args) {
    s += first_arg ? "\n  \"" : ",\n  \"";
    first_arg = false;
    s += name + "\": [";
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + number(values[i]);
    s += "]";
  }
  return s + (c.args.empty() ? "}}\n" : "\n}}\n");
}

bool names_value(const std::string& message, const std::string& name) {
  const std::string needle = "%" + name;
  for (auto at = message.find(needle); at != std::string::npos; at = message.find(needle, at + 1)) {
    const auto end = at + needle.size();
    if (end == message.size() || !value_char(message[end])) return true;
  }
  return false;
}

void showValue(const GraphCase& c, std::ostream& os) {
  os << "\n# graph.vtg\n" << spec::print_vtg(c.graph) << "# inputs.json\n" << inputs_json(c);
}

void showValue(const IllTypedCase& c, std::ostream& os) {
  os << "\n# graph.vtg (broken at %" << c.bad_node << ": expect a diagnostic naming it, with '" << c.what << "')\n"
     << spec::print_vtg(c.graph);
}

}  // namespace vt::proptests
