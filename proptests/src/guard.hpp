#pragma once
// The overflow guard: a generated case is kept only when every node value and
// every argument gradient, evaluated once in double by the op table's own
// generic code, is finite and at most kGuardMagnitude in magnitude.
#include <map>
#include <string>
#include <vector>

#include "vt/spec/graph.hpp"

namespace vt::proptests::detail {

inline constexpr double kGuardMagnitude = 1e30;

bool within_guard(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args);

}  // namespace vt::proptests::detail
