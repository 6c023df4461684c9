// `veritape ops`: the op table as the code declares it.
#include <fmt/core.h>

#include "commands.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::cli {

void add_ops_command(CLI::App& app, int& result) {
  auto* cmd = app.add_subcommand("ops", "List every op: arity, attributes, fragment and its forward/VJP math");
  cmd->callback([&result] {
    for (const auto& op : spec::all_ops()) {
      std::string attrs;
      for (const auto& a : op.attrs)
        attrs += fmt::format("{}{}: {}{}", attrs.empty() ? "" : ", ", a.name, spec::to_string(a.kind), a.required ? "" : "?");
      const std::string arity = op.min_arity == op.max_arity ? std::to_string(op.min_arity)
                                                             : fmt::format("{}-{}", op.min_arity, op.max_arity);
      fmt::print("{:<14} arity {:<4} {:<15} {{{}}}\n    {}\n", op.name, arity,
                 op.fragment == spec::Fragment::Rational ? "rational" : "transcendental", attrs, op.math);
    }
    result = 0;
  });
}

}  // namespace vt::cli
