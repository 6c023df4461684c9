#include "mutations.hpp"

#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "vt/spec/op_table.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::proptests::detail {

namespace {

using spec::AttrMap;
using spec::GraphData;
using spec::IntList;
using spec::TensorType;
using Broken = std::optional<IllTypedCase>;

// Generated graphs name values p0, x1, t2, v3, loss: these are never taken.
const std::string kUndefined = "undefined_value";
const std::string kUndefinedOutput = "undefined_output";

std::size_t pick_index(std::size_t n, Dial& d) { return static_cast<std::size_t>(d.pick(static_cast<int>(n))); }

std::map<std::string, TensorType> types_of(const GraphData& g) {
  std::map<std::string, TensorType> t;
  for (const auto& a : g.args) t[a.name] = a.type;
  for (const auto& n : g.nodes) t[n.name] = n.type;
  return t;
}

// The first node (in definition order) that reads `name`.
std::optional<std::size_t> first_use(const GraphData& g, const std::string& name) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& o : g.nodes[i].inputs)
      if (o.name == name) return i;
  return std::nullopt;
}

std::vector<std::size_t> nodes_with_inputs(const GraphData& g) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i].inputs.empty()) out.push_back(i);
  return out;
}

spec::DType other_float(spec::DType t) { return t == spec::DType::f32 ? spec::DType::f64 : spec::DType::f32; }

AttrMap without(const AttrMap& a, std::initializer_list<std::string_view> keys) {
  AttrMap out;
  for (const auto& [k, v] : a.entries())
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) out.set(k, v);
  return out;
}

Broken undefined_operand(const GraphData& g, Dial& d) {
  const auto cands = nodes_with_inputs(g);
  if (cands.empty()) return std::nullopt;
  GraphData h = g;
  auto& n = h.nodes[cands[pick_index(cands.size(), d)]];
  n.inputs[pick_index(n.inputs.size(), d)].name = kUndefined;
  return IllTypedCase{std::move(h), n.name, "undefined"};
}

Broken use_before_def(const GraphData& g, Dial& d) {
  std::vector<std::size_t> cands;
  for (auto i : nodes_with_inputs(g))
    if (i + 1 < g.nodes.size()) cands.push_back(i);
  if (cands.empty()) return std::nullopt;
  const std::size_t i = cands[pick_index(cands.size(), d)];
  const std::size_t later = i + 1 + pick_index(g.nodes.size() - i - 1, d);
  GraphData h = g;
  auto& n = h.nodes[i];
  n.inputs[pick_index(n.inputs.size(), d)].name = g.nodes[later].name;
  return IllTypedCase{std::move(h), n.name, "before"};
}

// The shape rule cannot give the declared type any more: it gives the old one.
Broken node_type(const GraphData& g, Dial& d) {
  if (g.nodes.empty()) return std::nullopt;
  GraphData h = g;
  auto& n = h.nodes[pick_index(g.nodes.size(), d)];
  if (d.pick(2) == 0 && is_float(n.type.dtype)) n.type.dtype = other_float(n.type.dtype);
  else n.type.shape.dims().push_back(2);
  return IllTypedCase{std::move(h), n.name, "declared"};
}

// Every op's result dtype follows its float inputs (or requires them equal,
// or requires an i64 target), so the first reader of the changed argument is
// the first diagnostic; a parameter made i64 is diagnosed at the argument.
// argmax/argmin are i64 whatever float they read: an argument they read
// first is not a candidate.
Broken arg_dtype(const GraphData& g, Dial& d) {
  std::vector<std::size_t> cands;
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    const auto use = first_use(g, g.args[a].name);
    if (use && g.nodes[*use].op != "argmax" && g.nodes[*use].op != "argmin") cands.push_back(a);
  }
  if (cands.empty()) return std::nullopt;
  GraphData h = g;
  auto& a = h.args[cands[pick_index(cands.size(), d)]];
  if (a.kind == spec::ArgKind::Param && d.pick(3) == 0) {
    a.type.dtype = spec::DType::i64;
    return IllTypedCase{std::move(h), a.name, "param"};
  }
  a.type.dtype = is_float(a.type.dtype) ? other_float(a.type.dtype) : g.nodes.back().type.dtype;
  return IllTypedCase{h, h.nodes[*first_use(h, a.name)].name, to_string(a.type)};
}

