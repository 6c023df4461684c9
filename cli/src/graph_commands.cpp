// `veritape verify` and `veritape fmt`: read .vtg (or .json) graphs, check them, print them.
#include <fmt/core.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "graph_loading.hpp"
#include "vt/spec/json_format.hpp"
#include "vt/spec/text_format.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::cli {

namespace {

std::string summary(const spec::GraphData& g) {
  int inputs = 0, params = 0;
  for (const auto& a : g.args) (a.kind == spec::ArgKind::Param ? params : inputs)++;
  return fmt::format("graph {}: {} input{}, {} param{}, {} node{}, {} output{}", g.name, inputs, inputs == 1 ? "" : "s",
                     params, params == 1 ? "" : "s", g.nodes.size(), g.nodes.size() == 1 ? "" : "s", g.outputs.size(),
                     g.outputs.size() == 1 ? "" : "s");
}

}  // namespace

void add_verify_command(CLI::App& app, int& result) {
  auto* cmd = app.add_subcommand("verify", "Check .vtg graphs: syntax, names, ops, attributes and types");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, "graph files (.vtg, or .json for the JSON form)")->required();
  cmd->callback([files, &result] {
    for (const auto& path : *files) {
      try {
        const spec::GraphData g = load_graph(path);
        const auto diags = spec::verify_graph(g);
        if (!diags.empty()) {
          std::cerr << spec::format_diagnostics(diags, path);
          result = std::max(result, 1);
          continue;
        }
        std::cout << "ok " << path << ": " << summary(g) << "\n";
      } catch (const spec::ParseError& e) {
        std::cerr << e.what() << "\n";
        result = std::max(result, 1);
      }
    }
  });
}

void add_fmt_command(CLI::App& app, int& result) {
  auto* cmd = app.add_subcommand("fmt", "Print a graph in canonical .vtg form (or as JSON)");
  auto path = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("file", *path, "graph file (.vtg or .json)")->required();
  cmd->add_flag("--json", *as_json, "print the JSON interchange form instead");
  cmd->callback([path, as_json, &result] {
    try {
      const spec::GraphData g = load_graph(*path);
      const auto diags = spec::verify_graph(g);
      if (!diags.empty()) {
        std::cerr << spec::format_diagnostics(diags, *path);
        result = 1;
        return;
      }
      std::cout << (*as_json ? spec::to_json(g).dump(2) + "\n" : spec::print_vtg(g));
    } catch (const spec::ParseError& e) {
      std::cerr << e.what() << "\n";
      result = 1;
    }
  });
}

}  // namespace vt::cli
