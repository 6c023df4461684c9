#include "vt/spec/verifier.hpp"

#include "vt/spec/mutation.hpp"

#include "vt/spec/text_format.hpp"

#include <algorithm>
#include <map>

namespace vt::spec {

namespace {

struct Def {
  int id;
  TensorType type;
  SrcLoc loc;
};

std::string at(SrcLoc l) { return std::to_string(l.line) + ":" + std::to_string(l.col); }

// Levenshtein distance, to suggest the op the user probably meant.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_op_message(const std::string& name) {
  std::string best;
  // Suggest only close names: within a third of the name's length (at least
  // one edit), so 'linaer' suggests 'linear' and 'pow' suggests nothing.
  std::size_t best_d = std::max<std::size_t>(1, name.size() / 3) + 1;
  for (const auto& op : all_ops()) {
    const auto d = edit_distance(name, op.name);
    if (d < best_d) best_d = d, best = op.name;
  }
  return "unknown op '" + name + "'" + (best.empty() ? "" : " (did you mean '" + best + "'?)");
}

// An op that makes a tensor from attributes alone (constant, full, arange)
// takes the node's declared dtype when its 'dtype' attribute is absent.
void dtype_from_declared_type(const OpInfo& op, const Node& n, AttrMap& attrs) {
  if (op.max_arity != 0 || attrs.has("dtype")) return;
  for (const AttrSpec& a : op.attrs)
    if (a.name == "dtype") attrs.set("dtype", std::string(to_string(n.type.dtype)));
}

// Walks the graph once, recording what it resolves and every problem it finds.
class Verifier {
 public:
  explicit Verifier(const GraphData& g) : g_(g) {
    // Names defined anywhere, to tell "used before definition" from "undefined".
    for (const auto& n : g.nodes) later_.emplace(n.name, n.loc);
  }

  std::vector<Diagnostic> run(ResolvedGraph* out) {
    if (!is_identifier(g_.name))
      error(SrcLoc{}, "invalid graph name " + quote_bytes(g_.name) + " (expected [A-Za-z_][A-Za-z0-9_]*)");
    for (const auto& a : g_.args) check_arg(a);
    for (const auto& n : g_.nodes) check_node(n, out);
    check_outputs(out);
    return std::move(diags_);
  }

 private:
  void error(SrcLoc loc, std::string msg) { diags_.push_back({loc, std::move(msg)}); }

  bool define(const std::string& name, const TensorType& t, SrcLoc loc) {
    // Names must print as .vtg tokens (graphs built in code are not parsed).
    if (!is_value_name(name)) error(loc, "invalid value name " + quote_bytes(name) + " (expected [A-Za-z0-9_.]+)");
    auto [it, fresh] = defs_.emplace(name, Def{next_id_, t, loc});
    ++next_id_;
    if (!fresh) {
      error(loc, "%" + name + " is defined twice" + (it->second.loc.known() ? " (first at " + at(it->second.loc) + ")" : ""));
      return false;
    }
    return true;
  }

  void check_arg(const Arg& a) {
    try {
      a.type.shape.validate();
    } catch (const ShapeError& e) {
      error(a.loc, "%" + a.name + ": " + e.what());
    }
    if (a.kind == ArgKind::Param && !is_float(a.type.dtype))
      error(a.loc, "param %" + a.name + " must be f32 or f64 (parameters are trained), got " + to_string(a.type));
    define(a.name, a.type, a.loc);
  }

  // The operand's definition, or an error naming why it has none.
  const Def* lookup(const Operand& o, const Node& user) {
    auto it = defs_.find(o.name);
    if (it != defs_.end()) return &it->second;
    auto later = later_.find(o.name);
    if (later != later_.end() && later->first != user.name)
      error(o.loc, "%" + user.name + " uses %" + o.name + " before its definition at " + at(later->second));
    else if (later != later_.end())
      error(o.loc, "%" + user.name + " uses itself");
    else
      error(o.loc, "%" + user.name + " uses undefined value %" + o.name);
    return nullptr;
  }

  void check_node(const Node& n, ResolvedGraph* out) {
    std::vector<TensorType> types;
    std::vector<int> ids;
    bool operands_ok = true;
    for (const auto& o : n.inputs) {
      const Def* d = lookup(o, n);
      operands_ok = operands_ok && d;
      if (d) types.push_back(d->type), ids.push_back(d->id);
    }
    const OpInfo* op = find_op(n.op);
    if (!op) error(n.op_loc, "%" + n.name + ": " + unknown_op_message(n.op));
    AttrMap attrs = n.attrs;
    if (op && operands_ok) {
      try {
        dtype_from_declared_type(*op, n, attrs);
        const TensorType rule = infer_type(*op, types, attrs);
        if (rule != n.type && !mutation::planted(mutation::Mutant::verifier_skips_type_check))  // (planted bug when set)
          error(n.type_loc, "%" + n.name + " = " + signature(op->name, types) + ": declared type " + to_string(n.type) +
                                " but the shape rule gives " + to_string(rule));
      } catch (const ShapeError& e) {
        error(n.op_loc, "%" + n.name + " = " + e.what());
      }
    }
    define(n.name, n.type, n.loc);
    if (out) {
      out->ops.push_back(op);
      out->operand_ids.push_back(std::move(ids));
      out->attrs.push_back(std::move(attrs));
    }
  }

  void check_outputs(ResolvedGraph* out) {
    if (g_.outputs.empty()) error(SrcLoc{}, "graph '" + g_.name + "' has no outputs");
    for (const auto& o : g_.outputs) {
      auto it = defs_.find(o.name);
      if (it == defs_.end()) error(o.loc, "output %" + o.name + " is not defined");
      else if (out) out->output_ids.push_back(it->second.id);
    }
  }

  const GraphData& g_;
  std::map<std::string, SrcLoc> later_;
  std::map<std::string, Def> defs_;
  int next_id_ = 0;
  std::vector<Diagnostic> diags_;
};

}  // namespace

std::vector<Diagnostic> verify_graph(const GraphData& g) { return Verifier(g).run(nullptr); }

std::string format_diagnostics(const std::vector<Diagnostic>& diags, std::string_view filename) {
  std::string s;
  for (const auto& d : diags)
    s += std::string(filename) + (d.loc.known() ? ":" + at(d.loc) : std::string()) + ": " + d.message + "\n";
  return s;
}

void verify_or_throw(const GraphData& g, std::string_view filename) { resolve(g, filename); }

ResolvedGraph resolve(const GraphData& g, std::string_view filename) {
  ResolvedGraph r;
  const auto diags = Verifier(g).run(&r);
  if (!diags.empty()) throw VerifyError(format_diagnostics(diags, filename));
  return r;
}

}  // namespace vt::spec
