#include "graph_loading.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "vt/spec/json_format.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::cli {

// Loads a graph from .vtg text, or from its JSON form when the name ends in .json.
spec::GraphData load_graph(const std::string& path) {
  if (!path.ends_with(".json")) return spec::load_vtg_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw spec::ParseError(path + ": cannot open", {});
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw spec::ParseError(path + ": not valid JSON", {});
  try {
    return spec::from_json(j);
  } catch (const spec::ParseError& e) {
    throw spec::ParseError(path + ": " + e.what(), {});
  }
}

}  // namespace vt::cli
