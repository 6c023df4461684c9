// `veritape ops`: the op table as the code declares it.
#include <fmt/core.h>

#include <memory>

#include "commands.hpp"
#include "vt/runtime/kernel_paths.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::cli {

namespace {
std::string contract_text(const spec::ErrorContract& c) {
  switch (c.kind) {
    case spec::ContractKind::Exact: return "exact";
    case spec::ContractKind::Ulp: return fmt::format("<= {} ulp", c.ulps);
    case spec::ContractKind::Dot: return "gamma_n*sum|t|";
    case spec::ContractKind::Derived: return "derived";
  }
  return "?";
}

// The FastKernels' paths and the sizes around each switch (rt::kernel_paths()).
void print_paths() {
  for (const rt::KernelPath& p : rt::kernel_paths()) {
    std::string sizes;
    for (const std::int64_t s : p.sizes) sizes += fmt::format("{}{}", sizes.empty() ? "" : " ", s);
    fmt::print("{:<30} {}{}\n", p.op, p.path, sizes.empty() ? "" : fmt::format("  [sizes {}]", sizes));
    if (!p.beyond.empty()) fmt::print("{:<30}   beyond the realistic profile: {}\n", "", p.beyond);
  }
}
}  // namespace

void add_ops_command(CLI::App& app, int& result) {
  auto* cmd = app.add_subcommand("ops", "List every op: arity, fragment, error contract, attributes and its forward/VJP math");
  auto paths = std::make_shared<bool>(false);
  cmd->add_flag("--paths", *paths,
                "list the FastKernels' code paths instead, with the sizes at which each kernel switches (what "
                "`veritape check --shapes realistic` aims at)");
  cmd->callback([&result, paths] {
    result = 0;
    if (*paths) return print_paths();
    for (const auto& op : spec::all_ops()) {
      std::string attrs;
      for (const auto& a : op.attrs)
        attrs += fmt::format("{}{}: {}{}{}", attrs.empty() ? "" : ", ", a.name, spec::to_string(a.kind), a.or_list ? " | float list" : "", a.required ? "" : "?");
      const std::string arity = op.min_arity == op.max_arity ? std::to_string(op.min_arity)
                                                             : fmt::format("{}-{}", op.min_arity, op.max_arity);
      fmt::print("{:<14} arity {:<4} {:<15} {:<13} {{{}}}\n    {}\n", op.name, arity,
                 op.fragment == spec::Fragment::Rational ? "rational" : "transcendental", contract_text(op.contract), attrs,
                 op.math);
    }
    result = 0;
  });
}

}  // namespace vt::cli
