// `veritape prove`: the Z3 theorems about the op table (contracts/proofs.hpp).
#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "vt/contracts/proofs.hpp"

namespace vt::cli {

namespace {

struct ProveOptions {
  std::string op, kind, fragment;
  unsigned timeout_ms = 10000;
  double budget_s = 30;
  bool json = false, quick = false, full = false, mutants = false;
};

int run_mutants(const ProveOptions& o) {
  const auto rows = contracts::prove_mutants(o.timeout_ms);
  int caught = 0;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rows) {
    caught += r.caught && r.confirmed;
    if (o.json) {
      j.push_back({{"mutant", r.planted.mutant}, {"op", r.planted.op}, {"caught", r.caught}, {"confirmed", r.confirmed},
                   {"seconds", r.seconds}, {"theorem", r.theorem}});
      continue;
    }
    fmt::print("{:<36} {:<30} {:<10} {:6.2f} s\n", r.planted.mutant, r.planted.op,
               r.caught ? (r.confirmed ? "caught" : "caught*") : "MISSED", r.seconds);
    if (r.caught) fmt::print("    {}\n", r.theorem.substr(0, 400));
  }
  const bool all = caught == static_cast<int>(rows.size());
  if (o.json)
    fmt::print("{}\n", nlohmann::json{{"caught", caught}, {"planted", rows.size()}, {"mutants", j}}.dump(2));
  else
    fmt::print("{} of {} planted bugs answered with a counterexample confirmed by exact replay{}\n", caught, rows.size(),
               all ? "" : " (caught* = counterexample not confirmed by replay)");
  return all ? 0 : 1;
}

int run(const ProveOptions& o) {
  if (o.mutants) return run_mutants(o);
  contracts::ProofOptions po;
  if (!o.op.empty()) po.op = o.op;
  if (!o.kind.empty()) po.kind = o.kind;
  if (!o.fragment.empty()) po.fragment = o.fragment;
  po.timeout_ms = o.timeout_ms;
  po.theorem_budget_s = o.budget_s;
  po.quick = o.quick;
  po.full = o.full;
  const auto theorems = contracts::run_proofs(po);
  int proved = 0;
  double total = 0;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& t : theorems) {
    proved += t.result == contracts::ProofResult::proved;
    total += t.seconds;
    if (o.json) {
      j.push_back({{"op", t.op}, {"kind", t.kind}, {"property", t.property}, {"family", t.family},
                   {"result", contracts::to_string(t.result)}, {"seconds", t.seconds}, {"cases", t.cases},
                   {"paths", t.paths}, {"detail", t.detail}, {"replay_confirmed", t.replay_confirmed}});
      continue;
    }
    fmt::print("{:<28} {:<10} {:<14} {:8.3f} s  {:>5} cases {:>6} paths\n    {}\n    for {}\n", t.op, t.kind,
               contracts::to_string(t.result), t.seconds, t.cases, t.paths, t.property, t.family);
    if (!t.detail.empty()) fmt::print("    {}\n", t.detail);
  }
  const bool all = proved == static_cast<int>(theorems.size());
  if (o.json)
    fmt::print("{}\n", nlohmann::json{{"proved", proved}, {"theorems", theorems.size()}, {"seconds", total}, {"all_proved", all},
                                      {"table", j}}.dump(2));
  else
    fmt::print("{} of {} theorems proved in {:.1f} s{}\n", proved, theorems.size(), total, all ? "" : " (see above)");
  return all ? 0 : 1;
}

}  // namespace

void add_prove_command(CLI::App& app, int& result) {
  auto* cmd = app.add_subcommand("prove",
                                 "Prove with Z3: every op's backward rule sound at bounded shapes, the conventions at kinks "
                                 "and ties, and the index maps in bounds for all shapes below stated limits");
  auto o = std::make_shared<ProveOptions>();
  cmd->add_option("--op", o->op, "only theorems about this op or index map");
  cmd->add_option("--kind", o->kind, "only this kind of theorem")->check(CLI::IsMember({"soundness", "convention", "index"}));
  cmd->add_option("--fragment", o->fragment, "only soundness theorems of ops of this fragment")
      ->check(CLI::IsMember({"rational", "transcendental"}));
  cmd->add_option("--timeout-ms", o->timeout_ms, "solver time limit per query (an exceeded limit gives 'unknown', never 'proved')")
      ->check(CLI::Range(1u, 3600000u));
  cmd->add_option("--theorem-budget-s", o->budget_s,
                  "stop a soundness theorem still running after this many seconds and report it unknown (default 30)")
      ->check(CLI::Range(0.0, 1e6));
  auto* quick = cmd->add_flag("--quick", o->quick, "smaller shape families (rank <= 2, dims <= 2): the CTest subset");
  cmd->add_flag("--full", o->full, "larger shape families (rank <= 3, dims <= 3; the default is dims <= 2)")->excludes(quick);
  cmd->add_flag("--mutants", o->mutants,
                "plant each in-scope bug of `check --suite mutants` in turn and require a counterexample for each");
  cmd->add_flag("--json", o->json, "print the table as JSON");
  cmd->callback([&result, o] {
    try {
      result = run(*o);
    } catch (const std::exception& e) {
      fmt::print(stderr, "veritape prove: {}\n", e.what());
      result = 2;
    }
  });
}

}  // namespace vt::cli
