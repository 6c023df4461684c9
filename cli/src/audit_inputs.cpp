#include "audit_inputs.hpp"

#include <fstream>
#include <optional>
#include <vector>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "json_file.hpp"
#include "vt/runtime/io/npz.hpp"

namespace vt::cli {

namespace {


// Tensors have at most this many axes; deeper nesting is malformed (and
// would otherwise recurse without bound).
constexpr int kMaxDepth = 64;

// Appends j's numbers to out and returns how its arrays nest ([] for a
// number, [2, 3] for two arrays of three numbers). Ragged nesting, or numbers
// beside arrays, is an error naming the place.
std::vector<std::int64_t> flatten(const nlohmann::json& j, const std::string& where, std::vector<double>& out, int depth = 0) {
  if (depth > kMaxDepth) throw std::runtime_error(where + ": arrays nested deeper than " + std::to_string(kMaxDepth));
  if (j.is_number()) {
    out.push_back(j.get<double>());
    return {};
  }
  if (!j.is_array()) throw std::runtime_error(where + ": expected a number or an array, found " + std::string(j.type_name()));
  std::optional<std::vector<std::int64_t>> inner;
  for (std::size_t i = 0; i < j.size(); ++i) {
    std::vector<std::int64_t> s;
    if (j[i].is_number()) out.push_back(j[i].get<double>());  // the common case builds no path string
    else s = flatten(j[i], where + "[" + std::to_string(i) + "]", out, depth + 1);
    if (inner && s != *inner)
      throw std::runtime_error(where + "[" + std::to_string(i) + "]: ragged nesting: " + to_string(spec::Shape(s)) + " after " +
                               to_string(spec::Shape(*inner)));
    inner = std::move(s);
  }
  std::vector<std::int64_t> shape{static_cast<std::int64_t>(j.size())};
  if (inner) shape.insert(shape.end(), inner->begin(), inner->end());
  return shape;
}

// A nested array must nest as the value's declared shape; a flat one (or a
// number) only needs the right count, which the audit checks.
std::map<std::string, std::vector<double>> section(const nlohmann::json& root, const char* key, const std::string& file,
                                                   const std::map<std::string, spec::Shape>& shape_of) {
  std::map<std::string, std::vector<double>> out;
  if (!root.contains(key)) return out;
  const auto& obj = root.at(key);
  if (!obj.is_object()) throw std::runtime_error(file + ": '" + key + "' must be an object of name: array");
  for (const auto& [name, value] : obj.items()) {
    const std::string where = file + ": " + key + "." + name;
    const spec::Shape nest(flatten(value, where, out[name]));
    const auto it = shape_of.find(name);
    if (nest.rank() > 1 && it != shape_of.end() && nest != it->second)
      throw std::runtime_error(where + ": nested as " + to_string(nest) + ", but %" + name + " is " + to_string(it->second));
  }
  return out;
}

std::map<std::string, spec::Shape> shapes_of(const spec::GraphData& g) {
  std::map<std::string, spec::Shape> shape_of;
  for (const auto& a : g.args) shape_of[a.name] = a.type.shape;
  for (const auto& n : g.nodes) shape_of[n.name] = n.type.shape;
  return shape_of;
}

ref::AuditData load_json(const std::string& path, const spec::GraphData& g) {
  const auto shape_of = shapes_of(g);
  const nlohmann::json root = read_json_file(path);
  if (!root.is_object()) throw std::runtime_error(path + ": expected a JSON object {\"inputs\": {...}}, found " + std::string(root.type_name()));
  for (const auto& [key, value] : root.items())
    if (key != "inputs" && key != "values" && key != "grads")
      throw std::runtime_error(path + ": unknown key '" + key + "' (expected inputs, values, grads)");
  ref::AuditData d;
  d.args = section(root, "inputs", path, shape_of);
  d.values = section(root, "values", path, shape_of);
  d.grads = section(root, "grads", path, shape_of);
  return d;
}

std::vector<double> as_doubles(const rt::NpyArray& a, const std::string& where) {
  if (a.dtype != rt::NpyDType::i64) return a.values;
  for (auto v : a.ints)
    if (v > (std::int64_t{1} << 53) || v < -(std::int64_t{1} << 53)) throw std::runtime_error(where + ": integer beyond 2^53");
  return std::vector<double>(a.ints.begin(), a.ints.end());
}

// NPZ arrays carry shapes: they must be the declared ones.
ref::AuditData load_npz(const std::string& path, const spec::GraphData& g) {
  const auto shape_of = shapes_of(g);
  ref::AuditData d;
  for (const auto& [key, array] : rt::read_npz(path)) {
    const bool value = key.rfind("value.", 0) == 0, grad = key.rfind("grad.", 0) == 0;
    const std::string name = value ? key.substr(6) : grad ? key.substr(5) : key;
    const std::string where = path + "[" + key + "]";
    if (const auto it = shape_of.find(name); it != shape_of.end() && spec::Shape(array.shape) != it->second)
      throw std::runtime_error(where + ": shape " + to_string(spec::Shape(array.shape)) + ", but %" + name + " is " +
                               to_string(it->second));
    (value ? d.values : grad ? d.grads : d.args)[name] = as_doubles(array, where);  // node gradients sorted out below
  }
  return d;
}

}  // namespace

ref::AuditData load_audit_data(const std::string& path, const spec::GraphData& g) {
  ref::AuditData d = path.ends_with(".npz") ? load_npz(path, g) : load_json(path, g);
  d.producer = path;
  auto known = [&](const std::string& name, bool args_only) {
    for (const auto& a : g.args)
      if (a.name == name) return true;
    if (!args_only)
      for (const auto& n : g.nodes)
        if (n.name == name) return true;
    return false;
  };
  for (const auto& [name, v] : d.args)
    if (!known(name, true)) throw std::runtime_error(path + ": input '" + name + "' is not an argument of graph " + g.name);
  for (const auto& [name, v] : d.values) {
    if (!known(name, false)) throw std::runtime_error(path + ": value '" + name + "' names no value of graph " + g.name);
    if (known(name, true)) throw std::runtime_error(path + ": '" + name + "' is an argument: give it under inputs, not values");
  }
  for (auto it = d.grads.begin(); it != d.grads.end();) {  // gradients of node values go to node_grads
    if (known(it->first, true)) {
      ++it;
      continue;
    }
    if (!known(it->first, false)) throw std::runtime_error(path + ": gradient '" + it->first + "' names no value of graph " + g.name);
    d.node_grads[it->first] = std::move(it->second);
    it = d.grads.erase(it);
  }
  for (const auto& a : g.args)
    if (!d.args.count(a.name)) throw std::runtime_error(path + ": no values for argument '" + a.name + "'");
  return d;
}


}  // namespace vt::cli
