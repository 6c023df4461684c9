// `veritape audit`: float values and gradients against the exact reference.
#include <iostream>

#include "audit_inputs.hpp"
#include "commands.hpp"
#include "graph_loading.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::cli {

void add_audit_command(CLI::App& app, int& result) {
  struct Options {
    std::string graph, inputs;
    std::uint64_t seed = 0;
    unsigned bits = ref::kDefaultIntervalBits;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "audit",
      "Compare float values and gradients with the exact reference (rationals, or certified intervals past a "
      "transcendental op) on the same float inputs, node by node, against each op's error contract.\n"
      "Without values in --inputs, audits the generic float path. Exit 0: all contracts hold; 1: some do not (or "
      "cannot be decided); 2: bad input.");
  cmd->add_option("graph", o->graph, "graph file (.vtg or .json)")->required();
  cmd->add_option("--inputs", o->inputs,
                  "JSON {\"inputs\":{..}, \"values\":{..}, \"grads\":{..}} or NPZ (arguments by name, "
                  "\"value.<node>\", \"grad.<arg>\"); without it, random inputs from --seed");
  cmd->add_option("--seed", o->seed, "seed for random inputs")->default_val(0);
  cmd->add_option("--bits", o->bits, "interval precision in bits")->default_val(ref::kDefaultIntervalBits)->check(CLI::Range(64u, 4096u));
  cmd->add_flag("--json", o->json, "print the report as JSON");
  cmd->callback([o, &result] {
    try {
      const spec::GraphData g = load_graph(o->graph);
      spec::verify_or_throw(g, o->graph);
      ref::AuditData data;
      if (o->inputs.empty()) data.args = ref::random_inputs(g, o->seed);
      else data = load_audit_data(o->inputs, g);
      if (data.values.empty() && data.grads.empty()) data = ref::run_generic_float(g, data.args);
      const ref::AuditReport report = ref::audit(g, data, o->bits);
      std::cout << (o->json ? ref::to_json(report).dump(2) + "\n" : ref::format_table(report));
      result = report.all_met() ? 0 : 1;
    } catch (const std::exception& e) {
      std::cerr << "veritape audit: " << e.what() << "\n";
      result = 2;
    }
  });
}

}  // namespace vt::cli
