// How tight the backward contracts are: for each op of the realistic-shape
// cases (contracts/realistic_graphs.hpp), the FastKernels' backward run on
// random inputs, and the ratio of each element's bound (gamma_k * sum|terms|,
// k counted from the op's own VJP) to its actual error against the exact
// VJP. Per op and dtype the key holds the smallest ratio over every element,
// case and seed: how far the tightest-pressed element stays inside its bound
// (1 would be at the bound; null: no element had any error).
//   tightness.<f32|f64>.<op>   bound / worst observed error
//   build/bin/bench_contract_tightness [--json] [--seeds N]
#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "vt/contracts/realistic_graphs.hpp"
#include "vt/contracts/runtime_contracts.hpp"

using namespace vt;

int main(int argc, char** argv) {
  bool as_json = false;
  int seeds = 4;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) as_json = true;
    else if (std::strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
      const std::string_view text = argv[++i];
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seeds);
      if (ec != std::errc() || end != text.data() + text.size() || seeds < 1 || seeds > 1000) {
        fmt::print(stderr, "bench_contract_tightness: --seeds takes a whole number from 1 to 1000, got '{}'\n", text);
        return 2;
      }
    } else {
      fmt::print(stderr, "usage: bench_contract_tightness [--json] [--seeds N]\n");
      return 2;
    }
  }
  nlohmann::json out = nlohmann::json::object();
  for (const spec::DType dtype : {spec::DType::f32, spec::DType::f64}) {
    std::map<std::string, double> worst_use;  // by op: the largest |error| / bound seen
    for (const contracts::RealisticCase& c : contracts::realistic_cases(dtype))
      for (int seed = 1; seed <= seeds; ++seed)
        for (const ref::NodeAudit& a : contracts::audit_backward_kernels(c.graph, ref::random_inputs(c.graph, seed), true)) {
          if (a.verdict != ref::NodeVerdict::Met) {
            fmt::print(stderr, "{} ({}): {} {}: {}\n", c.name, spec::to_string(dtype), a.node, ref::to_string(a.verdict), a.detail);
            return 1;
          }
          if (a.op == c.op && a.node == "%y (backward)") worst_use[c.op] = std::max(worst_use[c.op], a.bound_use);
        }
    for (const auto& [op, use] : worst_use) {
      const std::string key = fmt::format("tightness.{}.{}", spec::to_string(dtype), op);
      if (use > 0) out[key] = 1.0 / use;
      else out[key] = nullptr;
    }
  }
  if (as_json) {
    fmt::print("{}\n", out.dump(2));
  } else {
    for (const auto& [key, value] : out.items())
      fmt::print("{:45} {}\n", key, value.is_null() ? std::string("exact (no error)") : fmt::format("{:.1f}", value.get<double>()));
  }
  return 0;
}
