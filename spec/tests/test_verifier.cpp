#define BOOST_TEST_MODULE spec_verifier
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "vt/spec/builder.hpp"
#include "vt/spec/text_format.hpp"
#include "vt/spec/verifier.hpp"

using namespace vt::spec;
namespace fs = std::filesystem;

namespace {
std::string diagnostics_of(const std::string& text) {
  return format_diagnostics(verify_graph(parse_vtg(text, "g.vtg")), "g.vtg");
}
void expect_diagnostic(const std::string& text, const std::string& needle) {
  const std::string d = diagnostics_of(text);
  BOOST_TEST(d.find(needle) != std::string::npos, "wanted '" << needle << "' in:\n" << d);
}
const std::string kHead = "graph g {\n  input %x : f32[2, 3]\n  param %w : f32[4, 3]\n";

fs::path source_dir() {
  const char* env = std::getenv("VT_SOURCE_DIR");
  return env ? fs::path(env) : fs::current_path();
}
std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

BOOST_AUTO_TEST_CASE(each_error_class_names_node_op_types_and_place) {
  expect_diagnostic(kHead + "  %h = linaer(%x, %w) : f32[2, 4]\n  output %h\n}\n",
                    "g.vtg:4:8: %h: unknown op 'linaer' (did you mean 'linear'?)");
  // No suggestion rather than a distant one: 'cosh' is two edits from 'tanh'.
  BOOST_TEST(diagnostics_of(kHead + "  %h = cosh(%x) : f32[2, 3]\n  output %h\n}\n").find("did you mean") == std::string::npos);
  expect_diagnostic(kHead + "  %h = cosh(%x) : f32[2, 3]\n  output %h\n}\n", "g.vtg:4:8: %h: unknown op 'cosh'");
  // A constant without dtype takes its declared type's; a stated one must agree.
  BOOST_TEST(diagnostics_of(kHead + "  %c = constant() {value = 2.0} : f64[]\n  output %c\n}\n").empty());
  expect_diagnostic(kHead + "  %c = constant() {value = 2.0, dtype = f32} : f64[]\n  output %c\n}\n",
                    "declared type f64[] but the shape rule gives f32[]");
  expect_diagnostic(kHead + "  %h = linear(%x, %w) : f32[2, 5]\n  output %h\n}\n",
                    "g.vtg:4:25: %h = linear(f32[2, 3], f32[4, 3]): declared type f32[2, 5] but the shape rule gives f32[2, 4]");
  expect_diagnostic(kHead + "  %h = relu(%q) : f32[2, 3]\n  output %h\n}\n", "g.vtg:4:13: %h uses undefined value %q");
  expect_diagnostic(kHead + "  %h = relu(%k) : f32[2, 3]\n  %k = relu(%x) : f32[2, 3]\n  output %h\n}\n",
                    "g.vtg:4:13: %h uses %k before its definition at 5:3");
  expect_diagnostic(kHead + "  %x = relu(%w) : f32[4, 3]\n  output %x\n}\n", "g.vtg:4:3: %x is defined twice (first at 2:9)");
  expect_diagnostic(kHead + "  %h = relu(%x, %w) : f32[2, 3]\n  output %h\n}\n",
                    "g.vtg:4:8: %h = relu(f32[2, 3], f32[4, 3]): takes 1 input, got 2");
  expect_diagnostic(kHead + "  %h = softmax(%x) {axis = 5} : f32[2, 3]\n  output %h\n}\n",
                    "g.vtg:4:8: %h = softmax(f32[2, 3]): axis 5 out of range for rank 2");
  expect_diagnostic(kHead + "  %h = softmax(%x) {dim = 1} : f32[2, 3]\n  output %h\n}\n", "unknown attribute 'dim'");
  expect_diagnostic(kHead + "  %h = relu(%x) : f32[2, 3]\n  output %nope\n}\n", "g.vtg:5:10: output %nope is not defined");
  expect_diagnostic(kHead + "  %h = relu(%x) : f32[2, 3]\n}\n", "g.vtg: graph 'g' has no outputs");
  expect_diagnostic("graph g {\n  param %i : i64[3]\n  output %i\n}\n", "g.vtg:2:9: param %i must be f32 or f64");
  expect_diagnostic(kHead + "  %h = add(%x, %w) : f32[2, 3]\n  output %h\n}\n", "do not broadcast");
}

BOOST_AUTO_TEST_CASE(all_errors_are_reported_not_just_the_first) {
  const auto diags = verify_graph(parse_vtg(kHead + "  %a = relu(%q) : f32[2, 3]\n  %b = nope(%x) : f32[2, 3]\n  output %z\n}\n"));
  BOOST_TEST(diags.size() == 3u);
}

BOOST_AUTO_TEST_CASE(builder_graphs_verify_and_builder_errors_name_the_node) {
  GraphBuilder b("g");
  auto x = b.input("x", DType::f32, {2, 3});
  auto w = b.param("w", DType::f32, {4, 3});
  b.output(b.relu(b.linear(x, w)));
  BOOST_TEST(verify_graph(b.build()).empty());
  try {
    b.apply("matmul", {x, w}, {}, "bad");
    BOOST_FAIL("expected ShapeError");
  } catch (const ShapeError& e) {
    BOOST_TEST(std::string(e.what()) == "%bad = matmul(f32[2, 3], f32[4, 3]): matmul inner dimensions differ: [2, 3] @ [4, 3]");
  }
  BOOST_CHECK_THROW(b.input("x", DType::f32, {1}), ShapeError);
  BOOST_CHECK_THROW(GraphBuilder("empty").build(), VerifyError);
}

// Every example graph verifies; a corrupted copy of each (its last node's
// declared type changed, or its first node's op renamed) is rejected with a
// diagnostic at the exact line:col of the corruption.
BOOST_AUTO_TEST_CASE(example_graphs_verify_and_corrupted_copies_do_not) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(source_dir() / "examples" / "graphs")) {
    if (entry.path().extension() != ".vtg") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    const GraphData g = load_vtg_file(entry.path().string());
    BOOST_TEST(verify_graph(g).empty(), name);
    BOOST_TEST(print_vtg(parse_vtg(print_vtg(g))) == print_vtg(g), name);

    const std::string text = read(entry.path());
    const Node& last = g.nodes.back();
    // Corruption 1: the declared type of the last node gets an extra dimension.
    const std::string type_text = to_string(last.type);
    std::string lines = text;
    std::size_t line_start = 0;
    for (std::uint32_t l = 1; l < last.type_loc.line; ++l) line_start = lines.find('\n', line_start) + 1;
    const std::size_t at = line_start + last.type_loc.col - 1;
    BOOST_REQUIRE(lines.compare(at, type_text.size(), type_text) == 0);
    const std::string widened = type_text.substr(0, type_text.size() - 1) + (last.type.shape.rank() ? ", 7]" : "7]");
    lines.replace(at, type_text.size(), widened);
    const auto d1 = format_diagnostics(verify_graph(parse_vtg(lines, name)), name);
    const std::string where = name + ":" + std::to_string(last.type_loc.line) + ":" + std::to_string(last.type_loc.col) + ":";
    BOOST_TEST(d1.find(where) == 0u, d1);
    BOOST_TEST(d1.find("declared type") != std::string::npos, d1);

    // Corruption 2: the first node's op renamed to one that does not exist.
    const Node& first = g.nodes.front();
    std::string renamed = text;
    line_start = 0;
    for (std::uint32_t l = 1; l < first.op_loc.line; ++l) line_start = renamed.find('\n', line_start) + 1;
    renamed.insert(line_start + first.op_loc.col - 1, "x_");
    const auto d2 = format_diagnostics(verify_graph(parse_vtg(renamed, name)), name);
    BOOST_TEST(d2.find(name + ":" + std::to_string(first.op_loc.line) + ":" + std::to_string(first.op_loc.col) +
                       ": %" + first.name + ": unknown op 'x_" + first.op + "'") == 0u,
               d2);
  }
  BOOST_TEST(files >= 5);
}

