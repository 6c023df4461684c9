#pragma once
// Float data for `veritape audit`: read from JSON or NPZ, or made up from a seed.
#include <cstdint>
#include <string>

#include "vt/reference/audit.hpp"

namespace vt::cli {

// JSON: {"inputs": {name: array, ...}, "values": {...}, "grads": {...}}, arrays
// nested or flat. NPZ: members named after the arguments, "value.<node>" and
// "grad.<arg>". Throws std::runtime_error "FILE: ..." on bad data.
ref::AuditData load_audit_data(const std::string& path, const spec::GraphData& g);

// Deterministic inputs: floats uniform in [-1, 1] rounded to the graph's
// dtype; class indices uniform over the classes of the cross_entropy they feed.
std::map<std::string, std::vector<double>> random_inputs(const spec::GraphData& g, std::uint64_t seed);

}  // namespace vt::cli
