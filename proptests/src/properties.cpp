#include "vt/proptests/properties.hpp"

#include <chrono>
#include <iostream>
#include <rapidcheck.h>
#include <sstream>
#include <stdexcept>

#include "coverage_sink.hpp"
#include "kernel_boundary_gen.hpp"
#include "vt/contracts/runtime_contracts.hpp"
#include "vt/cuda/emulator.hpp"
#include "vt/proptests/engines.hpp"
#include "vt/proptests/schedule_property.hpp"
#include "vt/proptests/graph_gen.hpp"
#include "vt/proptests/node_checks.hpp"
#include "vt/proptests/optimizer_property.hpp"
#include "vt/spec/json_format.hpp"
#include "vt/spec/text_format.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::proptests {
namespace {

void fail_if(const std::string& failure) {
  if (!failure.empty()) RC_FAIL(failure);
}

// A case of profile o. With realistic shapes, half the cases use one
// FastKernel op only (so that each op's size-dependent paths come up often
// at small case counts), and the kernel paths its nodes take are counted.
GraphCase draw(GenOptions o) {
  if (o.favored_dims.empty()) return *gen_graph_case(o);
  if (*rc::gen::arbitrary<bool>()) o.ops = {*rc::gen::elementOf(o.ops)};
  GraphCase c = *gen_graph_case(o);
  record_kernel_paths(c.graph, case_coverage());
  return c;
}

template <class S>
void compiled_equals_eager(GenOptions o, bool fast) {
  const GraphCase c = draw(o);
  fail_if(first_difference(run_compiled<S>(c, fast), run_eager<S>(c, fast), c.graph));
}

void linked_equals_eager(GenOptions o) {
  const GraphCase c = draw(o);
  GraphCase second = c;
  second.args = perturbed_args(c);
  fail_if(first_difference(run_linked_second<float>(c, second.args), run_eager<float>(second, true), c.graph));
}

// Session::detach on a random node other than the loss: the same as the
// graph with that node made an input of its value.
void detach_equals_cut_graph() {
  const GraphCase c = *gen_graph_case(GenOptions::f32());
  std::vector<std::size_t> nodes;
  for (std::size_t n = 0; n < c.graph.nodes.size(); ++n)
    if (spec::is_float(c.graph.nodes[n].type.dtype) && c.graph.nodes[n].name != c.graph.outputs[0].name) nodes.push_back(n);
  if (nodes.empty()) RC_DISCARD("no node besides the loss to detach");
  fail_if(detach_equals_cut(c, nodes[*rc::gen::inRange<std::size_t>(0, nodes.size())]));
}

// Per op, how the audit's nodes were judged: decided (met or violated) or
// undecided; backward kernels count under "<op> (backward)".
void record_audit(const ref::AuditReport& r) {
  Coverage* cov = case_coverage();
  if (!cov) return;
  for (const ref::NodeAudit& n : r.nodes) {
    if (n.op.empty()) continue;  // the end-to-end and whole-backward rows
    OpCoverage& o = cov->ops[n.node.ends_with("(backward)") ? n.op + " (backward)" : n.op];
    ++o.nodes;
    ++(n.verdict == ref::NodeVerdict::Inconclusive || n.verdict == ref::NodeVerdict::NotAudited ? o.undecided : o.decided);
  }
}

// f(), with the emulator's findings reported as a failed claim (not as an
// exception, which the mutation campaign would count as a crash).
template <class F>
decltype(auto) faults_fail(F&& f) {
  try {
    return f();
  } catch (const cuda::KernelFault& e) {
    RC_FAIL(std::string("the CUDA emulator found the kernels at fault: ") + e.what());
  }
}

void audit_meets_contracts(const GraphCase& c, contracts::Runtime runtime) {
  const ref::AuditReport r = faults_fail([&] { return contracts::audit_runtime(c.graph, c.args, runtime); });
  record_audit(r);
  bool violated = false;
  for (const auto& n : r.nodes) violated = violated || n.verdict == ref::NodeVerdict::Violated;
  for (const auto& gr : r.gradients) violated = violated || gr.verdict == ref::NodeVerdict::Violated;
  // Undecidable comparisons (a tie of two enclosures) are the reference's
  // limit, not a runtime error: such cases are discarded, and counted.
  if (!violated && !r.all_met()) RC_DISCARD("the exact reference could not decide (inconclusive)");
  if (!r.all_met()) RC_FAIL("not within contract: " + (r.first_violation.empty() ? std::string("a gradient") : r.first_violation) + "\n" + ref::format_table(r));
}

void runtime_meets_contracts(GenOptions o, bool fast) {
  audit_meets_contracts(draw(o), fast ? contracts::Runtime::fast_kernels : contracts::Runtime::generic_kernels);
}

// The CUDA kernels under the emulator at launch-boundary sizes against the
// op table's generic code on the same inputs: bitwise, but for the long full
// reductions the kernels sum as a tree (within twice the dot contract). A
// kernel the emulator finds at fault fails the case with its findings.
void cuda_equals_generic_at_boundaries() {
  const bool f32 = *rc::gen::arbitrary<bool>();
  const bool atomic = *rc::gen::arbitrary<bool>();
  const GraphCase c = draw_kernel_boundary_case(f32 ? spec::DType::f32 : spec::DType::f64, true);
  const auto mode = atomic ? cuda::Accumulate::atomic : cuda::Accumulate::deterministic;
  fail_if(faults_fail([&] {
    return f32 ? cuda_difference(c, run_cuda_emulated<float>(c, mode), run_compiled<float>(c, false))
               : cuda_difference(c, run_cuda_emulated<double>(c, mode), run_compiled<double>(c, false));
  }));
}

// The CUDA kernels' properties on one CUDA runtime (the emulator, or a GPU):
// random graphs (ops without kernels run on the host, the rest on kernels)
// and single-op graphs at launch- and tile-boundary sizes, against the exact
// reference; and, under the emulator, at those sizes (and past 2^15
// elements) against the generic kernels.
std::vector<PropertyDef> make_cuda_properties(contracts::Runtime runtime) {
  using R = contracts::Runtime;
  const bool gpu = runtime == R::cuda_gpu;
  const std::string where = gpu ? "GPU" : "emulated";
  const R atomic = gpu ? R::cuda_gpu : R::cuda_emulated_atomic;
  std::vector<PropertyDef> props{
      {"CUDA kernels within contracts (f32, " + where + ")", "contracts", [runtime] { audit_meets_contracts(draw(GenOptions::f32()), runtime); }},
      {"CUDA kernels within contracts (f64, " + where + (gpu ? ")" : ", atomic accumulation)"), "contracts",
       [atomic] { audit_meets_contracts(draw({}), atomic); }},
      {"CUDA kernels at launch-boundary sizes within contracts (" + where + ")", "contracts",
       [runtime, atomic] {
         const bool f32 = *rc::gen::arbitrary<bool>();
         audit_meets_contracts(draw_kernel_boundary_case(f32 ? spec::DType::f32 : spec::DType::f64, false), f32 ? runtime : atomic);
       },
       /*costly=*/true},
  };
  if (!gpu)
    props.push_back({"CUDA kernels == generic kernels at launch-boundary sizes (emulated)", "equivalence", cuda_equals_generic_at_boundaries,
                     /*costly=*/true});
  return props;
}


void text_and_json_round_trip() {
  const GraphCase c = *gen_graph_case();
  const std::string text = spec::print_vtg(c.graph);
  if (!(spec::parse_vtg(text, "generated.vtg") == c.graph)) RC_FAIL("print_vtg then parse_vtg changed the graph");
  if (!(spec::from_json(spec::to_json(c.graph)) == c.graph)) RC_FAIL("the JSON round trip changed the graph");
  const auto diags = spec::verify_graph(c.graph);
  if (!diags.empty()) RC_FAIL("the verifier rejects a well-typed graph: " + diags.front().message);
}

void verifier_names_the_broken_node() {
  const IllTypedCase c = *gen_ill_typed();
  const auto diags = spec::verify_graph(c.graph);
  if (diags.empty()) RC_FAIL("the verifier accepts a graph broken at %" + c.bad_node);
  if (!names_value(diags.front().message, c.bad_node))
    RC_FAIL("the first diagnostic does not name %" + c.bad_node + ": " + diags.front().message);
}

// The properties whose claims depend on sizes, on GenOptions::realistic():
// dimensions up to 256 and the sizes where the FastKernels switch paths.
std::vector<PropertyDef> make_realistic_properties() {
  const std::string tag = " [realistic shapes]";
  // Built once (from the kernel path table), not per case.
  const GenOptions f32 = GenOptions::realistic(), f64 = GenOptions::realistic(spec::DType::f64);
  return {
      {"compiled == eager (f32, FastKernels)" + tag, "equivalence", [f32] { compiled_equals_eager<float>(f32, true); }},
      {"LinkedSession == eager Session" + tag, "equivalence", [f32] { linked_equals_eager(f32); }},
      {"runtime within contracts (f32, FastKernels)" + tag, "contracts", [f32] { runtime_meets_contracts(f32, true); }},
      {"runtime within contracts (f64, FastKernels)" + tag, "contracts", [f64] { runtime_meets_contracts(f64, true); }},
  };
}

std::vector<PropertyDef> make_properties() {
  std::vector<PropertyDef> props{
      {"compiled == eager (f32, FastKernels)", "equivalence", [] { compiled_equals_eager<float>(GenOptions::f32(), true); }},
      {"compiled == eager (f64, FastKernels)", "equivalence", [] { compiled_equals_eager<double>({}, true); }},
      {"compiled == eager (f32, generic kernels)", "equivalence", [] { compiled_equals_eager<float>(GenOptions::f32(), false); }},
      {"compiled == eager (f64, generic kernels)", "equivalence", [] { compiled_equals_eager<double>({}, false); }},
      {"exact reference: compiled == eager", "equivalence", [] {
         const GraphCase c = *gen_graph_case();
         std::string difference;
         try {
           difference = reference_compiled_vs_eager(c);
         } catch (const spec::DomainError& e) {
           if (!e.inconclusive) throw;
           RC_DISCARD("the exact reference could not decide (inconclusive)");  // the same on both paths
         }
         fail_if(difference);
       }},
      {"LinkedSession == eager Session", "equivalence", [] { linked_equals_eager(GenOptions::f32()); }},
      {"Session detach == graph cut there", "equivalence", detach_equals_cut_graph},
      {"per-node soundness", "soundness", [] {
         const GraphCase c = *gen_graph_case();
         fail_if(per_node_soundness(c, *rc::gen::arbitrary<std::uint64_t>(), case_coverage()));
       }},
      {"graph gradient == directional derivative (exact)", "soundness", [] {
         const GraphCase c = *gen_graph_case(GenOptions::rational());
         bool skipped = false;
         fail_if(graph_gradient_soundness(c, *rc::gen::arbitrary<std::uint64_t>(), &skipped));
         if (skipped) RC_DISCARD("an input at a kink: the directional derivative is one-sided there");
       }},
      {"runtime within contracts (f32, FastKernels)", "contracts", [] { runtime_meets_contracts(GenOptions::f32(), true); }},
      {"runtime within contracts (f64, FastKernels)", "contracts", [] { runtime_meets_contracts({}, true); }},
      {"runtime within contracts (f32, generic kernels)", "contracts", [] { runtime_meets_contracts(GenOptions::f32(), false); }},
      {"runtime within contracts (f64, generic kernels)", "contracts", [] { runtime_meets_contracts({}, false); }},
      {"optimizer steps within contracts", "contracts", [] { fail_if(check_random_optimizer_steps()); }},
      {"optimizer rules == torch's algorithms (exact)", "contracts", [] { fail_if(check_rules_against_torch_algorithms()); }},
      {"LR schedules == torch's schedulers", "contracts", [] { fail_if(check_random_schedule()); }},
      {"text and JSON round trips", "roundtrip", text_and_json_round_trip},
      {"verifier names the broken node", "roundtrip", verifier_names_the_broken_node},
  };
  // Last, so that a CPU bug is credited to the CPU property designed for it.
  for (PropertyDef& p : make_cuda_properties(contracts::Runtime::cuda_emulated)) props.push_back(std::move(p));
  return props;
}

// RC_DISCARD's description is "file:line:\nRC_DISCARD(...)\n\nmessage": the message.
std::string discard_reason(const std::string& description) {
  const std::size_t end = description.find_last_not_of("\n ");
  if (end == std::string::npos) return "no reason given";
  const std::size_t newline = description.find_last_of('\n', end);
  const std::size_t start = newline == std::string::npos ? 0 : newline + 1;
  return description.substr(start, end + 1 - start);
}

// RapidCheck's default listener prints its own configuration and, at exit,
// an RC_PARAMS line; `veritape check` reports results and seeds itself.
// It also gathers coverage: what each case recorded (into `scratch`, the
// case_coverage() of the run) joins the totals when the case finishes, and
// discarded cases are counted by their reason; shrinking runs add nothing.
class QuietListener final : public rc::detail::TestListener {
 public:
  explicit QuietListener(Coverage& scratch) : scratch_(scratch) {}
  void onTestCaseFinished(const rc::detail::CaseDescription& d) override {
    if (d.result.type == rc::detail::CaseResult::Type::Discard) ++scratch_.discards[discard_reason(d.result.description)];
    total.merge(scratch_);
    scratch_ = {};
  }
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override { scratch_ = {}; }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
  Coverage total;

