#include "graph_loading.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "json_file.hpp"
#include "vt/spec/json_format.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::cli {

// Loads a graph from .vtg text, or from its JSON form when the name ends in .json.
spec::GraphData load_graph(const std::string& path) {
  if (!path.ends_with(".json")) return spec::load_vtg_file(path);
  nlohmann::json j;
  try {
    j = read_json_file(path);
  } catch (const std::runtime_error& e) {
    throw spec::ParseError(e.what(), {});
  }
  try {
    return spec::from_json(j);
  } catch (const spec::ParseError& e) {
    throw spec::ParseError(path + ": " + e.what(), {});
  }
}

}  // namespace vt::cli
