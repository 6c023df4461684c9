#pragma once
// Plan -> graph: the interpreter that turns a plan's knobs into a verified
// graph plus what the value generator needs to know about each argument.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"
#include "vt/spec/graph.hpp"

namespace vt::proptests::detail {

// How an argument's values are drawn (values.cpp).
enum class Profile : std::uint8_t {
  Plain,          // about [-2, 2] with edge values ([-4, 4] as k/8 in rational mode)
  Large,          // Plain plus a few magnitudes up to 1e4
  Positive,       // [0.25, 2] ([0.25, 4] rational): inside log/sqrt/div domains
  PositiveLarge,  // Positive plus a few values up to 1e4
  Classes,        // i64 class indices in [0, classes)
};

struct ArgMeta {
  std::string name;
  spec::DType dtype = spec::DType::f64;
  std::int64_t numel = 1;
  Profile profile = Profile::Plain;
  std::int64_t classes = 0;  // for Profile::Classes
};

struct Built {
  spec::GraphData graph;
  std::vector<ArgMeta> args;  // in graph.args order
};

// Checks the options (std::invalid_argument) and lists the ops steps may
// choose from, in op-table order.
std::vector<std::string_view> allowed_ops(const GenOptions& o);

// Deterministic: the same plan and options always give the same graph.
Built build_graph(const Plan& p, const GenOptions& o);

// Op-table ops the generator has no step for (empty while it covers the table).
std::vector<std::string_view> ops_without_generator();

}  // namespace vt::proptests::detail
