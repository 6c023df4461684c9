#pragma once
#include <string>

#include "vt/spec/graph.hpp"

namespace vt::cli {

// Loads a graph from .vtg text, or from its JSON form when the name ends in
// .json. Throws spec::ParseError naming the file.
spec::GraphData load_graph(const std::string& path);

}  // namespace vt::cli
