#pragma once
// Float data for `veritape audit`, read from JSON or NPZ.
#include <cstdint>
#include <string>

#include "vt/reference/audit.hpp"

namespace vt::cli {

// JSON: {"inputs": {name: array, ...}, "values": {...}, "grads": {...}}, arrays
// nested or flat. NPZ: members named after the arguments, "value.<node>" and
// "grad.<arg or node>". Gradients of nodes go to AuditData::node_grads. Throws std::runtime_error "FILE: ..." on bad data.
ref::AuditData load_audit_data(const std::string& path, const spec::GraphData& g);

}  // namespace vt::cli
