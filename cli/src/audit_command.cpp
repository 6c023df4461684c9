// `veritape audit`: float values and gradients against the exact reference.
#include <filesystem>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>
#include <vector>

#include "audit_html.hpp"
#include "audit_inputs.hpp"
#include "commands.hpp"
#include "graph_loading.hpp"
#include "torch_export_dir.hpp"
#include "vt/bridge/torch_exporter.hpp"
#include "vt/contracts/runtime_contracts.hpp"
#include "vt/cuda/emulator.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::cli {

void add_audit_command(CLI::App& app, int& result) {
  struct Options {
    std::string graph, inputs, torch_model, html;
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
      "something was audited); 1: something does not (or cannot be decided); 2: bad input.\n"
      "A folder written by the PyTorch exporter (python3 -m veritape_torch export) audits torch's own values and "
      "gradients node by node; --torch MODEL.py exports the model file first (bridges/README.md).");
  cmd->add_option("graph", o->graph, "graph file (.vtg or .json), or a folder from the PyTorch exporter");
  cmd->add_option("--torch", o->torch_model,
                  "a PyTorch model file defining model(), inputs() and loss(output, inputs): exported with "
                  "python3 -m veritape_torch, then its values and gradients audited");
  cmd->add_option("--html", o->html, "also write the report as one self-contained HTML page");
  cmd->add_option("--inputs", o->inputs,
                  "JSON {\"inputs\":{..}, \"values\":{..}, \"grads\":{..}} or NPZ (arguments by name, "
                  "\"value.<node>\", \"grad.<arg or node>\"); without it, random inputs from --seed");
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
      if (o->graph.empty() == o->torch_model.empty())
        throw std::invalid_argument(o->graph.empty() ? "give a graph, an export folder, or --torch MODEL.py"
                                                     : "give a graph or --torch MODEL.py, not both");
      std::optional<ScratchDir> scratch;
      std::string source = o->graph;
      if (!o->torch_model.empty()) {
        scratch.emplace();
        bridge::export_torch_model(bridge::default_torch_exporter(), o->torch_model, scratch->path());
        source = scratch->path();
      }
      const bool exported = std::filesystem::is_directory(source);
      if (exported && !o->inputs.empty()) throw std::invalid_argument("--inputs: " + source + " holds its own values.npz");
      spec::GraphData g;
      ref::AuditData data;
      if (exported) {
        TorchExport e = load_torch_export(source);
        g = std::move(e.graph);
        data = std::move(e.data);
      } else {
        g = load_graph(o->graph);
        spec::verify_or_throw(g, o->graph);
        if (o->inputs.empty()) data.args = ref::random_inputs(g, o->seed);
        else data = load_audit_data(o->inputs, g);
      }
      std::vector<ref::AuditReport> reports;
      if (data.values.empty() && data.grads.empty() && data.node_grads.empty()) {
        if (o->backend == "both")
          for (const bool fast : {true, false}) reports.push_back(contracts::audit_runtime(g, data.args, fast));
        else
          reports.push_back(contracts::audit_runtime(g, data.args, *contracts::parse_runtime(o->backend)));
      } else {
        if (cmd->count("--backend") > 0)
          throw std::invalid_argument("--backend picks the runtime that computes the values; " +
                                      (exported ? source : o->inputs) + " already holds values to audit");
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
      if (!o->html.empty()) write_audit_html(o->html, reports, g);
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