 private:
  Coverage& scratch_;
};

// RapidCheck loads a global configuration on first use and prints the
// random seed it drew; every seed here is explicit, so that line would only
// mislead. Load it once with stderr muted.
void quiet_global_configuration() {
  static const bool once = [] {
    std::ostringstream sink;
    std::streambuf* saved = std::cerr.rdbuf(sink.rdbuf());
    (void)rc::detail::configuration();
    std::cerr.rdbuf(saved);
    return true;
  }();
  (void)once;
}

std::string shown(const rc::detail::Example& ex) {
  std::string s;
  for (const auto& [type, value] : ex) s += value + "\n";
  return s;
}

}  // namespace

const std::vector<PropertyDef>& all_properties(Shapes shapes) {
  static const std::vector<PropertyDef> small = make_properties(), realistic = make_realistic_properties();
  return shapes == Shapes::realistic ? realistic : small;
}

const std::vector<std::string>& suite_names() {
  static const std::vector<std::string> names{"soundness", "equivalence", "contracts", "roundtrip"};
  return names;
}

PropertyOutcome run_property(const PropertyDef& p, int cases, std::uint64_t seed, bool shrink) {
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  params.maxSize = 100;
  params.maxDiscardRatio = 10;
  params.disableShrinking = !shrink;
  PropertyOutcome o;
  o.name = p.name, o.suite = p.suite, o.seed = seed;
  const auto t0 = std::chrono::steady_clock::now();
  quiet_global_configuration();
  Coverage scratch;
  const CoverageSink sink(scratch);
  QuietListener quiet(scratch);
  const rc::detail::TestResult r =
      rc::detail::checkProperty(rc::detail::toProperty(p.body), rc::detail::TestMetadata{p.name, p.name}, params, quiet);
  o.coverage = std::move(quiet.total);
  for (const auto& [why, n] : o.coverage.discards) o.discarded += n;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rc::detail::SuccessResult ok;
  rc::detail::FailureResult failure;
  rc::detail::GaveUpResult gave_up;
  rc::detail::Error error;
  if (r.match(ok)) {
    o.passed = true, o.cases = ok.numSuccess;
    for (const auto& [tags, count] : ok.distribution) {
      if (tags.empty()) continue;
      o.distribution += (o.distribution.empty() ? "" : ", ") + tags.front() + " " + std::to_string(count);
    }
  }
  else if (r.match(failure)) o.cases = failure.numSuccess, o.failure = failure.description, o.counterexample = shown(failure.counterExample);
  else if (r.match(gave_up)) o.gave_up = true, o.cases = gave_up.numSuccess, o.failure = "gave up: " + gave_up.description;
  else if (r.match(error)) o.failure = "error: " + error.description;
  if (o.passed) o.weak = weakness(o.coverage, o.cases);
  return o;
}