// A leading axis of a size D that appears in no type of the graph: every
// reader either fails or would produce a type containing D, which no declared
// type has. Two readers are immune and skipped: a full reduction without
// keepdim (sum, mean, max and the like without axes: always []) and
// mse_loss of the argument with itself.
Broken arg_shape(const GraphData& g, Dial& d) {
  std::set<std::int64_t> dims;
  for (const auto& [name, t] : types_of(g)) dims.insert(t.shape.dims().begin(), t.shape.dims().end());
  std::int64_t fresh = 2;
  while (dims.count(fresh)) ++fresh;
  std::vector<std::size_t> cands;
  for (std::size_t a = 0; a < g.args.size(); ++a) {
    const auto use = first_use(g, g.args[a].name);
    if (!use) continue;
    const auto& n = g.nodes[*use];
    const bool reduction = n.op == "sum" || n.op == "mean" || n.op == "max" || n.op == "min" || n.op == "amax" ||
                           n.op == "amin" || n.op == "argmax" || n.op == "argmin";
    const bool full_reduction = reduction && !n.attrs.has("axes") && !n.attrs.has("axis") && !n.attrs.get_bool_or("keepdim", false);
    const bool self_mse = n.op == "mse_loss" && n.inputs[0].name == n.inputs[1].name;
    if (!full_reduction && !self_mse) cands.push_back(a);
  }
  if (cands.empty()) return std::nullopt;
  GraphData h = g;
  auto& a = h.args[cands[pick_index(cands.size(), d)]];
  a.type.shape.dims().insert(a.type.shape.dims().begin(), fresh);
  return IllTypedCase{h, h.nodes[*first_use(h, a.name)].name, to_string(a.type)};
}

Broken misspelled(const GraphData& g, Dial& d) {
  if (g.nodes.empty()) return std::nullopt;
  GraphData h = g;
  auto& n = h.nodes[pick_index(g.nodes.size(), d)];
  std::string s = n.op;
  switch (d.pick(4)) {
    case 0: s.pop_back(); break;                     // "maximu"
    case 1: s += s.back(); break;                    // "addd"
    case 2: std::swap(s[0], s[1]); break;            // "dad"
    default: s[0] = static_cast<char>(s[0] - 32);    // "Add": op names are case-sensitive
  }
  if (s.empty() || spec::find_op(s) || !spec::is_identifier(s)) s = n.op + "_typo";
  n.op = s;
  return IllTypedCase{std::move(h), n.name, "unknown"};
}

Broken arity(const GraphData& g, Dial& d) {
  if (g.nodes.empty()) return std::nullopt;
  GraphData h = g;
  auto& n = h.nodes[pick_index(g.nodes.size(), d)];
  const spec::OpInfo* op = spec::find_op(n.op);
  if (op->min_arity >= 1 && d.pick(2) == 1) {
    n.inputs.resize(static_cast<std::size_t>(op->min_arity - 1));
  } else {
    // Extra operands are defined earlier (an operand again, or the first argument).
    const std::string extra = n.inputs.empty() ? g.args.front().name : n.inputs.front().name;
    while (static_cast<int>(n.inputs.size()) <= op->max_arity) n.inputs.push_back(spec::Operand{extra, {}});
  }
  return IllTypedCase{std::move(h), n.name, "takes"};
}

