// `veritape check`: the property suites (proptests/) from the command line.
#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "vt/cuda/gpu.hpp"
#include "vt/proptests/mutation_campaign.hpp"
#include "vt/proptests/properties.hpp"
#include "vt/proptests/torch_differential.hpp"
#include "vt/runtime/kernel_paths.hpp"

namespace vt::cli {
namespace {

struct CheckOptions {
  std::string suite = "all";
  int cases = 500;
  std::uint64_t seed = 1;
  bool json = false;
  bool strict = false;
  std::string shapes = "small";
  std::string backend = "all";
  std::string reproducers;  // --backend torch: where violations are written
  std::vector<std::string> ops;
  proptests::Shapes profile() const { return shapes == "realistic" ? proptests::Shapes::realistic : proptests::Shapes::small; }
};

double rate(int cases, double seconds) { return seconds > 0 ? cases / seconds : 0; }

nlohmann::json coverage_json(const proptests::PropertyOutcome& r) {
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& [op, c] : r.coverage.ops)
    ops[op] = {{"nodes", c.nodes},
               {"decided", c.decided},
               {"undecided", c.undecided},
               {"all_at_kinks", c.all_at_kinks},
               {"kink_elements", c.kink_elements},
               {"conventions_checked", c.conventions_checked}};
  return {{"discarded", r.discarded}, {"discard_reasons", r.coverage.discards}, {"ops", ops}, {"kernel_paths", r.coverage.kernel_paths}};
}

// One line per property that discarded cases or skipped nodes: what it did
// not decide, so that a pass is read for what it covers.
void print_coverage(const proptests::PropertyOutcome& r) {
  std::string line;
  if (r.discarded > 0) {
    line += fmt::format("{} discarded (", r.discarded);
    bool first = true;
    for (const auto& [why, n] : r.coverage.discards) line += fmt::format("{}{} {}", first ? "" : ", ", n, why), first = false;
    line += ")";
  }
  if (const proptests::OpCoverage t = r.coverage.total(); t.nodes > 0) {
    line += fmt::format("{}nodes decided {} of {}", line.empty() ? "" : "; ", t.decided, t.nodes);
    if (t.undecided > 0) line += fmt::format(", undecided {}", t.undecided);
    if (t.all_at_kinks > 0) line += fmt::format(", wholly at kinks {}", t.all_at_kinks);
    if (t.kink_elements > 0) line += fmt::format("; kink elements {} ({} checked against the convention)", t.kink_elements, t.conventions_checked);
  }
  if (!r.coverage.kernel_paths.empty())
    line += fmt::format("{}FastKernel paths taken {} of {}", line.empty() ? "" : "; ", r.coverage.kernel_paths.size(), rt::kernel_paths().size());
  if (!r.weak.empty()) line += fmt::format("{}WEAK: {}", line.empty() ? "" : "; ", r.weak);
  if (!line.empty()) fmt::print("  {}: {}\n", r.name, line);
}

// The properties --backend selects: every property (CPU and emulated CUDA),
// or the CUDA kernels' properties alone on the emulator or the GPU.
std::vector<proptests::PropertyOutcome> run_selected(const CheckOptions& o) {
  if (o.backend == "all") return proptests::run_suite(o.suite, o.cases, o.seed, o.profile());
  if (o.shapes != "small") throw std::invalid_argument("--shapes realistic applies to the CPU properties; --backend " + o.backend + " has its own boundary shapes");
  const contracts::Runtime runtime = *contracts::parse_runtime(o.backend);
  if (runtime == contracts::Runtime::cuda_gpu)
    if (const cuda::GpuStatus st = cuda::gpu_status(); !st.available) throw std::invalid_argument(st.reason);
  auto outcomes = proptests::run_suite(proptests::cuda_properties(runtime), o.suite, o.cases, o.seed);
  if (outcomes.empty()) throw std::invalid_argument("--backend " + o.backend + " has properties in the contracts and equivalence suites only; --suite " + o.suite + " has none");
  return outcomes;
}

int report_properties(const CheckOptions& o) {
  const auto outcomes = run_selected(o);
  bool all = true, weak = false;
  for (const auto& r : outcomes) all = all && r.passed, weak = weak || !r.weak.empty();
  const int code = !all || (o.strict && weak) ? 1 : 0;
  if (o.json) {
    nlohmann::json j = {{"suite", o.suite}, {"backend", o.backend}, {"shapes", o.shapes}, {"seed", o.seed},   {"cases", o.cases},
                        {"all_passed", all}, {"any_weak", weak}, {"strict", o.strict}, {"properties", nlohmann::json::array()}};
    for (const auto& r : outcomes)
      j["properties"].push_back({{"property", r.name},
                                 {"suite", r.suite},
                                 {"cases", r.cases},
                                 {"passed", r.passed},
                                 {"gave_up", r.gave_up},
                                 {"weak", r.weak},
                                 {"seconds", r.seconds},
                                 {"cases_per_second", rate(r.cases, r.seconds)},
                                 {"distribution", r.distribution},
                                 {"coverage", coverage_json(r)},
                                 {"failure", r.failure},
                                 {"counterexample", r.counterexample}});
    std::cout << j.dump(2) << "\n";
    return code;
  }
  fmt::print("{:<64} {:<12} {:>6} {:>7} {:>9} {:>9}\n", "property", "suite", "cases", "passed", "time s", "cases/s");
  for (const auto& r : outcomes)
    fmt::print("{:<64} {:<12} {:>6} {:>7} {:>9.2f} {:>9.1f}\n", r.name, r.suite, r.cases,
               r.passed ? (r.weak.empty() ? "yes" : "weak") : (r.gave_up ? "gave up" : "NO"), r.seconds, rate(r.cases, r.seconds));
  for (const auto& r : outcomes)
    if (!r.distribution.empty()) fmt::print("  {}: {}\n", r.name, r.distribution);
  for (const auto& r : outcomes) print_coverage(r);
  for (const auto& r : outcomes) {
    if (r.passed) continue;
    fmt::print("\nFAILED: {}\n{}\n", r.name, r.failure);
    if (!r.counterexample.empty()) fmt::print("shrunk counterexample:\n{}", r.counterexample);
    fmt::print("reproduce: veritape check{} --suite {} --shapes {} --cases {} --seed {}\n", o.backend == "all" ? "" : " --backend " + o.backend,
                 r.suite, o.shapes, o.cases, r.seed);
  }
  fmt::print("{}\n", !all ? "some properties FAILED" : weak ? "all properties hold, some WEAK (they decided too little)" : "all properties hold");
  return code;
}

// The kill matrix: every planted bug against every property. Exit 0 only
// when every bug is caught and every property catches at least one.
int report_mutants(const CheckOptions& o) {
  const auto outcomes = proptests::run_mutation_campaign(o.cases, o.seed, /*whole_matrix=*/true);
  const auto props = proptests::campaign_properties();
  const std::vector<int> kills = proptests::bugs_caught_per_property(outcomes);
  int detected = 0;
  for (const auto& m : outcomes) detected += m.detected;
  const int idle = static_cast<int>(std::count(kills.begin(), kills.end(), 0));
  const bool all = detected == static_cast<int>(outcomes.size()) && idle == 0;
  if (o.json) {
    nlohmann::json j = {{"detected", detected}, {"planted", outcomes.size()}, {"properties_catching_none", idle},
                        {"mutants", nlohmann::json::array()}, {"properties", nlohmann::json::array()}};
    for (std::size_t p = 0; p < props.size(); ++p) j["properties"].push_back({{"property", props[p]->name}, {"bugs_caught", kills[p]}});
    for (const auto& m : outcomes) {
      nlohmann::json by = nlohmann::json::array();
      for (std::size_t p = 0; p < m.caught_by.size(); ++p)
        if (m.caught_by[p]) by.push_back(props[p]->name);
      j["mutants"].push_back({{"mutant", spec::mutation::to_string(m.mutant)}, {"detected", m.detected}, {"first", m.property},
                              {"caught_by", by}, {"seconds", m.seconds}});
    }
    std::cout << j.dump(2) << "\n";
    return all ? 0 : 1;
  }
  std::size_t width = std::string_view("planted bug").size();
  for (const auto& m : outcomes) width = std::max(width, spec::mutation::to_string(m.mutant).size());
  fmt::print("{:<{}}", "planted bug", width);
  for (std::size_t p = 0; p < props.size(); ++p) fmt::print(" {:>3}", "P" + std::to_string(p + 1));
  fmt::print("  {:>7}\n", "time s");
  for (const auto& m : outcomes) {
    fmt::print("{:<{}}", spec::mutation::to_string(m.mutant), width);
    for (std::size_t p = 0; p < props.size(); ++p) fmt::print(" {:>3}", p < m.caught_by.size() && m.caught_by[p] ? "x" : ".");
    fmt::print("  {:>7.2f}{}\n", m.seconds, m.detected ? "" : "  NOT DETECTED");
  }
  fmt::print("{:<{}}", "bugs caught", width);
  for (int k : kills) fmt::print(" {:>3}", k);
  fmt::print("\n\n");
  for (std::size_t p = 0; p < props.size(); ++p) fmt::print("P{:<3} {}{}\n", p + 1, props[p]->name, kills[p] == 0 ? "  (catches none of these bugs)" : "");
  fmt::print("\n{} of {} planted bugs detected; {} of {} properties catch at least one\n", detected, outcomes.size(),
             props.size() - static_cast<std::size_t>(idle), props.size());
  return all ? 0 : 1;
}

// --backend torch: PyTorch's own float32/float64 ops against the contracts.
int report_torch(const CheckOptions& o) {
  if (o.shapes != "small") throw std::invalid_argument("--backend torch draws its own shapes (edge values small, and tile boundaries)");
  if (o.suite != "all" && o.suite != "contracts") throw std::invalid_argument("--backend torch runs the contracts suite only");
  for (const std::string& op : o.ops)
    if (!spec::find_op(op)) throw std::invalid_argument("--ops: no op '" + op + "' (veritape ops lists them)");
  bridge::TorchWorker worker(bridge::default_torch_exporter());
  proptests::TorchAuditOptions t;
  t.cases = o.cases, t.seed = o.seed, t.ops = o.ops, t.reproducer_dir = o.reproducers;
  const bool tty = ::isatty(2) != 0;
  if (!o.json && tty) t.progress = [](const std::string& what) { fmt::print(stderr, "\r{:<40}", what); };
  const auto start = std::chrono::steady_clock::now();
  const auto rows = proptests::torch_differential_audit(worker, t);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int violations = 0;
  for (const auto& r : rows) violations += r.violations;
  if (o.json) {
    nlohmann::json j = {{"backend", "torch"}, {"torch", worker.torch_version()}, {"cases", o.cases}, {"seed", o.seed},
                        {"seconds", seconds}, {"violations", violations}, {"ops", nlohmann::json::array()}};
    for (const auto& r : rows)
      j["ops"].push_back({{"op", r.op}, {"cases", r.cases}, {"nodes", r.nodes}, {"worst_forward", r.worst_forward},
                          {"worst_backward", r.worst_backward}, {"violations", r.violations}, {"inconclusive", r.inconclusive},
                          {"torch_refused", r.torch_refused}, {"worst_failure", r.worst_failure}, {"refused_reason", r.refused_reason},
                          {"first_inconclusive", r.first_inconclusive}});
    std::cout << j.dump(2) << "\n";
    return violations > 0 ? 1 : 0;
  }
  if (!o.json && tty) fmt::print(stderr, "\r{:<40}\r", "");
  fmt::print("PyTorch {} (cpu) against veritape's contracts: {} cases per op, dtype and shape profile, seed {} ({:.1f} s)\n",
             worker.torch_version(), o.cases, o.seed, seconds);
  fmt::print("{:<30} {:>6} {:>6} {:>13} {:>13} {:>10} {:>12}  {}\n", "op", "cases", "nodes", "fwd err/bound", "bwd err/bound", "violations",
             "inconclusive", "note");
  for (const auto& r : rows)
    fmt::print("{:<30} {:>6} {:>6} {:>13.3g} {:>13.3g} {:>10} {:>12}  {}\n", r.op, r.cases, r.nodes, r.worst_forward, r.worst_backward, r.violations,
               r.inconclusive,
               r.torch_refused > 0 ? fmt::format("torch refused {} cases: {}", r.torch_refused, r.refused_reason.substr(0, 90)) : "");
  for (const auto& r : rows)
    if (r.violations > 0) fmt::print("\n{}: {} violation(s); the worst: {}\n", r.op, r.violations, r.worst_failure);
  for (const auto& r : rows)
    if (r.inconclusive > 0) fmt::print("\n{}: {} row(s) undecided; the first: {}\n", r.op, r.inconclusive, r.first_inconclusive);
  fmt::print("{}\n", violations > 0 ? "PyTorch exceeds veritape's contracts at some ops" : "PyTorch meets veritape's contracts at every op audited");
  return violations > 0 ? 1 : 0;
}

}  // namespace

