// JSON interchange form of GraphData. The reader checks every value's JSON kind
// explicitly before reading it, so malformed input becomes a ParseError naming
// the JSON path instead of a nlohmann::json::type_error from deep inside.
#include "vt/spec/json_format.hpp"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include "vt/spec/text_format.hpp"

namespace vt::spec {

using nlohmann::json;

// ---------------------------------------------------------------- writing

namespace {

json shape_to_json(const Shape& s) {
  json out = json::array();
  for (std::int64_t d : s.dims()) out.push_back(d);
  return out;
}

json attr_to_json(const AttrValue& v) {
  struct ToJson {
    json operator()(std::int64_t i) const { return json(i); }
    json operator()(double d) const { return json(d); }  // stays number_float, even for 1.0
    json operator()(bool b) const { return json(b); }
    json operator()(const std::string& id) const { return json(id); }
    json operator()(const IntList& l) const {
      json out = json::array();
      for (std::int64_t i : l) out.push_back(i);
      return out;
    }
    json operator()(const FloatList& l) const {
      json out = json::array();
      for (double d : l) out.push_back(d);
      return out;
    }
  };
  return std::visit(ToJson{}, v);
}

json names_to_json(const std::vector<Operand>& values) {
  json out = json::array();
  for (const Operand& v : values) out.push_back(v.name);
  return out;
}

json arg_to_json(const Arg& a) {
  return json{{"name", a.name},
              {"kind", a.kind == ArgKind::Input ? "input" : "param"},
              {"dtype", std::string(to_string(a.type.dtype))},
              {"shape", shape_to_json(a.type.shape)}};
}

json node_to_json(const Node& n) {
  json attrs = json::object();
  for (const auto& [key, value] : n.attrs.entries()) attrs[key] = attr_to_json(value);
  return json{{"name", n.name},
              {"op", n.op},
              {"inputs", names_to_json(n.inputs)},
              {"attrs", std::move(attrs)},
              {"type", json{{"dtype", std::string(to_string(n.type.dtype))}, {"shape", shape_to_json(n.type.shape)}}}};
}

}  // namespace

json to_json(const GraphData& g) {
  json args = json::array();
  for (const Arg& a : g.args) args.push_back(arg_to_json(a));
  json nodes = json::array();
  for (const Node& n : g.nodes) nodes.push_back(node_to_json(n));
  return json{{"graph", g.name}, {"args", std::move(args)}, {"nodes", std::move(nodes)}, {"outputs", names_to_json(g.outputs)}};
}

// ---------------------------------------------------------------- reading

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& msg) {
  throw ParseError("json: " + (path.empty() ? msg : path + ": " + msg), SrcLoc{});
}


std::string kind_name(const json& j) {
  switch (j.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "float";
    default: return j.type_name();
  }
}

[[noreturn]] void fail_kind(const std::string& path, std::string_view expected, const json& found) {
  fail(path, "expected " + std::string(expected) + ", found " + kind_name(found));
}

std::string member_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string index_path(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

bool listed(std::initializer_list<std::string_view> keys, std::string_view key) {
  for (std::string_view k : keys)
    if (k == key) return true;
  return false;
}

// Checks that `j` is an object with exactly the `required` keys plus any of `optional`.
void expect_object(const json& j, const std::string& path, std::initializer_list<std::string_view> required,
                   std::initializer_list<std::string_view> optional = {}) {
  if (!j.is_object()) fail_kind(path, "object", j);
  for (std::string_view key : required)
    if (!j.contains(key)) fail(path, "missing key '" + std::string(key) + "'");
  for (const auto& item : j.items())
    if (!listed(required, item.key()) && !listed(optional, item.key())) fail(path, "unknown key " + quote_bytes(item.key()));
}

const json& expect_array(const json& j, const std::string& path) {
  if (!j.is_array()) fail_kind(path, "array", j);
  return j;
}

std::string read_string(const json& j, const std::string& path) {
  if (!j.is_string()) fail_kind(path, "string", j);
  return j.get<std::string>();
}

std::int64_t read_int(const json& j, const std::string& path) {
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(path, "integer " + std::to_string(u) + " does not fit in 64 bits");
    return static_cast<std::int64_t>(u);
  }
  if (!j.is_number_integer()) fail_kind(path, "integer", j);
  return j.get<std::int64_t>();
}

std::string read_identifier(const json& j, const std::string& path, std::string_view what) {
  std::string s = read_string(j, path);
  if (!is_identifier(s)) fail(path, "invalid " + std::string(what) + " " + quote_bytes(s) + " (expected [A-Za-z_][A-Za-z0-9_]*)");
  return s;
}

std::string read_value_name(const json& j, const std::string& path) {
  std::string s = read_string(j, path);
  if (!is_value_name(s)) fail(path, "invalid value name " + quote_bytes(s) + " (expected [A-Za-z0-9_.]+, without '%')");
  return s;
}

std::vector<Operand> read_names(const json& j, const std::string& path) {
  std::vector<Operand> out;
  const json& arr = expect_array(j, path);
  for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(Operand{read_value_name(arr[i], index_path(path, i)), {}});
  return out;
}

