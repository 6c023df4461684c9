#include "vt/proptests/torch_differential.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "vt/proptests/graph_gen.hpp"
#include "vt/reference/audit.hpp"
#include "vt/spec/op_table.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::proptests {
namespace {

// The op the row belongs to: "tanh" for "%t" and "%t (backward)"; "" for
// gradient sums and seeds (several ops, or none).
bool is_backward(const ref::NodeAudit& row) { return row.node.find(" (backward)") != std::string::npos; }
bool counted(const ref::NodeAudit& row) {
  return row.node.find(" (gradient sum)") == std::string::npos && row.node.find(" (gradient seed)") == std::string::npos &&
         row.node.front() == '%';
}

constexpr int kMaxDraws = 64;

bool holds(const spec::GraphData& g, const std::string& op) {
  return std::any_of(g.nodes.begin(), g.nodes.end(), [&](const spec::Node& n) { return n.op == op; });
}

// Tile-boundary shapes: dimensions next to the powers of two where blocked
// and vectorized kernels change paths, values up to 4,096 elements.
GenOptions boundary_profile(spec::DType dtype, const std::string& op) {
  GenOptions g;
  g.dtype = dtype;
  g.ops = {op};
  g.max_dim = 65;
  g.max_numel = 4096;
  g.max_nodes = 4;
  g.favored_dims = {7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};
  return g;
}

GenOptions edge_profile(spec::DType dtype, const std::string& op) {
  GenOptions g;
  g.dtype = dtype;
  g.ops = {op};
  g.max_nodes = 4;
  g.edge_values = true;
  return g;
}

// NAME.vtg and NAME.json (inputs, torch's values and gradients): `veritape
// audit NAME.vtg --inputs NAME.json` shows the violation again.
std::string write_reproducer(const std::string& dir, const std::string& name, const GraphCase& c, const ref::AuditData& d) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const fs::path base = fs::path(dir) / name;
  std::ofstream(base.string() + ".vtg") << spec::print_vtg(c.graph);
  nlohmann::json j{{"inputs", d.args}, {"values", d.values}, {"grads", d.grads}};
  for (const auto& [k, v] : d.node_grads) j["grads"][k] = v;
  std::ofstream(base.string() + ".json") << j.dump() << "\n";
  return "veritape audit " + base.string() + ".vtg --inputs " + base.string() + ".json";
}

}  // namespace

std::vector<TorchOpAudit> torch_differential_audit(bridge::TorchWorker& worker, const TorchAuditOptions& o) {
  std::vector<std::string> ops = o.ops;
  if (ops.empty())
    for (const spec::OpInfo& info : spec::all_ops()) ops.emplace_back(info.name);
  std::map<std::string, TorchOpAudit> by_op;
  for (const std::string& op : ops) by_op[op].op = op;
  for (const std::string& op : ops) {
    for (const spec::DType dtype : {spec::DType::f32, spec::DType::f64}) {
      if (o.progress) o.progress(op + " " + std::string(spec::to_string(dtype)));
      for (int profile = 0; profile < 2; ++profile) {
        const GenOptions g = profile == 0 ? edge_profile(dtype, op) : boundary_profile(dtype, op);
        const auto gen = gen_graph_case(g);
        std::uint64_t draw = 0;
        for (int k = 0; k < o.cases; ++k) {
          // Graphs until one holds the op (a step may not apply to what came before it).
          GraphCase c;
          for (int attempt = 0; attempt < kMaxDraws; ++attempt) {
            c = gen(rc::Random(o.seed * 1000003u + 2 * draw++ + static_cast<std::uint64_t>(profile)), 50).value();
            if (holds(c.graph, op)) break;
          }
          if (!holds(c.graph, op)) continue;
          TorchOpAudit& target = by_op[op];
          ref::AuditData d;
          try {
            d = worker.run_graph(c.graph, c.args);
          } catch (const bridge::WorkerFault&) {
            throw;
          } catch (const std::exception& e) {  // torch's error reply: an op or argument it does not take
            if (target.torch_refused++ == 0) target.refused_reason = e.what();
            continue;
          }
          ++target.cases;
          const ref::AuditReport r = ref::audit(c.graph, d);
          for (const ref::NodeAudit& row : r.nodes) {
            if (!counted(row) || row.verdict == ref::NodeVerdict::NotAudited) continue;
            TorchOpAudit& a = by_op[row.op];
            a.op = row.op;
            ++a.nodes;
            (is_backward(row) ? a.worst_backward : a.worst_forward) =
                std::max(is_backward(row) ? a.worst_backward : a.worst_forward, row.bound_use);
            if (row.verdict == ref::NodeVerdict::Inconclusive && a.inconclusive++ == 0)
              a.first_inconclusive = row.node + " in " + std::string(spec::to_string(dtype)) + " graph " + c.graph.name + ": " + row.detail;
            if (row.verdict != ref::NodeVerdict::Violated) continue;
            if (a.violations++ > 0 && row.bound_use <= a.worst_failure_use) continue;
            a.worst_failure_use = row.bound_use;
            a.worst_failure = row.node + " in " + std::string(spec::to_string(dtype)) + " graph " + c.graph.name + ": " + row.detail;
            if (!o.reproducer_dir.empty())
              a.worst_failure += "\n    reproduce: " + write_reproducer(o.reproducer_dir, row.op, c, d);
          }
        }
      }
    }
  }
  std::vector<TorchOpAudit> out;
  for (const spec::OpInfo& info : spec::all_ops())
    if (const auto it = by_op.find(std::string(info.name)); it != by_op.end()) out.push_back(it->second);
  return out;
}

}  // namespace vt::proptests
