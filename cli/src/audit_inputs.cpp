#include "audit_inputs.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "vt/runtime/io/npz.hpp"

namespace vt::cli {

namespace {


// Tensors have at most this many axes; deeper nesting is malformed (and
// would otherwise recurse without bound).
constexpr int kMaxDepth = 64;

void flatten(const nlohmann::json& j, const std::string& where, std::vector<double>& out, int depth = 0) {
  if (depth > kMaxDepth) throw std::runtime_error(where + ": arrays nested deeper than " + std::to_string(kMaxDepth));
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (j[i].is_number()) out.push_back(j[i].get<double>());  // the common case builds no path string
      else flatten(j[i], where + "[" + std::to_string(i) + "]", out, depth + 1);
    }
  } else if (j.is_number()) {
    out.push_back(j.get<double>());
  } else {
    throw std::runtime_error(where + ": expected a number or an array, found " + std::string(j.type_name()));
  }
}

std::map<std::string, std::vector<double>> section(const nlohmann::json& root, const char* key, const std::string& file) {
  std::map<std::string, std::vector<double>> out;
  if (!root.contains(key)) return out;
  const auto& obj = root.at(key);
  if (!obj.is_object()) throw std::runtime_error(file + ": '" + key + "' must be an object of name: array");
  for (const auto& [name, value] : obj.items()) flatten(value, file + ": " + key + "." + name, out[name]);
  return out;
}

ref::AuditData load_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const nlohmann::json root = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) throw std::runtime_error(path + ": not a JSON object");
  for (const auto& [key, value] : root.items())
    if (key != "inputs" && key != "values" && key != "grads")
      throw std::runtime_error(path + ": unknown key '" + key + "' (expected inputs, values, grads)");
  ref::AuditData d;
  d.args = section(root, "inputs", path);
  d.values = section(root, "values", path);
  d.grads = section(root, "grads", path);
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
  std::map<std::string, spec::Shape> shape_of;
  for (const auto& a : g.args) shape_of[a.name] = a.type.shape;
  for (const auto& n : g.nodes) shape_of[n.name] = n.type.shape;
  ref::AuditData d;
  for (const auto& [key, array] : rt::read_npz(path)) {
    const bool value = key.rfind("value.", 0) == 0, grad = key.rfind("grad.", 0) == 0;
    const std::string name = value ? key.substr(6) : grad ? key.substr(5) : key;
    const std::string where = path + "[" + key + "]";
    if (const auto it = shape_of.find(name); it != shape_of.end() && spec::Shape(array.shape) != it->second)
      throw std::runtime_error(where + ": shape " + to_string(spec::Shape(array.shape)) + ", but %" + name + " is " +
                               to_string(it->second));
    (value ? d.values : grad ? d.grads : d.args)[name] = as_doubles(array, where);
  }
  return d;
}

}  // namespace

ref::AuditData load_audit_data(const std::string& path, const spec::GraphData& g) {
  ref::AuditData d = path.ends_with(".npz") ? load_npz(path, g) : load_json(path);
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
  for (const auto& [name, v] : d.grads)
    if (!known(name, true)) throw std::runtime_error(path + ": gradient '" + name + "' is not an argument of graph " + g.name);
  for (const auto& a : g.args)
    if (!d.args.count(a.name)) throw std::runtime_error(path + ": no values for argument '" + a.name + "'");
  return d;
}


}  // namespace vt::cli