DType read_dtype(const json& j, const std::string& path) {
  const std::string s = read_string(j, path);
  const auto d = parse_dtype(s);
  if (!d) fail(path, "unknown dtype " + quote_bytes(s) + " (expected f32, f64 or i64)");
  return *d;
}

IntList read_int_list(const json& j, const std::string& path) {
  IntList out;
  const json& arr = expect_array(j, path);
  for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(read_int(arr[i], index_path(path, i)));
  return out;
}

Shape read_shape(const json& j, const std::string& path) {
  Shape s(read_int_list(j, path));
  for (std::size_t i = 0; i < s.rank(); ++i)
    if (s[i] < 0) fail(index_path(path, i), "negative dimension " + std::to_string(s[i]));
  try {
    s.validate();
  } catch (const ShapeError& e) {
    fail(path, e.what());
  }
  return s;
}

// `dtype` and `shape` are read from `obj` (an arg or a node's "type").
TensorType read_type(const json& obj, const std::string& path) {
  return TensorType{read_dtype(obj.at("dtype"), member_path(path, "dtype")),
                    read_shape(obj.at("shape"), member_path(path, "shape"))};
}

AttrValue read_attr_value(const json& j, const std::string& path) {
  switch (j.type()) {
    case json::value_t::boolean: return j.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return read_int(j, path);
    case json::value_t::number_float: {
      const double d = j.get<double>();
      if (!std::isfinite(d)) fail(path, "non-finite float is not allowed");
      return d;
    }
    case json::value_t::string: {
      std::string s = read_identifier(j, path, "identifier");
      // The .vtg text would read these back as a bool or reject them.
      if (s == "true" || s == "false" || s == "nan" || s == "inf")
        fail(path, "identifier " + quote_bytes(s) + " is reserved; use a JSON boolean or number");
      return s;
    }
    case json::value_t::array: {
      // Any float element makes it a float list (as in the .vtg text).
      bool floats = false;
      for (const json& e : j) floats = floats || e.is_number_float();
      if (!floats) return read_int_list(j, path);
      FloatList out;
      for (std::size_t i = 0; i < j.size(); ++i) {
        const json& e = j[i];
        if (!e.is_number()) fail_kind(index_path(path, i), "number", e);
        const double d = e.get<double>();
        if (!std::isfinite(d)) fail(index_path(path, i), "non-finite float is not allowed");
        out.push_back(d);
      }
      return out;
    }
    default: fail_kind(path, "an attribute value (integer, float, boolean, identifier string or array of numbers)", j);
  }
}

AttrMap read_attrs(const json& j, const std::string& path) {
  if (!j.is_object()) fail_kind(path, "object", j);
  AttrMap m;
  for (const auto& [key, value] : j.items()) {
    if (!is_identifier(key)) fail(path, "invalid attribute name " + quote_bytes(key) + " (expected [A-Za-z_][A-Za-z0-9_]*)");
    m.set(key, read_attr_value(value, member_path(path, key)));
  }
  return m;
}

Arg read_arg(const json& j, const std::string& path) {
  expect_object(j, path, {"name", "kind", "dtype", "shape"});
  Arg a;
  a.name = read_value_name(j.at("name"), member_path(path, "name"));
  const std::string kind = read_string(j.at("kind"), member_path(path, "kind"));
  if (kind != "input" && kind != "param")
    fail(member_path(path, "kind"), "expected \"input\" or \"param\", found " + quote_bytes(kind));
  a.kind = kind == "input" ? ArgKind::Input : ArgKind::Param;
  a.type = read_type(j, path);
  return a;
}

Node read_node(const json& j, const std::string& path) {
  expect_object(j, path, {"name", "op", "inputs", "type"}, {"attrs"});
  Node n;
  n.name = read_value_name(j.at("name"), member_path(path, "name"));
  n.op = read_identifier(j.at("op"), member_path(path, "op"), "op name");
  n.inputs = read_names(j.at("inputs"), member_path(path, "inputs"));
  if (j.contains("attrs")) n.attrs = read_attrs(j.at("attrs"), member_path(path, "attrs"));
  const std::string type_path = member_path(path, "type");
  expect_object(j.at("type"), type_path, {"dtype", "shape"});
  n.type = read_type(j.at("type"), type_path);
  return n;
}

GraphData read_graph(const json& j) {
  expect_object(j, "", {"graph", "args", "nodes", "outputs"});
  GraphData g;
  g.name = read_identifier(j.at("graph"), "graph", "graph name");
  const json& args = expect_array(j.at("args"), "args");
  for (std::size_t i = 0; i < args.size(); ++i) g.args.push_back(read_arg(args[i], index_path("args", i)));
  const json& nodes = expect_array(j.at("nodes"), "nodes");
  for (std::size_t i = 0; i < nodes.size(); ++i) g.nodes.push_back(read_node(nodes[i], index_path("nodes", i)));
  g.outputs = read_names(j.at("outputs"), "outputs");
  return g;
}

}  // namespace

GraphData from_json(const json& j) {
  try {
    return read_graph(j);
  } catch (const json::exception& e) {
    // Not expected (every access is kind-checked first), but the contract is
    // that only ParseError leaves this function.
    throw ParseError(std::string("json: ") + e.what(), SrcLoc{});
  }
}

}  // namespace vt::spec