void add_check_command(CLI::App& app, int& result) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check",
                                 "Run the property suites on random graphs: compiled == eager, per-node and whole-graph gradient "
                                 "soundness, runtime error contracts against the exact reference, format round trips. "
                                 "--suite mutants plants each known bug in turn and shows the suites catch it.\n"
                                 "Exit 0: every property holds; 1: one failed (its shrunk counterexample and seed are printed), or with --strict "
                                 "one decided too little; 2: bad usage.");
  cmd->add_option("--suite", o->suite, "all | soundness | equivalence | contracts | roundtrip | mutants")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "soundness", "equivalence", "contracts", "roundtrip", "mutants"}));
  cmd->add_option("--cases", o->cases, "cases per property")->capture_default_str()->check(CLI::Range(1, 100000000));
  cmd->add_option("--seed", o->seed, "RapidCheck seed (the same seed replays the same cases)")
      ->capture_default_str()
      ->check(non_negative_integer());
  cmd->add_option("--shapes", o->shapes,
                  "small: dimensions up to 4, every property; realistic: dimensions up to 256 around the sizes where the "
                  "FastKernels switch paths (veritape ops --paths), for the properties that depend on sizes")
      ->capture_default_str()
      ->check(CLI::IsMember({"small", "realistic"}));
  cmd->add_option("--backend", o->backend,
                  "all: every property (the CPU runtime, and the CUDA kernels under the host emulator); cuda-emulated: the CUDA "
                  "kernels' properties alone, under the emulator; cuda: the same on the GPU (exit 2 if there is none); torch: "
                  "PyTorch's own ops (through python3 -m veritape_torch worker) against the contracts, float32 and float64, edge "
                  "values and tile-boundary shapes (--cases per op, dtype and profile)")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "cuda-emulated", "cuda", "torch"}));
  cmd->add_option("--ops", o->ops, "--backend torch: only these ops (comma-separated)")->delimiter(',');
  cmd->add_option("--reproducers", o->reproducers,
                  "--backend torch: write each op's worst violation to this folder as OP.vtg and OP.json (torch's values), "
                  "for `veritape audit OP.vtg --inputs OP.json`");
  cmd->add_flag("--json", o->json, "print the results as JSON");
  cmd->add_flag("--strict", o->strict,
                "exit 1 also when a property is weak: more discarded cases than passed ones, or an op (20+ occurrences) "
                "decided at under half of its nodes");
  cmd->callback([o, &result] {
    try {
      if (o->suite == "mutants" && o->backend != "all")
        throw std::invalid_argument("--suite mutants runs every property, CPU and emulated CUDA, against every planted bug: use --backend all");
      if (o->backend != "torch" && (!o->ops.empty() || !o->reproducers.empty()))
        throw std::invalid_argument("--ops and --reproducers apply to --backend torch");
      result = o->suite == "mutants" ? report_mutants(*o) : o->backend == "torch" ? report_torch(*o) : report_properties(*o);
    } catch (const std::exception& e) {
      std::cerr << "veritape check: " << e.what() << "\n";
      result = 2;
    }
  });
}

}  // namespace vt::cli
