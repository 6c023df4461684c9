#define BOOST_TEST_MODULE json_format
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "vt/spec/json_format.hpp"
#include "vt/spec/text_format.hpp"

using namespace vt::spec;
using nlohmann::json;

namespace {

const std::string kMlp =
    "graph mlp {\n"
    "  input %x : f32[16, 784]\n"
    "  param %W1 : f32[256, 784]\n"
    "  %h1 = linear(%x, %W1) : f32[16, 256]\n"
    "  %s = sum(%h1) {axes = [0], keepdim = true} : f32[1, 256]\n"
    "  %c = constant() {dtype = f32, value = 1.5} : f32[]\n"
    "  output %c, %s\n"
    "}\n";

// The message of the ParseError that from_json throws, or "no error". Any
// other exception type (a nlohmann one in particular) fails the test.
std::string json_error(const json& j) {
  try {
    from_json(j);
  } catch (const ParseError& e) {
    BOOST_TEST(!e.loc.known());
    return e.what();
  }
  return "no error";
}

// A valid one-node document to break in one place per test.
json valid_doc() {
  return json::parse(R"({
    "graph": "g",
    "args": [{"name": "x", "kind": "input", "dtype": "f32", "shape": [2, 3]}],
    "nodes": [{"name": "y", "op": "sum", "inputs": ["x"], "attrs": {"axes": [0]},
               "type": {"dtype": "f32", "shape": [1, 3]}}],
    "outputs": ["y"]
  })");
}

GraphData float_graph() {
  GraphData g;
  g.name = "floats";
  Node n;
  n.name = "c";
  n.op = "constant";
  n.type = TensorType{DType::f64, Shape{}};
  n.attrs.set("tenth", 0.1);
  n.attrs.set("tiny", 1e-300);
  n.attrs.set("negzero", -0.0);
  n.attrs.set("one", 1.0);
  n.attrs.set("denorm", std::numeric_limits<double>::denorm_min());
  n.attrs.set("imin", std::numeric_limits<std::int64_t>::min());
  n.attrs.set("imax", std::numeric_limits<std::int64_t>::max());
  n.attrs.set("flag", true);
  n.attrs.set("dtype", std::string("i64"));
  n.attrs.set("none", IntList{});
  g.nodes.push_back(n);
  g.outputs.push_back(Operand{"c", {}});
  return g;
}

}  // namespace

BOOST_AUTO_TEST_CASE(documented_layout) {
  const json j = to_json(parse_vtg(kMlp));
  const json expected = json::parse(R"({
    "graph": "mlp",
    "args": [{"name": "x", "kind": "input", "dtype": "f32", "shape": [16, 784]},
             {"name": "W1", "kind": "param", "dtype": "f32", "shape": [256, 784]}],
    "nodes": [
      {"name": "h1", "op": "linear", "inputs": ["x", "W1"], "attrs": {},
       "type": {"dtype": "f32", "shape": [16, 256]}},
      {"name": "s", "op": "sum", "inputs": ["h1"], "attrs": {"axes": [0], "keepdim": true},
       "type": {"dtype": "f32", "shape": [1, 256]}},
      {"name": "c", "op": "constant", "inputs": [], "attrs": {"dtype": "f32", "value": 1.5},
       "type": {"dtype": "f32", "shape": []}}],
    "outputs": ["c", "s"]
  })");
  BOOST_TEST(j == expected);
}

BOOST_AUTO_TEST_CASE(text_json_text_round_trip) {
  const GraphData g = parse_vtg(kMlp);
  BOOST_TEST((from_json(to_json(g)) == g));
  BOOST_TEST(print_vtg(from_json(json::parse(to_json(g).dump()))) == kMlp);
}

