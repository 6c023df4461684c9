// `veritape audit`: float values and gradients against the exact reference.
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "audit_inputs.hpp"
#include "commands.hpp"
#include "graph_loading.hpp"
#include "vt/contracts/runtime_contracts.hpp"
#include "vt/cuda/emulator.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::cli {

void add_audit_command(CLI::App& app, int& result) {
  struct Options {
    std::string graph, inputs;
    std::uint64_t seed = 0;
    unsigned bits = ref::kDefaultIntervalBits;
    bool json = false;
    std::string backend = "fast";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "audit",
      "Compare float values and gradients with the exact reference (rationals, or certified intervals past a "
      "transcendental op) on the same float inputs, node by node, against each op's error contract.\n"
      "Without values in --inputs, runs the graph on the float runtime --backend names (default: FastKernels, what "
      "`train` runs) and audits every node value, every backward kernel and every parameter gradient. With values, "
      "audits those that are given and lists what it skipped. Exit 0: everything audited holds its contract (and "
      "something was audited); 1: something does not (or cannot be decided); 2: bad input.");
  cmd->add_option("graph", o->graph, "graph file (.vtg or .json)")->required();
  cmd->add_option("--inputs", o->inputs,
                  "JSON {\"inputs\":{..}, \"values\":{..}, \"grads\":{..}} or NPZ (arguments by name, "
                  "\"value.<node>\", \"grad.<arg>\"); without it, random inputs from --seed");
  cmd->add_option("--seed", o->seed, "seed for random inputs")->default_val(0)->check(non_negative_integer());
  cmd->add_option("--bits", o->bits, "interval precision in bits")->default_val(ref::kDefaultIntervalBits)->check(CLI::Range(64u, 4096u));
  cmd->add_option("--backend", o->backend,
                  "the runtime to audit when --inputs holds no values: fast (FastKernels) | generic (the op table's code) | both | "
                  "cuda-emulated (the CUDA kernels under the host emulator; cuda-emulated-atomic: atomic accumulation) | cuda (the GPU)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fast", "generic", "both", "cuda-emulated", "cuda-emulated-atomic", "cuda"}));
  cmd->add_flag("--json", o->json, "print the report as JSON (with --backend both: an array of the two reports)");
  cmd->callback([o, cmd, &result] {
    try {
      const spec::GraphData g = load_graph(o->graph);
      spec::verify_or_throw(g, o->graph);
      ref::AuditData data;
      if (o->inputs.empty()) data.args = ref::random_inputs(g, o->seed);
      else data = load_audit_data(o->inputs, g);
      std::vector<ref::AuditReport> reports;
      if (data.values.empty() && data.grads.empty()) {
        if (o->backend == "both")
          for (const bool fast : {true, false}) reports.push_back(contracts::audit_runtime(g, data.args, fast));
        else
          reports.push_back(contracts::audit_runtime(g, data.args, *contracts::parse_runtime(o->backend)));
      } else {
        if (cmd->count("--backend") > 0)
          throw std::invalid_argument("--backend picks the runtime that computes the values; " + o->inputs + " already holds values to audit");
        reports.push_back(ref::audit(g, data, o->bits));
      }
      bool all = true;
      nlohmann::json j = nlohmann::json::array();
      for (const ref::AuditReport& r : reports) {
        all = all && r.all_met();
        if (o->json) j.push_back(ref::to_json(r));
        else std::cout << (&r == &reports.front() ? "" : "\n") << ref::format_table(r);
      }
      if (o->json) std::cout << (j.size() == 1 ? j[0] : j).dump(2) << "\n";
      result = all ? 0 : 1;
    } catch (const cuda::KernelFault& e) {  // the emulator's findings: the kernels are at fault, not the input
      std::cerr << "veritape audit: " << e.what() << "\n";
      result = 1;
    } catch (const std::exception& e) {
      std::cerr << "veritape audit: " << e.what() << "\n";
      result = 2;
    }
  });
}

}  // namespace vt::cli
