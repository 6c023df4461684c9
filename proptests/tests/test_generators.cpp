// labels: property
#define BOOST_TEST_MODULE proptests_generators
#include <rapidcheck/boost_test.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "vt/proptests/graph_gen.hpp"
#include "vt/spec/op_table.hpp"
#include "vt/spec/text_format.hpp"
#include "vt/spec/verifier.hpp"

using namespace vt;
using vt::proptests::GenOptions;
using vt::proptests::GraphCase;
using vt::proptests::IllTypedCase;

namespace {

GenOptions sized(int nodes, int rank, int dim) {
  GenOptions o;
  o.max_nodes = nodes;
  o.max_rank = rank;
  o.max_dim = dim;
  return o;
}

// Picked by index inside properties, so a counterexample shows which.
GenOptions some_options(int which) {
  GenOptions o;
  switch (which) {
    case 0: break;
    case 1: o = GenOptions::f32(); break;
    case 2: o = GenOptions::rational(); break;
    case 3: o = sized(0, 0, 1); break;
    case 4: o = sized(3, 1, 2), o.dtype = spec::DType::f32; break;
    case 5: o = sized(25, 4, 5), o.edge_values = false; break;
    default: o = sized(12, 2, 3), o.rational_only = true, o.edge_values = false;
  }
  return o;
}
constexpr int kSomeOptions = 7;

// Draws a value outside any property: the seed and size fix it.
template <class T>
T sample(const rc::Gen<T>& g, std::uint64_t seed, int size) {
  return g(rc::Random(seed), size).value();
}

// Runs a property `n` times with a fixed seed; fails the Boost test with
// RapidCheck's report (the shrunk counterexample) when it fails.
template <class Prop>
void check_n(int n, Prop&& prop, std::uint64_t seed = 0x5eed) {
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = n;
  const auto result = rc::detail::checkTestable(std::forward<Prop>(prop), rc::detail::TestMetadata{}, params);
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  BOOST_TEST(result.template is<rc::detail::SuccessResult>(), os.str());
}

// Bounds of the i64 arguments, from the op that reads them: the class count
// of a cross_entropy, x's size along axis for gather / scatter_add, the rows
// of an embedding's weight.
std::map<std::string, std::int64_t> classes_of(const spec::GraphData& g) {
  std::map<std::string, spec::TensorType> types;
  for (const auto& a : g.args) types[a.name] = a.type;
  for (const auto& n : g.nodes) types[n.name] = n.type;
  std::map<std::string, std::int64_t> out;
  for (const auto& n : g.nodes) {
    if (n.inputs.size() < 2) continue;
    const spec::Shape& x = types.at(n.inputs[0].name).shape;
    if (n.op == "cross_entropy") out[n.inputs[1].name] = x[1];
    if (n.op == "embedding") out[n.inputs[1].name] = x[0];
    if (n.op == "gather" || n.op == "scatter_add")
      out[n.inputs[1].name] = x[spec::normalize_axis(n.attrs.get_int("axis"), x.rank())];
  }
  return out;
}

void check_case(const GraphCase& c, const GenOptions& o) {
  const auto& g = c.graph;
  RC_ASSERT(spec::verify_graph(g).empty());
  RC_ASSERT(g.outputs.size() == 1u);
  const spec::Node& loss = g.nodes.back();
  RC_ASSERT(loss.name == g.outputs[0].name);
  RC_ASSERT(loss.type == (spec::TensorType{o.dtype, spec::Shape{}}));
  RC_ASSERT(static_cast<int>(g.nodes.size()) - 1 <= o.max_nodes);
  bool param = false;
  // Image ops take NCHW (rank 4) operands whatever max_rank says; values
  // and targets of their results are then rank 4 too.
  bool images = false;
  for (const auto& n : g.nodes) images = images || n.op == "conv2d" || n.op == "max_pool2d" || n.op == "avg_pool2d";
  const std::size_t max_rank = static_cast<std::size_t>(images ? std::max(o.max_rank, 4) : o.max_rank);
  for (const auto& a : g.args) {
    param = param || a.kind == spec::ArgKind::Param;
    RC_ASSERT(a.type.shape.rank() <= max_rank);
    for (auto d : a.type.shape.dims()) RC_ASSERT(d >= 1 && d <= o.max_dim);
    if (is_float(a.type.dtype)) RC_ASSERT(a.type.dtype == o.dtype);
  }
  RC_ASSERT(param);
}

void check_args(const GraphCase& c, const GenOptions& o) {
  const auto classes = classes_of(c.graph);
  RC_ASSERT(c.args.size() == c.graph.args.size());
  for (const auto& a : c.graph.args) {
    const auto it = c.args.find(a.name);
    RC_ASSERT(it != c.args.end());
    RC_ASSERT(static_cast<std::int64_t>(it->second.size()) == a.type.shape.numel());
    for (double v : it->second) {
      RC_ASSERT(std::isfinite(v));
      RC_ASSERT(std::fabs(v) <= 1e4);
      if (a.type.dtype == spec::DType::f32) RC_ASSERT(static_cast<double>(static_cast<float>(v)) == v);
      if (a.type.dtype == spec::DType::i64) {
        RC_ASSERT(v == std::floor(v));
        RC_ASSERT(v >= 0 && v < static_cast<double>(classes.at(a.name)));
      } else if (o.rational_only) {
        RC_ASSERT(v * 8 == std::floor(v * 8));
        RC_ASSERT(std::fabs(v * 8) <= 32);
      }
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(well_typed)

RC_BOOST_PROP(every_case_verifies_f64, ()) { check_case(*proptests::gen_graph_case(), GenOptions{}); }
RC_BOOST_PROP(every_case_verifies_f32, ()) { check_case(*proptests::gen_graph_case(GenOptions::f32()), GenOptions::f32()); }
RC_BOOST_PROP(every_case_verifies_rational, ()) {
  const auto c = *proptests::gen_graph_case(GenOptions::rational());
  check_case(c, GenOptions::rational());
  for (const auto& n : c.graph.nodes) RC_ASSERT(spec::find_op(n.op)->fragment == spec::Fragment::Rational);
}

RC_BOOST_PROP(every_case_verifies_odd_options, ()) {
  const auto o = some_options(*rc::gen::inRange(0, kSomeOptions));
  const auto c = *proptests::gen_graph_case(o);
  check_case(c, o);
  check_args(c, o);
}

RC_BOOST_PROP(text_round_trip, ()) {
  const auto o = some_options(*rc::gen::inRange(0, kSomeOptions));
  const auto c = *proptests::gen_graph_case(o);
  const std::string text = spec::print_vtg(c.graph);
  RC_ASSERT(spec::parse_vtg(text) == c.graph);
  RC_ASSERT(spec::print_vtg(spec::parse_vtg(text)) == text);
}

RC_BOOST_PROP(args_complete_and_representable, ()) {
  const auto o = some_options(*rc::gen::inRange(0, kSomeOptions));
  check_args(*proptests::gen_graph_case(o), o);
}

// The inputs JSON reads back (as `veritape audit --inputs` reads it) to the same doubles.
RC_BOOST_PROP(inputs_json_round_trip, ()) {
  const auto c = *proptests::gen_graph_case(GenOptions::f32());
  const auto j = nlohmann::json::parse(proptests::inputs_json(c));
  RC_ASSERT(j.at("inputs").size() == c.args.size());
  for (const auto& [name, values] : c.args) {
    const auto& arr = j.at("inputs").at(name);
    RC_ASSERT(arr.size() == values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double back = arr[i].get<double>();
      RC_ASSERT(back == values[i]);
      RC_ASSERT(std::signbit(back) == std::signbit(values[i]));
    }
  }
}

BOOST_AUTO_TEST_CASE(options_are_checked) {
  GenOptions bad_op;
  bad_op.ops = {"matmull"};
  BOOST_CHECK_THROW(proptests::gen_graph_case(bad_op), std::invalid_argument);
  GenOptions not_rational = GenOptions::rational();
  not_rational.ops = {"exp"};
  BOOST_CHECK_THROW(proptests::gen_graph_case(not_rational), std::invalid_argument);
  GenOptions i64;
  i64.dtype = spec::DType::i64;
  BOOST_CHECK_THROW(proptests::gen_graph_case(i64), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(deterministic_for_a_seed) {
  const auto gen = proptests::gen_graph_case();
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto a = sample(gen, seed, 60), b = sample(gen, seed, 60);
    BOOST_TEST((a.graph == b.graph && a.args == b.args));
  }
}

BOOST_AUTO_TEST_CASE(restricted_op_lists) {
  GenOptions o;
  o.ops = {"log", "div"};
  const auto gen = proptests::gen_graph_case(o);
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 200; ++seed)
    for (const auto& n : sample(gen, seed, 100).graph.nodes) seen.insert(n.op);
  BOOST_TEST(seen.count("log"));
  BOOST_TEST(seen.count("div"));
  // Only the listed ops, the domain wrappers (clamp, abs, add, constant, neg) and the loss.
  for (const auto& op : seen)
    BOOST_TEST((op == "log" || op == "div" || op == "clamp" || op == "abs" || op == "add" || op == "constant" ||
                op == "neg" || op == "sum" || op == "mean" || op == "mse_loss" || op == "cross_entropy"),
               op);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(coverage)

// Over 2,000 cases (sizes cycling 0..100) every op of the op table appears,
// and the structures the properties rely on do too.
BOOST_AUTO_TEST_CASE(every_op_and_structure_appears) {
  for (const auto& [label, o] : {std::pair{"default", GenOptions{}}, std::pair{"rational_only", GenOptions::rational()}}) {
    const auto gen = proptests::gen_graph_case(o);
    std::map<std::string, int> ops;
    std::map<std::string, int> shapes;  // structural features, by name
    long nodes = 0;
    const int n = 2000;
    for (int i = 0; i < n; ++i) {
      const auto c = sample(gen, 1000 + static_cast<std::uint64_t>(i), i % 101);
      const auto& g = c.graph;
      nodes += static_cast<long>(g.nodes.size());
      std::map<std::string, int> uses;
      std::map<std::string, spec::TensorType> types;
      std::set<std::string> params;
      for (const auto& a : g.args) {
        types[a.name] = a.type;
        if (a.kind == spec::ArgKind::Param) params.insert(a.name);
        if (a.kind == spec::ArgKind::Input && is_float(a.type.dtype)) ++shapes["float input"];
      }
      for (const auto& node : g.nodes) {
        ++ops[node.op];
        for (const auto& in : node.inputs) ++uses[in.name];
        std::vector<spec::Shape> ins;
        for (const auto& in : node.inputs) ins.push_back(types.at(in.name).shape);
        if (node.op == "mean" && node.attrs.has("axes") && node.attrs.get_ints("axes").size() < ins[0].rank())
          ++shapes["partial mean"];
        if ((node.op == "sum" || node.op == "mean" || node.op == "max") && node.attrs.get_bool_or("keepdim", false))
          ++shapes["keepdim true"];
        if (node.op == "matmul" && ins[0].rank() != ins[1].rank()) ++shapes["matmul batch broadcast (ranks)"];
        if (node.op == "matmul" && ins[0].rank() > 2 && ins[0].rank() == ins[1].rank() &&
            ins[0][0] != ins[1][0])
          ++shapes["matmul batch broadcast (1-dims)"];
        if (node.op == "linear") ++shapes[node.inputs.size() == 3 ? "linear with bias" : "linear without bias"];
        if (ins.size() == 2 && spec::is_float(types.at(node.inputs[1].name).dtype) && ins[0].rank() != ins[1].rank() &&
            node.op != "matmul" && node.op != "linear")
          ++shapes["elementwise ranks differ"];
        if (node.op == "clamp" && node.attrs.has("min") && node.attrs.has("max")) ++shapes["clamp min+max"];
        types[node.name] = node.type;
      }
      bool shared = false, param_twice = false;
      for (const auto& [name, u] : uses) {
        shared = shared || (u >= 2 && !params.count(name) && types.count(name));
        param_twice = param_twice || (u >= 2 && params.count(name));
      }
      shapes["shared value"] += shared;
      shapes["param used twice"] += param_twice;
      shapes["loss " + g.nodes.back().op] += 1;
      for (const auto& [name, values] : c.args)
        for (std::size_t k = 0; k < values.size(); ++k) {
          const double v = values[k];
          if (v == 0) ++shapes["value 0"];
          if (v != 0 && std::fabs(v) < 1e-30) ++shapes["value tiny/subnormal"];
          if (std::fabs(v) >= 100) ++shapes["value large"];
          if (k > 0 && v == values[k - 1]) ++shapes["value tie"];
        }
    }
    std::string report = std::string(label) + ": " + std::to_string(n) + " cases, " +
                         std::to_string(static_cast<double>(nodes) / n) + " nodes/case\n  ops:";
    for (const auto& [op, k] : ops) report += " " + op + "=" + std::to_string(k);
    report += "\n  structure:";
    for (const auto& [what, k] : shapes) report += " [" + what + "]=" + std::to_string(k);
    BOOST_TEST_MESSAGE(report);

    for (const auto& op : spec::all_ops()) {
      const bool wanted = !o.rational_only || op.fragment == spec::Fragment::Rational;
      if (wanted) BOOST_TEST(ops[std::string(op.name)] > 0, label << ": op '" << op.name << "' never generated");
      else BOOST_TEST(ops[std::string(op.name)] == 0, label << ": op '" << op.name << "' is not rational");
    }
    for (const char* what : {"partial mean", "keepdim true", "matmul batch broadcast (ranks)", "matmul batch broadcast (1-dims)",
                             "linear with bias", "linear without bias", "elementwise ranks differ", "clamp min+max",
                             "shared value", "param used twice", "loss mse_loss", "loss sum", "loss mean", "float input",
                             "value 0", "value tie"})
      BOOST_TEST(shapes[what] > 0, label << ": never saw " << what);
    if (!o.rational_only)
      for (const char* what : {"loss cross_entropy", "value tiny/subnormal", "value large"})
        BOOST_TEST(shapes[what] > 0, label << ": never saw " << what);
  }
}

BOOST_AUTO_TEST_CASE(generation_rate) {
  for (const auto& [label, o] : {std::pair{"f64", GenOptions{}}, std::pair{"f32", GenOptions::f32()},
                                 std::pair{"rational", GenOptions::rational()}}) {
    const auto gen = proptests::gen_graph_case(o);
    const auto ill = proptests::gen_ill_typed(o);
    const int n = 500;
    const auto t0 = std::chrono::steady_clock::now();
    long nodes = 0;
    for (int i = 0; i < n; ++i) nodes += static_cast<long>(sample(gen, static_cast<std::uint64_t>(i), i % 101).graph.nodes.size());
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) sample(ill, static_cast<std::uint64_t>(i), i % 101);
    const auto t2 = std::chrono::steady_clock::now();
    const double s1 = std::chrono::duration<double>(t1 - t0).count(), s2 = std::chrono::duration<double>(t2 - t1).count();
    BOOST_TEST(nodes > 0);  // rates are reported, not asserted
    BOOST_TEST_MESSAGE(label << ": " << static_cast<long>(n / s1) << " well-typed cases/s (" << static_cast<double>(nodes) / n
                             << " nodes/case, sizes 0..100), " << static_cast<long>(n / s2) << " ill-typed cases/s");
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(shrinking)

// Runs a property that fails whenever a graph has an `op` node and returns
// the shrunk counterexample (the last failure seen is the shrunk one) and
// RapidCheck's printout of it.
std::pair<GraphCase, std::string> shrunk_with(const std::string& op, std::uint64_t seed) {
  std::optional<GraphCase> last_failure;
  const auto gen = proptests::gen_graph_case();
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = 300;
  const auto result = rc::detail::checkTestable(
      [&] {
        const auto c = *gen;
        bool has = false;
        for (const auto& n : c.graph.nodes) has = has || n.op == op;
        if (has) last_failure = c;
        RC_ASSERT(!has);
      },
      rc::detail::TestMetadata{}, params);
  BOOST_REQUIRE(result.template is<rc::detail::FailureResult>());
  BOOST_REQUIRE(last_failure);
  std::string shown;
  for (const auto& [type, value] : result.template get<rc::detail::FailureResult>().counterExample) shown += value;
  return {*last_failure, shown};
}

// A property that fails whenever a graph has a matmul node (or another op)
// must shrink to a graph of very few nodes.
BOOST_AUTO_TEST_CASE(counterexamples_shrink_small) {
  const std::pair<const char*, std::uint64_t> runs[] = {{"matmul", 1}, {"matmul", 2}, {"matmul", 3},       {"log", 1},
                                                        {"div", 1},    {"mean", 1},   {"cross_entropy", 1}, {"permute", 1}};
  for (const auto& [op, seed] : runs) {
    const auto [c, shown] = shrunk_with(op, seed);
    const int op_nodes = static_cast<int>(c.graph.nodes.size()) - 1;  // besides the loss
    BOOST_TEST_MESSAGE(op << ", seed " << seed << ": shrunk to " << op_nodes << " op node(s) besides the loss:" << shown);
    BOOST_TEST(op_nodes <= 3, op << " shrunk to " << op_nodes << " op nodes");
    BOOST_TEST(shown.find(spec::print_vtg(c.graph)) != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ill_typed)

// The verifier rejects every broken graph, and its first diagnostic names the
// broken value and carries the expected word.
BOOST_AUTO_TEST_CASE(verifier_names_the_broken_node) {
  std::map<std::string, int> whats;
  for (int which = 0; which < kSomeOptions; ++which) {  // 7 x 300 cases
    const auto gen = proptests::gen_ill_typed(some_options(which));
    check_n(300, [&] {
      const IllTypedCase c = *gen;
      const auto diags = spec::verify_graph(c.graph);
      RC_ASSERT(!diags.empty());
      const std::string& first = diags.front().message;
      RC_LOG() << "first diagnostic: " << first << "\n";
      RC_ASSERT(proptests::names_value(first, c.bad_node));
      RC_ASSERT(first.find(c.what) != std::string::npos);
      ++whats[c.what.find('[') != std::string::npos ? "<new arg type>" : c.what];
    });
  }
  std::string report = "ill-typed cases by expected word:";
  for (const auto& [w, k] : whats) report += " " + w + "=" + std::to_string(k);
  BOOST_TEST_MESSAGE(report);
  for (const char* w : {"undefined", "before", "declared", "param", "<new arg type>", "unknown", "takes", "range",
                        "output", "twice", "bogus", "missing"})
    BOOST_TEST(whats[w] > 0, "never generated a case expecting '" << w << "'");
}

BOOST_AUTO_TEST_CASE(shows_graph_and_expectation) {
  const auto c = sample(proptests::gen_ill_typed(), 7, 50);
  std::ostringstream os;
  proptests::showValue(c, os);
  BOOST_TEST(os.str().find("%" + c.bad_node) != std::string::npos);
  BOOST_TEST(os.str().find("graph gen {") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(names_value_matches_whole_names) {
  BOOST_TEST(proptests::names_value("%v1 = add(...)", "v1"));
  BOOST_TEST(!proptests::names_value("%v10 = add(...)", "v1"));
  BOOST_TEST(proptests::names_value("output %v1 is not defined", "v1"));
  BOOST_TEST(!proptests::names_value("v1 is not defined", "v1"));
}

BOOST_AUTO_TEST_SUITE_END()
