#include "kernel_boundary_gen.hpp"

#include <rapidcheck.h>

#include <map>
#include <random>

#include "vt/spec/builder.hpp"

namespace vt::proptests {

namespace {

constexpr std::int64_t kBoundary[] = {1, 31, 32, 33, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025};
constexpr std::int64_t kPastNarrowIndex[] = {32767, 32768, 32769};

// Elementwise on [m, n] (with their attributes where they take some).
const std::vector<std::string>& unary_ops() {
  static const std::vector<std::string> ops{"neg",         "square", "exp",   "log",  "sqrt",     "tanh",     "sigmoid", "relu",
                                            "abs",         "silu",   "log_sigmoid", "log1p", "expm1", "clamp", "softplus", "gelu",
                                            "gelu_tanh",   "pow",    "dropout"};
  return ops;
}
const std::vector<std::string>& binary_ops() {
  static const std::vector<std::string> ops{"add", "sub", "mul", "div", "maximum", "minimum"};
  return ops;
}
const std::vector<std::string>& other_ops() {
  static const std::vector<std::string> ops{"sum",     "mean",         "transpose", "permute", "reshape", "flatten",  "narrow",        "broadcast_to",
                                            "softmax", "log_softmax",  "amax",      "amin",    "max",     "min",      "mse_loss",      "cross_entropy",
                                            "linear",  "matmul",       "concat",    "gather",  "embedding", "scatter_add", "layer_norm"};
  return ops;
}
bool needs_positive(const std::string& op) { return op == "log" || op == "sqrt" || op == "div" || op == "log1p"; }

// Values exact in the dtype, drawn from a seed the case records; integers
// in [-3, 3] for the large cases.
std::vector<double> values(std::int64_t n, bool positive, bool integers, spec::DType dtype, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(positive ? 0.25 : -2.0, 2.0);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v)
    x = integers ? static_cast<double>(static_cast<int>(rng() % 7) - 3) : dtype == spec::DType::f32 ? static_cast<double>(static_cast<float>(u(rng))) : u(rng);
  return v;
}

spec::AttrMap attrs(std::vector<spec::AttrMap::Entry> e) { return spec::AttrMap::from_entries(std::move(e)); }

}  // namespace

