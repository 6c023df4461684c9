#define BOOST_TEST_MODULE text_format
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include "vt/spec/text_format.hpp"

using namespace vt::spec;

namespace {

// The message of the ParseError that parsing `text` as "g.vtg" throws, or
// "no error". Any other exception type fails the test.
std::string parse_error(std::string_view text) {
  try {
    parse_vtg(text, "g.vtg");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "no error";
}

// Checks the message and that .loc agrees with the "g.vtg:L:C:" prefix.
void check_error(std::string_view text, const std::string& expected, SrcLoc loc) {
  BOOST_TEST(parse_error(text) == expected);
  try {
    parse_vtg(text, "g.vtg");
  } catch (const ParseError& e) {
    BOOST_TEST(e.loc.line == loc.line);
    BOOST_TEST(e.loc.col == loc.col);
  }
}

const std::string kMlp =
    "graph mlp {\n"
    "  input %x : f32[16, 784]\n"
    "  param %W1 : f32[256, 784]\n"
    "  param %b1 : f32[256]\n"
    "  %h1 = linear(%x, %W1, %b1) : f32[16, 256]\n"
    "  %s = sum(%h1) {axes = [0], keepdim = true} : f32[1, 256]\n"
    "  %c = constant() {dtype = f32, value = 1.5} : f32[]\n"
    "  %loss = mean(%s) : f32[]\n"
    "  output %loss, %s\n"
    "}\n";

Node make_node(std::string name, std::string op, std::vector<std::string> inputs, TensorType type) {
  Node n;
  n.name = std::move(name);
  n.op = std::move(op);
  for (auto& i : inputs) n.inputs.push_back(Operand{std::move(i), {}});
  n.type = std::move(type);
  return n;
}

}  // namespace

// ------------------------------------------------------------ round trips

BOOST_AUTO_TEST_CASE(canonical_texts_round_trip) {
  const std::string texts[] = {
      kMlp,
      "graph empty {\n}\n",
      "graph scalars {\n  input %a : f64[]\n  input %t : i64[0, 3]\n  output %a\n}\n",
      "graph attrs {\n"
      "  input %x.0 : f32[2]\n"
      "  %y_1 = op(%x.0) {a = -7, b = -0.0, c = 1e-300, d = 0.1, e = [], f = [-1, 2, 3], g = false, "
      "h = 1e+300, i = 9223372036854775807, j = -9223372036854775808, k = 5e-324, l = [0.5, -2.0, 1e-300]} : f32[2]\n"
      "  output %y_1, %x.0\n"
      "}\n",
  };
  for (const std::string& t : texts) BOOST_TEST(print_vtg(parse_vtg(t)) == t);
}

BOOST_AUTO_TEST_CASE(parses_the_mlp_example) {
  const GraphData g = parse_vtg(kMlp);
  BOOST_TEST(g.name == "mlp");
  BOOST_REQUIRE(g.args.size() == 3u);
  BOOST_TEST(g.args[0].name == "x");
  BOOST_TEST((g.args[0].kind == ArgKind::Input));
  BOOST_TEST((g.args[1].kind == ArgKind::Param));
  BOOST_TEST((g.args[1].type == TensorType{DType::f32, Shape{256, 784}}));
  BOOST_REQUIRE(g.nodes.size() == 4u);
  const Node& s = g.nodes[1];
  BOOST_TEST(s.op == "sum");
  BOOST_TEST(s.attrs.get_ints("axes") == (IntList{0}));
  BOOST_TEST(s.attrs.get_bool_or("keepdim", false) == true);
  const Node& c = g.nodes[2];
  BOOST_TEST(c.inputs.empty());
  BOOST_TEST(c.attrs.get_str_or("dtype", "") == "f32");
  BOOST_TEST(c.attrs.get_float("value") == 1.5);
  BOOST_TEST(c.type.shape.rank() == 0u);
  BOOST_REQUIRE(g.outputs.size() == 2u);
  BOOST_TEST(g.outputs[0].name == "loss");
  BOOST_TEST(g.outputs[1].name == "s");
}

BOOST_AUTO_TEST_CASE(attribute_kinds) {
  const GraphData g = parse_vtg("graph g { %a = f() {i = 3, f = 3.0, e = 3e0, b = true, s = f64, l = [1]} : f32[] }");
  const AttrMap& m = g.nodes[0].attrs;
  BOOST_TEST((kind_of(*m.find("i")) == AttrKind::Int));
  BOOST_TEST((kind_of(*m.find("f")) == AttrKind::Float));
  BOOST_TEST((kind_of(*m.find("e")) == AttrKind::Float));
  BOOST_TEST((kind_of(*m.find("b")) == AttrKind::Bool));
  BOOST_TEST((kind_of(*m.find("s")) == AttrKind::Str));
  BOOST_TEST((kind_of(*m.find("l")) == AttrKind::Ints));
  // A float anywhere in a list makes it a float list (ints in it convert).
  const GraphData h = parse_vtg("graph g { %a = f() {v = [1, 2.5, -3]} : f32[] }");
  BOOST_TEST((kind_of(*h.nodes[0].attrs.find("v")) == AttrKind::Floats));
  BOOST_TEST(h.nodes[0].attrs.get_floats("v") == (FloatList{1, 2.5, -3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(free_layout_comments_and_repeated_outputs) {
  const std::string text =
      "# leading comment\n"
      "graph   g{input %x:f32[ 2 ,3 ]   # trailing comment with bytes \xff\x01\n"
      "\t%y=relu( %x ){}:f32[2,3] output %y\r\n"
      "output %x,\n%y}";
  const GraphData g = parse_vtg(text);
  BOOST_TEST(print_vtg(g) ==
             "graph g {\n  input %x : f32[2, 3]\n  %y = relu(%x) : f32[2, 3]\n  output %y, %x, %y\n}\n");
}

BOOST_AUTO_TEST_CASE(records_source_locations) {
  const GraphData g = parse_vtg(
      "graph g {\n"
      "  input %x : f32[2]\n"
      "\t%y = add(%x,  %x) {k = 1} : f64[2]\n"
      "  output %y\n"
      "}\n");
  BOOST_TEST((g.args[0].loc == SrcLoc{2, 9}));
  const Node& n = g.nodes[0];
  BOOST_TEST((n.loc == SrcLoc{3, 2}));  // a tab is one column
  BOOST_TEST((n.op_loc == SrcLoc{3, 7}));
  BOOST_TEST((n.inputs[0].loc == SrcLoc{3, 11}));
  BOOST_TEST((n.inputs[1].loc == SrcLoc{3, 16}));
  BOOST_TEST((n.type_loc == SrcLoc{3, 30}));
  BOOST_TEST((g.outputs[0].loc == SrcLoc{4, 10}));
}

BOOST_AUTO_TEST_CASE(graphs_built_in_code_round_trip) {
  GraphData g;
  g.name = "built";
  g.args.push_back(Arg{"x", ArgKind::Input, TensorType{DType::f32, Shape{3, 4}}, {}});
  g.args.push_back(Arg{"w", ArgKind::Param, TensorType{DType::f64, Shape{}}, {}});
  g.args.push_back(Arg{"t", ArgKind::Input, TensorType{DType::i64, Shape{0}}, {}});
  Node n = make_node("y", "scale", {"x", "w"}, TensorType{DType::f32, Shape{3, 4}});
  n.attrs.set("tenth", 0.1);
  n.attrs.set("tiny", 1e-300);
  n.attrs.set("negzero", -0.0);
  n.attrs.set("denorm", std::numeric_limits<double>::denorm_min());
  n.attrs.set("huge", std::numeric_limits<double>::max());
  n.attrs.set("one", 1.0);
  n.attrs.set("imin", std::numeric_limits<std::int64_t>::min());
  n.attrs.set("imax", std::numeric_limits<std::int64_t>::max());
  n.attrs.set("axes", IntList{-1, 0, 5});
  n.attrs.set("flag", false);
  n.attrs.set("mode", std::string("f64"));
  g.nodes.push_back(n);
  g.nodes.push_back(make_node("z", "constant", {}, TensorType{DType::f32, Shape{}}));
  g.outputs = {Operand{"y", {}}, Operand{"z", {}}};

  const std::string text = print_vtg(g);
  const GraphData back = parse_vtg(text);
  BOOST_TEST((back == g));
  BOOST_TEST(print_vtg(back) == text);
  // Equality of doubles cannot tell -0.0 from 0.0; the sign must survive too.
  BOOST_TEST(std::signbit(back.nodes[0].attrs.get_float("negzero")));
  BOOST_TEST(text.find("negzero = -0.0") != std::string::npos);
  BOOST_TEST((kind_of(*back.nodes[0].attrs.find("one")) == AttrKind::Float));
}

BOOST_AUTO_TEST_CASE(prints_documented_layout) {
  GraphData g;
  g.name = "g";
  Node n = make_node("c", "constant", {}, TensorType{DType::f32, Shape{}});
  n.attrs.set("value", 1.5);
  n.attrs.set("dtype", std::string("f32"));
  g.nodes.push_back(n);
  BOOST_TEST(print_vtg(g) == "graph g {\n  %c = constant() {dtype = f32, value = 1.5} : f32[]\n}\n");
}

// ------------------------------------------------------------ errors

BOOST_AUTO_TEST_CASE(error_empty_and_comment_only) {
  check_error("", "g.vtg:1:1: expected 'graph', found end of input", {1, 1});
  check_error("# only\n  # comments\n", "g.vtg:3:1: expected 'graph', found end of input", {3, 1});
  BOOST_TEST(parse_error("gra") == "g.vtg:1:1: expected 'graph', found 'gra'");
  BOOST_TEST(parse_error("graph {") == "g.vtg:1:7: expected a graph name, found '{'");
  BOOST_TEST(parse_error("graph g (") == "g.vtg:1:9: expected '{' after the graph name, found '('");
}

BOOST_AUTO_TEST_CASE(error_missing_close_and_trailing_garbage) {
  check_error("graph g {\n  input %x : f32[2]\n",
              "g.vtg:3:1: expected 'input', 'param', 'output', a %value or '}', found end of input", {3, 1});
  check_error("graph g {\n}\n  foo", "g.vtg:3:3: expected end of input after the closing '}', found 'foo'", {3, 3});
  check_error("graph g {\n} }", "g.vtg:2:3: expected end of input after the closing '}', found '}'", {2, 3});
  BOOST_TEST(parse_error("graph g { relu }") ==
             "g.vtg:1:11: expected 'input', 'param', 'output', a %value or '}', found 'relu'");
}

BOOST_AUTO_TEST_CASE(error_binary_garbage) {
  using namespace std::string_literals;
  check_error("graph g {\n  \0\n}"s, "g.vtg:2:3: unexpected character '\\x00'", {2, 3});
  check_error("graph g {\n  %a = f\xff(%x) : f32[]\n}", "g.vtg:2:9: unexpected character '\\xff'", {2, 9});
  check_error("\x80\x81", "g.vtg:1:1: unexpected character '\\x80'", {1, 1});
  check_error("graph g {\n}\n\x7f", "g.vtg:3:1: unexpected character '\\x7f'", {3, 1});
}

BOOST_AUTO_TEST_CASE(error_operands) {
  check_error("graph g {\n  %a = f(%x = %y) : f32[]\n}",
              "g.vtg:2:13: expected ')' or ',' after operand, found '='", {2, 13});
  check_error("graph g {\n  %a = f(%x,) : f32[]\n}",
              "g.vtg:2:13: expected an operand (%name) after ',', found ')'", {2, 13});
  check_error("graph g {\n  %a = f(x) : f32[]\n}", "g.vtg:2:10: expected an operand (%name) or ')', found 'x'",
              {2, 10});
  check_error("graph g {\n  %a f(%x) : f32[]\n}", "g.vtg:2:6: expected '=' after the value name, found 'f'", {2, 6});
  check_error("graph g {\n  %a = (%x) : f32[]\n}", "g.vtg:2:8: expected an op name after '=', found '('", {2, 8});
  check_error("graph g {\n  %a = f %x : f32[]\n}", "g.vtg:2:10: expected '(' after the op name, found '%x'", {2, 10});
  check_error("graph g {\n  %a = f(%x) f32[]\n}", "g.vtg:2:14: expected '{' or ':' after the operands, found 'f32'",
              {2, 14});
}

BOOST_AUTO_TEST_CASE(error_percent_without_name) {
  check_error("graph g {\n  input % : f32[2]\n}",
              "g.vtg:2:9: expected a value name ([A-Za-z0-9_.]+) after '%', found ' '", {2, 9});
  check_error("graph g {\n  output %", "g.vtg:2:10: expected a value name ([A-Za-z0-9_.]+) after '%', found end of input",
              {2, 10});
  check_error("graph g {\n  output\n}", "g.vtg:3:1: expected a %name of an output, found '}'", {3, 1});
}

BOOST_AUTO_TEST_CASE(error_attributes) {
  check_error("graph g {\n  %a = f(%x) {k = 1 : f32[]\n}",
              "g.vtg:2:21: expected ',' or '}' after the attribute value, found ':'", {2, 21});
  check_error("graph g {\n  %a = f(%x) {k = 1", "g.vtg:2:20: expected ',' or '}' after the attribute value, found end of input",
              {2, 20});
  check_error("graph g {\n  %a = f(%x) {k = 1, k = 2} : f32[]\n}", "g.vtg:2:22: duplicate attribute 'k'", {2, 22});
  check_error("graph g {\n  %a = f(%x) {k = [1, true]} : f32[]\n}",
              "g.vtg:2:23: expected a number after ',', found 'true'", {2, 23});
  check_error("graph g {\n  %a = f(%x) {k = nan} : f32[]\n}",
              "g.vtg:2:19: non-finite float 'nan' is not a literal", {2, 19});
  check_error("graph g {\n  %a = f(%x) {k = -inf} : f32[]\n}", "g.vtg:2:20: expected a digit after '-', found 'i'",
              {2, 20});
  check_error("graph g {\n  %a = f(%x) {k = } : f32[]\n}",
              "g.vtg:2:19: expected an attribute value (integer, float, true, false, identifier or [numbers]), found '}'",
              {2, 19});
  check_error("graph g {\n  %a = f(%x) {k 1} : f32[]\n}", "g.vtg:2:17: expected '=' after the attribute name, found '1'",
              {2, 17});
  check_error("graph g {\n  %a = f(%x) {,} : f32[]\n}", "g.vtg:2:15: expected an attribute name or '}', found ','",
              {2, 15});
  check_error("graph g {\n  %a = f(%x) {k = 1} f32[]\n}", "g.vtg:2:22: expected ':' after the attributes, found 'f32'",
              {2, 22});
}

BOOST_AUTO_TEST_CASE(error_numbers) {
  check_error("graph g {\n  %a = f() {k = 9223372036854775808} : f32[]\n}",
              "g.vtg:2:17: integer '9223372036854775808' does not fit in 64 bits", {2, 17});
  check_error("graph g {\n  %a = f() {k = -9223372036854775809} : f32[]\n}",
              "g.vtg:2:17: integer '-9223372036854775809' does not fit in 64 bits", {2, 17});
  check_error("graph g {\n  %a = f() {k = 1e999} : f32[]\n}", "g.vtg:2:17: float '1e999' is out of the range of f64",
              {2, 17});
  check_error("graph g {\n  %a = f() {k = 12abc} : f32[]\n}", "g.vtg:2:17: malformed number '12abc'", {2, 17});
  check_error("graph g {\n  %a = f() {k = 1e} : f32[]\n}", "g.vtg:2:17: malformed number '1e'", {2, 17});
  check_error("graph g {\n  %a = f() {k = 1.2.3} : f32[]\n}", "g.vtg:2:17: malformed number '1.2.3'", {2, 17});
}

BOOST_AUTO_TEST_CASE(error_types) {
  check_error("graph g {\n  input %x : f16[2]\n}", "g.vtg:2:14: unknown dtype 'f16' (expected f32, f64 or i64)", {2, 14});
  check_error("graph g {\n  input %x : [2]\n}", "g.vtg:2:14: expected a type (f32, f64 or i64), found '['", {2, 14});
  check_error("graph g {\n  input %x f32[2]\n}", "g.vtg:2:12: expected ':' after the argument name, found 'f32'", {2, 12});
  check_error("graph g {\n  input %x : f32\n}", "g.vtg:3:1: expected '[' after the dtype, found '}'", {3, 1});
  check_error("graph g {\n  input %x : f32[2, -3]\n}", "g.vtg:2:21: negative dimension -3", {2, 21});
  check_error("graph g {\n\tinput %x : f32[-1]\n}", "g.vtg:2:17: negative dimension -1", {2, 17});
  check_error("graph g {\n  input %x : f32[99999999999999999999]\n}",
              "g.vtg:2:18: integer '99999999999999999999' does not fit in 64 bits", {2, 18});
  check_error("graph g {\n  input %x : f32[4294967296, 4294967296, 4294967296]\n}",
              "g.vtg:2:14: invalid type: shape [4294967296, 4294967296, 4294967296] has more than 2^48 elements",
              {2, 14});
  check_error("graph g {\n  input %x : f32[2,]\n}", "g.vtg:2:20: expected a dimension after ',', found ']'", {2, 20});
  check_error("graph g {\n  input %x : f32[2 3]\n}", "g.vtg:2:20: expected ',' or ']' in the shape, found '3'", {2, 20});
  check_error("graph g {\n  input %x : f32[1.5]\n}", "g.vtg:2:18: expected a dimension or ']', found '1.5'", {2, 18});
  check_error("graph g {\n  %a = f() : i64[2] \r\n  input %x : f32[x]\n}", "g.vtg:3:18: expected a dimension or ']', found 'x'",
              {3, 18});
}

BOOST_AUTO_TEST_CASE(long_tokens_are_truncated_in_messages) {
  const std::string text = "graph g { " + std::string(100000, 'z') + " }";
  const std::string msg = parse_error(text);
  BOOST_TEST(msg.size() < 200u);
  BOOST_TEST(msg.find("found 'zzzz") != std::string::npos);
}

// Mutated valid texts must only ever produce a ParseError with a location
// inside the text (or a graph), never another exception, crash or hang.
BOOST_AUTO_TEST_CASE(mutations_only_raise_parse_errors) {
  std::mt19937 rng(12345);
  const std::string alphabet = std::string("%{}[]()=,:#-.e0123456789 \n\tabcfgi_", 35) + std::string("\0\x80\xff", 3);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string t = kMlp;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = rng() % (t.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: t.insert(pos, 1, c); break;
        case 1: if (pos < t.size()) t.erase(pos, 1); break;
        default: if (pos < t.size()) t[pos] = c; break;
      }
    }
    try {
      const GraphData g = parse_vtg(t);
      BOOST_TEST(print_vtg(parse_vtg(print_vtg(g))) == print_vtg(g));
    } catch (const ParseError& err) {
      BOOST_TEST(err.loc.known());
      BOOST_TEST(std::string(err.what()).rfind("<input>:" + std::to_string(err.loc.line) + ":", 0) == 0u);
    }
  }
}

// ------------------------------------------------------------ performance

BOOST_AUTO_TEST_CASE(parses_a_megabyte_linearly) {
  std::string text = "graph big {\n  input %v0 : f32[4, 4]\n";
  std::size_t count = 0;
  while (text.size() < (std::size_t{1} << 20)) {
    ++count;
    text += "  %v" + std::to_string(count) + " = add(%v" + std::to_string(count - 1) + ", %v0) {alpha = 1.5, axes = [0, 1]} : f32[4, 4]\n";
  }
  text += "  output %v" + std::to_string(count) + "\n}\n";
  const GraphData g = parse_vtg(text);  // quadratic behaviour would take minutes here
  BOOST_TEST(g.nodes.size() == count);
  BOOST_TEST(g.nodes.back().inputs[0].loc.line == count + 2);
  BOOST_TEST(print_vtg(g) == text);
}

// ------------------------------------------------------------ files

BOOST_AUTO_TEST_CASE(load_file) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("vt_text_format_test_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  const std::string good = (dir / "good.vtg").string();
  std::ofstream(good, std::ios::binary) << kMlp;
  BOOST_TEST(print_vtg(load_vtg_file(good)) == kMlp);

  const std::string bad = (dir / "bad.vtg").string();
  std::ofstream(bad, std::ios::binary) << "graph g {\n  input %x : f32[-1]\n}\n";
  try {
    load_vtg_file(bad);
    BOOST_FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    BOOST_TEST(std::string(e.what()) == bad + ":2:18: negative dimension -1");
  }

  const std::string missing = (dir / "missing.vtg").string();
  try {
    load_vtg_file(missing);
    BOOST_FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    BOOST_TEST(std::string(e.what()) == missing + ": cannot open: No such file or directory");
    BOOST_TEST(!e.loc.known());
  }

  try {
    load_vtg_file(dir.string());
    BOOST_FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    BOOST_TEST(std::string(e.what()) == dir.string() + ": cannot open: Is a directory");
  }

  const std::string big = (dir / "big.vtg").string();
  std::ofstream(big, std::ios::binary).put(' ');
  fs::resize_file(big, kMaxVtgFileBytes + 1);  // sparse: cheap to create
  try {
    load_vtg_file(big);
    BOOST_FAIL("expected a ParseError");
  } catch (const ParseError& e) {
    BOOST_TEST(std::string(e.what()) == big + ": file is larger than the 64 MiB limit");
  }
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(token_classes) {
  BOOST_TEST(is_identifier("_a1"));
  BOOST_TEST(!is_identifier("1a"));
  BOOST_TEST(!is_identifier(""));
  BOOST_TEST(!is_identifier("a.b"));
  BOOST_TEST(is_value_name("0.x_1"));
  BOOST_TEST(!is_value_name("%x"));
  BOOST_TEST(!is_value_name(""));
}

// Attributes are collected and sorted once: 300,000 in one {} parse in well
// under a second (inserting each in order was quadratic: 400k took minutes).
// CTest's timeout for this suite (spec/CMakeLists.txt) turns a regression into a failure.
BOOST_AUTO_TEST_CASE(many_attributes_parse_in_linear_time) {
  std::string text = "graph g {\n  %a = f() {";
  const int n = 300000;
  for (int i = 0; i < n; ++i) text += (i ? ", a" : "a") + std::to_string(i) + " = " + std::to_string(i);
  text += "} : f32[]\n}\n";
  const GraphData g = parse_vtg(text);
  const auto& entries = g.nodes.at(0).attrs.entries();
  BOOST_REQUIRE(entries.size() == static_cast<std::size_t>(n));
  BOOST_TEST(std::is_sorted(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; }));
  BOOST_TEST(g.nodes[0].attrs.get_int("a123456") == 123456);
  BOOST_TEST(parse_error("graph g {\n  %a = f() {b = 1, a = 2, b = 3} : f32[]\n}") == "g.vtg:2:27: duplicate attribute 'b'");
}