BOOST_AUTO_TEST_CASE(attribute_values_round_trip_exactly) {
  const GraphData g = float_graph();
  const json j = to_json(g);
  const json& attrs = j["nodes"][0]["attrs"];
  BOOST_TEST(attrs["one"].is_number_float());  // 1.0 must not turn into an int
  BOOST_TEST(attrs["imax"].is_number_integer());
  BOOST_TEST(attrs["none"].is_array());

  for (const json& candidate : {j, json::parse(j.dump())}) {  // in memory and through text
    const GraphData back = from_json(candidate);
    BOOST_TEST((back == g));
    const AttrMap& m = back.nodes[0].attrs;
    BOOST_TEST(std::signbit(m.get_float("negzero")));  // == cannot see the sign of zero
    BOOST_TEST(m.get_float("tenth") == 0.1);
    BOOST_TEST(m.get_float("tiny") == 1e-300);
    BOOST_TEST(m.get_float("denorm") == std::numeric_limits<double>::denorm_min());
    BOOST_TEST((kind_of(*m.find("one")) == AttrKind::Float));
    BOOST_TEST(m.get_int("imin") == std::numeric_limits<std::int64_t>::min());
  }
  BOOST_TEST(j.dump().find("-0.0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(attrs_key_is_optional) {
  json j = valid_doc();
  j["nodes"][0].erase("attrs");
  BOOST_TEST(from_json(j).nodes[0].attrs.empty());
}

BOOST_AUTO_TEST_CASE(unsigned_json_integers) {
  json j = valid_doc();
  j["nodes"][0]["attrs"]["big"] = std::uint64_t{9223372036854775807ull};
  BOOST_TEST(from_json(j).nodes[0].attrs.get_int("big") == std::numeric_limits<std::int64_t>::max());
  j["nodes"][0]["attrs"]["big"] = std::uint64_t{9223372036854775808ull};
  BOOST_TEST(json_error(j) == "json: nodes[0].attrs.big: integer 9223372036854775808 does not fit in 64 bits");
}

BOOST_AUTO_TEST_CASE(errors_name_the_path) {
  BOOST_TEST(json_error(valid_doc()) == "no error");
  BOOST_TEST(json_error(json::array()) == "json: expected object, found array");
  BOOST_TEST(json_error(json(nullptr)) == "json: expected object, found null");

  auto broken = [](auto edit) {
    json j = valid_doc();
    edit(j);
    return json_error(j);
  };
  BOOST_TEST(broken([](json& j) { j.erase("graph"); }) == "json: missing key 'graph'");
  BOOST_TEST(broken([](json& j) { j["extra"] = 1; }) == "json: unknown key 'extra'");
  BOOST_TEST(broken([](json& j) { j["graph"] = "bad name"; }) ==
             "json: graph: invalid graph name 'bad name' (expected [A-Za-z_][A-Za-z0-9_]*)");
  BOOST_TEST(broken([](json& j) { j["args"] = json::object(); }) == "json: args: expected array, found object");
  BOOST_TEST(broken([](json& j) { j["args"][0]["kind"] = "weight"; }) ==
             "json: args[0].kind: expected \"input\" or \"param\", found 'weight'");
  BOOST_TEST(broken([](json& j) { j["args"][0]["name"] = "%x"; }) ==
             "json: args[0].name: invalid value name '%x' (expected [A-Za-z0-9_.]+, without '%')");
  BOOST_TEST(broken([](json& j) { j["args"][0]["dtype"] = "f16"; }) ==
             "json: args[0].dtype: unknown dtype 'f16' (expected f32, f64 or i64)");
  BOOST_TEST(broken([](json& j) { j["args"][0]["shape"][1] = -3; }) == "json: args[0].shape[1]: negative dimension -3");
  BOOST_TEST(broken([](json& j) { j["args"][0]["shape"] = {4294967296, 4294967296, 4294967296}; }) ==
             "json: args[0].shape: shape [4294967296, 4294967296, 4294967296] has more than 2^48 elements");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["type"]["shape"][1] = 3.0; }) ==
             "json: nodes[0].type.shape[1]: expected integer, found float");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["type"].erase("dtype"); }) == "json: nodes[0].type: missing key 'dtype'");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["op"] = 7; }) == "json: nodes[0].op: expected string, found integer");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["inputs"][0] = "a b"; }) ==
             "json: nodes[0].inputs[0]: invalid value name 'a b' (expected [A-Za-z0-9_.]+, without '%')");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["attrs"] = json::array(); }) ==
             "json: nodes[0].attrs: expected object, found array");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["attrs"]["axes"][0] = "x"; }) ==
             "json: nodes[0].attrs.axes[0]: expected integer, found string");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["attrs"]["k"] = json::object(); }) ==
             "json: nodes[0].attrs.k: expected an attribute value (integer, float, boolean, identifier string or array "
             "of numbers), found object");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["attrs"]["k"] = std::nan(""); }) ==
             "json: nodes[0].attrs.k: non-finite float is not allowed");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["attrs"]["k"] = "true"; }) ==
             "json: nodes[0].attrs.k: identifier 'true' is reserved; use a JSON boolean or number");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["attrs"]["k"] = "a\xff"; }) ==
             "json: nodes[0].attrs.k: invalid identifier 'a\\xff' (expected [A-Za-z_][A-Za-z0-9_]*)");
  BOOST_TEST(broken([](json& j) { j["nodes"][0]["attrs"]["1k"] = 1; }) ==
             "json: nodes[0].attrs: invalid attribute name '1k' (expected [A-Za-z_][A-Za-z0-9_]*)");
  BOOST_TEST(broken([](json& j) { j["outputs"] = "y"; }) == "json: outputs: expected array, found string");
  BOOST_TEST(broken([](json& j) { j["outputs"][0] = nullptr; }) == "json: outputs[0]: expected string, found null");
}

BOOST_AUTO_TEST_CASE(never_throws_other_exceptions) {
  const json odd[] = {json(1), json("x"), json(true), json::object(), json::parse(R"({"graph": [], "args": 1})"),
                      json::parse(R"({"graph": "g", "args": [[]], "nodes": [], "outputs": []})"),
                      json::parse(R"({"graph": "g", "args": [], "nodes": [null], "outputs": []})"),
                      json::parse(R"({"graph": "g", "args": [], "nodes": [], "outputs": [{}]})")};
  for (const json& j : odd) BOOST_TEST(json_error(j).rfind("json: ", 0) == 0u);
}