const std::vector<PropertyDef>& cuda_properties(contracts::Runtime runtime) {
  static const std::vector<PropertyDef> emulated = make_cuda_properties(contracts::Runtime::cuda_emulated),
                                        gpu = make_cuda_properties(contracts::Runtime::cuda_gpu);
  if (runtime == contracts::Runtime::cuda_gpu) return gpu;
  if (runtime == contracts::Runtime::cuda_emulated) return emulated;
  throw std::invalid_argument("cuda_properties: '" + std::string(contracts::runtime_name(runtime)) + "' is not a CUDA runtime");
}

std::vector<PropertyOutcome> run_suite(std::string_view suite, int cases, std::uint64_t seed, Shapes shapes) {
  return run_suite(all_properties(shapes), suite, cases, seed);
}

std::vector<PropertyOutcome> run_suite(const std::vector<PropertyDef>& properties, std::string_view suite, int cases, std::uint64_t seed) {
  bool known = suite == "all";
  for (const auto& s : suite_names()) known = known || s == suite;
  if (!known) throw std::invalid_argument("unknown suite '" + std::string(suite) + "' (all, soundness, equivalence, contracts, roundtrip)");
  std::vector<PropertyOutcome> out;
  for (const PropertyDef& p : properties)
    if (suite == "all" || p.suite == suite) out.push_back(run_property(p, cases, seed));
  return out;
}

}  // namespace vt::proptests