// One invalid attribute per op, reasoned from its shape rule; any op also
// takes an unknown attribute.
Broken bad_attr(const GraphData& g, Dial& d) {
  if (g.nodes.empty()) return std::nullopt;
  const auto types = types_of(g);
  GraphData h = g;
  auto& n = h.nodes[pick_index(g.nodes.size(), d)];
  const std::size_t r = n.inputs.empty() ? 0 : types.at(n.inputs[0].name).shape.rank();
  const auto ri = static_cast<std::int64_t>(r);
  struct Variant {
    std::function<void(AttrMap&)> edit;
    std::string what;
  };
  std::vector<Variant> vs{{[](AttrMap& a) { a.set("bogus", std::int64_t{1}); }, "bogus"}};
  const std::string& op = n.op;
  const bool extreme = op == "max" || op == "min" || op == "amax" || op == "amin" || op == "argmax" || op == "argmin";
  if (extreme || op == "softmax" || op == "log_softmax") {
    vs.push_back({[ri](AttrMap& a) { a.set("axis", ri); }, "range"});
    vs.push_back({[ri](AttrMap& a) { a.set("axis", -ri - 1); }, "range"});
  }
  if (op == "transpose") vs.push_back({[ri](AttrMap& a) { a.set("dim0", ri); }, "range"});
  if (op == "sum" || op == "mean") {
    vs.push_back({[ri](AttrMap& a) { a.set("axes", IntList{ri}); }, "range"});
    vs.push_back({[](AttrMap& a) { a.set("axes", IntList{}); }, "empty"});
    if (r >= 1) vs.push_back({[](AttrMap& a) { a.set("axes", IntList{0, 0}); }, "repeated"});
  }
  if (op == "sum" || op == "mean" || extreme)
    vs.push_back({[](AttrMap& a) { a.set("keepdim", std::int64_t{1}); }, "keepdim"});
  if (op == "permute") {
    if (r >= 2)
      vs.push_back({[](AttrMap& a) {
                      IntList p = a.get_ints("perm");
                      p[1] = p[0];
                      a.set("perm", p);
                    },
                    "permutation"});
    else
      vs.push_back({[](AttrMap& a) {
                      IntList p = a.get_ints("perm");
                      p.push_back(0);
                      a.set("perm", p);
                    },
                    "entries"});
    vs.push_back({[](AttrMap& a) { a = without(a, {"perm"}); }, "missing"});
  }
  if (op == "reshape") {
    IntList twice = n.type.shape.dims();
    twice.push_back(2);
    vs.push_back({[twice](AttrMap& a) { a.set("shape", twice); }, "elements"});
    vs.push_back({[](AttrMap& a) { a = without(a, {"shape"}); }, "missing"});
  }
  if (op == "broadcast_to" && r >= 1) {
    IntList to = types.at(n.inputs[0].name).shape.dims();
    auto it = std::find_if(to.begin(), to.end(), [](std::int64_t x) { return x != 1; });
    if (it != to.end()) ++*it;
    else to.clear();  // all-1 axes cannot broadcast to a lower rank
    vs.push_back({[to](AttrMap& a) { a.set("shape", to); }, "broadcast"});
  }
  if (op == "concat" || op == "narrow" || op == "gather" || op == "scatter_add")
    vs.push_back({[ri](AttrMap& a) { a.set("axis", ri); }, "range"});
  if (op == "flatten") vs.push_back({[ri](AttrMap& a) { a.set("start_dim", ri + 1); }, "range"});
  if (op == "narrow") {
    vs.push_back({[](AttrMap& a) { a = without(a, {"length"}); }, "missing"});
    const std::int64_t too_long = types.at(n.inputs[0].name).shape[spec::normalize_axis(n.attrs.get_int("axis"), r)] + 1;
    vs.push_back({[too_long](AttrMap& a) { a.set("length", too_long); }, "exceeds"});
  }
  if (op == "gather" || op == "scatter_add") vs.push_back({[](AttrMap& a) { a = without(a, {"axis"}); }, "missing"});
  if (op == "clamp") vs.push_back({[](AttrMap& a) { a = without(a, {"min", "max"}); }, "least"});
  if (op == "constant") {
    vs.push_back({[](AttrMap& a) { a.set("dtype", std::string("f16")); }, "dtype"});
    vs.push_back({[](AttrMap& a) { a = without(a, {"value"}); }, "missing"});
  }
  if (op == "softplus") vs.push_back({[](AttrMap& a) { a.set("beta", 0.0); }, "nonzero"});
  if (op == "gelu") vs.push_back({[](AttrMap& a) { a.set("approximate", std::string("sigmoid")); }, "not one of none, tanh"});
  if (op == "scaled_dot_product_attention")
    vs.push_back({[](AttrMap& a) { a.set("scale", std::numeric_limits<double>::infinity()); }, "finite scale"});
  if (op == "dropout") {
    vs.push_back({[](AttrMap& a) { a.set("p", 1.0); }, "must lie in"});
    vs.push_back({[](AttrMap& a) { a.set("p", -0.25); }, "must lie in"});
  }
  const Variant& v = vs[pick_index(vs.size(), d)];
  v.edit(n.attrs);
  return IllTypedCase{std::move(h), n.name, v.what};
}

Broken undefined_output(const GraphData& g, Dial&) {
  GraphData h = g;
  h.outputs.front().name = kUndefinedOutput;
  return IllTypedCase{std::move(h), kUndefinedOutput, "output"};
}

Broken duplicate(const GraphData& g, Dial& d) {
  if (g.nodes.empty()) return std::nullopt;
  const std::size_t i = pick_index(g.nodes.size(), d);
  std::vector<std::string> earlier;
  for (const auto& a : g.args) earlier.push_back(a.name);
  for (std::size_t j = 0; j < i; ++j) earlier.push_back(g.nodes[j].name);
  GraphData h = g;
  const std::string name = earlier[pick_index(earlier.size(), d)];
  h.nodes[i].name = name;
  return IllTypedCase{std::move(h), name, "twice"};
}

using MutationFn = Broken (*)(const GraphData&, Dial&);
constexpr MutationFn kMutations[] = {undefined_operand, use_before_def, node_type, arg_dtype, arg_shape,
                                     misspelled,        arity,          bad_attr,  undefined_output, duplicate};
static_assert(std::size(kMutations) == static_cast<std::size_t>(Mutation::Count));

}  // namespace

IllTypedCase break_graph(const GraphData& g, Mutation first, Dial& d) {
  const int n = static_cast<int>(Mutation::Count);
  for (int k = 0; k < n; ++k)
    if (auto b = kMutations[(static_cast<int>(first) + k) % n](g, d)) return std::move(*b);
  return *undefined_output(g, d);  // always applies
}

}  // namespace vt::proptests::detail