GraphCase draw_kernel_boundary_case(spec::DType dtype, bool past_narrow_index) {
  // One case in six past 2^15 elements, on an op whose exact audit stays
  // cheap at that size, with small integers (cheap exact rationals).
  const bool large = past_narrow_index && *rc::gen::inRange(0, 6) == 0;
  const int family = *rc::gen::inRange(0, 3);
  const std::string op = large ? (family == 0 ? *rc::gen::element<std::string>("neg", "relu") : family == 1 ? std::string("add")
                                                                                                 : *rc::gen::element<std::string>("sum", "transpose"))
                         : family == 0 ? *rc::gen::elementOf(unary_ops())
                         : family == 1 ? *rc::gen::elementOf(binary_ops())
                                       : *rc::gen::elementOf(other_ops());
  const std::int64_t n = large ? *rc::gen::elementOf(std::vector<std::int64_t>(std::begin(kPastNarrowIndex), std::end(kPastNarrowIndex)))
                               : *rc::gen::elementOf(std::vector<std::int64_t>(std::begin(kBoundary), std::end(kBoundary)));
  const std::int64_t m = large ? 1 : *rc::gen::inRange<std::int64_t>(1, 3);
  const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
  RC_TAG(op);

  spec::GraphBuilder b("kernel_boundary");
  spec::GValue y;
  std::vector<std::pair<std::string, spec::Shape>> params;
  auto param = [&](const std::string& name, spec::Shape s) {
    params.emplace_back(name, s);
    return b.param(name, dtype, std::move(s));
  };
  // i64 inputs (targets, indices), each with its values.
  std::map<std::string, std::vector<double>> indices;
  auto index_input = [&](const std::string& name, spec::Shape s, std::int64_t below) {
    std::vector<double> v(static_cast<std::size_t>(s.numel()));
    for (double& x : v) x = static_cast<double>(*rc::gen::inRange<std::int64_t>(0, below));
    indices[name] = std::move(v);
    return b.input(name, spec::DType::i64, std::move(s));
  };
  const spec::Shape mn{m, n};
  if (family == 0) {
    const spec::GValue x = param("x", mn);
    if (op == "clamp") y = b.apply(op, {x}, attrs({{"min", -0.5}, {"max", 0.75}}));
    else if (op == "gelu_tanh") y = b.apply("gelu", {x}, attrs({{"approximate", std::string("tanh")}}));
    else if (op == "pow") y = b.apply(op, {x}, attrs({{"exponent", static_cast<double>(*rc::gen::inRange(2, 4))}}));
    else if (op == "dropout") y = b.apply(op, {x}, attrs({{"p", 0.25}, {"seed", std::int64_t{*rc::gen::inRange(0, 100)}}}));
    else y = b.apply(op, {x});
  } else if (family == 1) {
    // The second operand as is, broadcast along rows or columns, or a scalar.
    const int form = *rc::gen::inRange(0, 4);
    const spec::Shape bs = form == 0 ? spec::Shape{m, n} : form == 1 ? spec::Shape{n} : form == 2 ? spec::Shape{m, 1} : spec::Shape{};
    const spec::GValue x = param("a", spec::Shape{m, n});
    y = b.apply(op, {x, param("b", bs)});
  } else if (op == "sum" || op == "mean") {
    const int axes = *rc::gen::inRange(0, 3);  // rows, columns, all
    const spec::GValue x = param("x", spec::Shape{m, n});
    y = axes == 2 ? b.apply(op, {x}) : b.apply(op, {x}, attrs({{"axes", spec::IntList{axes}}}));
  } else if (op == "transpose") {
    y = b.apply(op, {param("x", spec::Shape{m, n})});
  } else if (op == "permute") {
    y = b.apply(op, {param("x", spec::Shape{m, n, 2})}, attrs({{"perm", spec::IntList{2, 0, 1}}}));
  } else if (op == "reshape") {
    y = b.apply(op, {param("x", spec::Shape{m, n})}, attrs({{"shape", spec::IntList{n, m}}}));
  } else if (op == "flatten") {
    y = b.apply(op, {param("x", spec::Shape{m, n, 1})}, attrs({{"start_dim", std::int64_t{0}}}));
  } else if (op == "narrow") {
    const std::int64_t start = *rc::gen::inRange<std::int64_t>(0, n), length = *rc::gen::inRange<std::int64_t>(1, n - start + 1);
    y = b.apply(op, {param("x", spec::Shape{m, n})}, attrs({{"axis", std::int64_t{1}}, {"start", start}, {"length", length}}));
  } else if (op == "broadcast_to") {
    y = b.apply(op, {param("x", spec::Shape{n})}, attrs({{"shape", spec::IntList{m, n}}}));
  } else if (op == "softmax" || op == "log_softmax") {
    y = b.apply(op, {param("x", mn)}, attrs({{"axis", std::int64_t{*rc::gen::inRange(0, 2)}}}));
  } else if (op == "amax" || op == "amin" || op == "max" || op == "min") {
    const int axis = *rc::gen::inRange(0, 3);  // rows, columns, all
    y = axis == 2 ? b.apply(op, {param("x", mn)}) : b.apply(op, {param("x", mn)}, attrs({{"axis", std::int64_t{axis}}}));
  } else if (op == "mse_loss") {
    y = b.apply(op, {param("x", mn), param("t", mn)});
  } else if (op == "cross_entropy") {  // n classes, m rows
    y = b.apply(op, {param("logits", mn), index_input("target", spec::Shape{m}, n)});
  } else if (op == "linear") {  // n features in, 3 out
    y = b.apply(op, {param("x", mn), param("w", spec::Shape{3, n}), param("bias", spec::Shape{3})});
  } else if (op == "matmul") {
    y = b.apply(op, {param("a", mn), param("b", spec::Shape{n, 2})});
  } else if (op == "concat") {
    y = b.apply(op, {param("a", mn), param("b", spec::Shape{m, 3})}, attrs({{"axis", std::int64_t{1}}}));
  } else if (op == "gather") {  // n positions along axis 1 of a [m, 5]
    y = b.apply(op, {param("x", spec::Shape{m, 5}), index_input("index", mn, 5)}, attrs({{"axis", std::int64_t{1}}}));
  } else if (op == "embedding") {  // n lookups into 7 rows of m
    y = b.apply(op, {param("w", spec::Shape{7, m}), index_input("rows", spec::Shape{n}, 7)});
  } else if (op == "layer_norm") {  // groups of n, with weight and bias
    y = b.apply(op, {param("x", mn), param("w", spec::Shape{n}), param("bias", spec::Shape{n})}, attrs({{"normalized_shape", spec::IntList{n}}}));
  } else {  // scatter_add: n sources added into 5 rows
    y = b.apply(op, {param("x", spec::Shape{5, m}), index_input("index", spec::Shape{n, m}, 5), param("src", spec::Shape{n, m})},
                attrs({{"axis", std::int64_t{0}}}));
  }
  b.output(b.sum(y));

  GraphCase c;
  c.graph = b.build();
  c.seed = seed;
  std::mt19937_64 rng(seed);
  for (const auto& [name, shape] : params) c.args[name] = values(shape.numel(), needs_positive(op), large, dtype, rng);
  for (auto& [name, v] : indices) c.args[name] = std::move(v);
  return c;
}

}  // namespace vt::proptests