BOOST_AUTO_TEST_CASE(names_that_would_not_print_as_vtg_are_rejected) {
  GraphBuilder b("g h");
  auto x = b.input("a b", DType::f32, {2});
  b.output(b.relu(x));
  try {
    b.build();
    BOOST_FAIL("expected VerifyError");
  } catch (const VerifyError& e) {
    BOOST_TEST(std::string(e.what()).find("invalid graph name 'g h'") != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("invalid value name 'a b'") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(layout_and_index_ops_are_checked_at_graph_level) {
  const std::string head = "graph g {\n  input %x : f32[2, 3]\n  input %t : i64[2, 3]\n  param %w : f32[4, 3]\n";
  // well-typed uses verify
  const std::string ok = head +
                         "  %c = concat(%x, %w, %x) {axis = 0} : f32[8, 3]\n"
                         "  %n = narrow(%c) {axis = 0, length = 2, start = -3} : f32[2, 3]\n"
                         "  %g = gather(%c, %t) {axis = 0} : f32[2, 3]\n"
                         "  %s = scatter_add(%n, %t, %g) {axis = 1} : f32[2, 3]\n"
                         "  %e = embedding(%w, %t) : f32[2, 3, 3]\n"
                         "  %f = flatten(%e) {end_dim = -1, start_dim = 0} : f32[18]\n"
                         "  output %f\n}\n";
  BOOST_TEST(diagnostics_of(ok).empty(), diagnostics_of(ok));
  expect_diagnostic(head + "  %h = concat(%x, %w) {axis = 1} : f32[2, 6]\n  output %h\n}\n",
                    "%h = concat(f32[2, 3], f32[4, 3]): concat: input 1 f32[4, 3] does not match input 0 f32[2, 3] on every axis but 1");
  expect_diagnostic(head + "  %h = gather(%x, %x) {axis = 0} : f32[2, 3]\n  output %h\n}\n",
                    "%h = gather(f32[2, 3], f32[2, 3]): gather: index (input 1) must be i64, got f32[2, 3]");
  expect_diagnostic(head + "  %h = gather(%x, %t) {axis = 2} : f32[2, 3]\n  output %h\n}\n",
                    "gather: axis = 2 is out of range for rank 2 (expected -2 to 1)");
  expect_diagnostic(head + "  %h = narrow(%x) {axis = 1, length = 3, start = 1} : f32[2, 3]\n  output %h\n}\n",
                    "%h = narrow(f32[2, 3]): narrow: start 1 + length 3 exceeds size 3 of axis 1");
  expect_diagnostic(head + "  %h = embedding(%t, %t) : f32[2, 3, 3]\n  output %h\n}\n", "input 0 must be f32 or f64, got i64[2, 3]");
  expect_diagnostic(head + "  %h = flatten(%x) {start_dim = 1, end_dim = 0} : f32[6]\n  output %h\n}\n",
                    "flatten: start_dim (axis 1) comes after end_dim (axis 0)");
}

BOOST_AUTO_TEST_CASE(layer_norm_with_a_mismatched_normalized_shape_is_named) {
  expect_diagnostic(kHead + "  param %g : f32[4]\n  %h = layer_norm(%x, %g) {normalized_shape = [3]} : f32[2, 3]\n  output %h\n}\n",
                    "%h = layer_norm(f32[2, 3], f32[4]): layer_norm weight f32[4] does not match normalized_shape [3]");
  expect_diagnostic(kHead + "  %h = layer_norm(%x) {normalized_shape = [2]} : f32[2, 3]\n  output %h\n}\n",
                    "layer_norm normalized_shape [2] does not match the trailing axes of input f32[2, 3]");
  expect_diagnostic(kHead + "  param %c : f32[2]\n  %h = batch_norm(%x, %c, %c, %c, %w) : f32[2, 3]\n  output %h\n}\n",
                    "batch_norm weight must be [3] (the channels of f32[2, 3]), got f32[2]");
  // A well-formed application verifies.
  BOOST_TEST(diagnostics_of(kHead + "  param %g : f32[3]\n  %h = layer_norm(%x, %g, %g) {eps = 0.001, normalized_shape = [3]} : f32[2, 3]\n  output %h\n}\n")
                 .empty());
}
