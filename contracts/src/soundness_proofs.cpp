#include "soundness_proofs.hpp"

#include <sstream>

#include "path_explorer.hpp"
#include "vt/reference/soundness.hpp"

namespace vt::contracts {

namespace {

using spec::Dense;

// Fresh real variables named prefix<input>_<element>, or the case's index values.
Dense<Sym> variables(z3::context& ctx, const spec::Shape& s, const std::string& name, const std::vector<std::int64_t>* values) {
  Dense<Sym> d = Dense<Sym>::full(s, Sym(ctx.real_val(0)));
  for (std::int64_t k = 0; k < d.numel(); ++k)
    d[k] = values && !values->empty() ? Sym(ctx.real_val(static_cast<std::int64_t>((*values)[static_cast<std::size_t>(k)])))
                                      : Sym(ctx.real_const((name + "_" + std::to_string(k)).c_str()));
  return d;
}

template <class T>
std::string list_text(const Dense<T>& d) {
  std::ostringstream os;
  os << "[";
  for (std::int64_t k = 0; k < d.numel(); ++k) os << (k ? ", " : "") << d[k];
  os << "]";
  return os.str();
}

struct Symbols {
  std::vector<Dense<Sym>> xs, vs;
  Dense<Sym> g;
};

template <class T>
struct Concrete {
  std::vector<Dense<T>> xs, vs;
  Dense<T> g;
};

template <class T>
Dense<T> concrete(const z3::model& m, const Dense<Sym>& d, T (*conv)(const std::string&)) {
  Dense<T> out = Dense<T>::full(d.shape, conv("0"));
  for (std::int64_t k = 0; k < d.numel(); ++k) out[k] = conv(model_value(m, d[k].expr()));
  return out;
}

template <class T>
Concrete<T> concrete_case(const z3::model& m, const Symbols& s, T (*conv)(const std::string&)) {
  Concrete<T> c{{}, {}, concrete(m, s.g, conv)};
  for (const auto& x : s.xs) c.xs.push_back(concrete(m, x, conv));
  for (const auto& v : s.vs) c.vs.push_back(concrete(m, v, conv));
  return c;
}

// The counterexample's values, and both sides recomputed from them exactly
// (rationals, or certified intervals for transcendental ops) and in doubles.
template <class Op>
std::string replay(const z3::model& m, const Symbols& s, const spec::AttrMap& attrs, bool& confirms) {
  std::ostringstream os;
  const auto q = concrete_case<ref::Rational>(m, s, +[](const std::string& t) { return to_rational(t); });
  for (std::size_t i = 0; i < q.xs.size(); ++i)
    os << "x" << i << " = " << list_text(q.xs[i]) << "; v" << i << " = " << list_text(q.vs[i]) << "; ";
  os << "g = " << list_text(q.g) << ". ";
  if constexpr (Op::fragment == spec::Fragment::Rational) {
    const auto sides = ref::soundness_sides<Op, ref::Rational>(q.xs, q.vs, q.g, attrs);
    confirms = sides.jvp_side != sides.vjp_side;
    os << "Exact replay: <g,Jv> = " << sides.jvp_side << ", <VJP g,v> = " << sides.vjp_side
       << (confirms ? " (differ: confirmed)" : " (equal: NOT confirmed)") << ". ";
  } else {
    const auto verdict = ref::interval_soundness<Op>(q.xs, q.vs, q.g, attrs);
    confirms = verdict.verdict == ref::Verdict::Unsound;
    os << "Interval replay: " << ref::to_string(verdict.verdict) << " (" << verdict.detail << "). ";
  }
  try {
    const auto d = concrete_case<double>(m, s, +[](const std::string& t) { return to_rational(t).convert_to<double>(); });
    const auto sides = ref::soundness_sides<Op, double>(d.xs, d.vs, d.g, attrs);
    os << "Float replay (f64): <g,Jv> = " << sides.jvp_side << ", <VJP g,v> = " << sides.vjp_side << ".";
  } catch (const std::exception& e) {
    os << "Float replay failed: " << e.what();
  }
  return os.str();
}

template <class Op>
CaseOutcome prove(const ProofCase& c, unsigned timeout_ms, std::chrono::steady_clock::time_point deadline) {
  SymWorld world;
  SymWorld::Scope scope(world);
  Symbols s{{}, {}, variables(world.ctx, c.output.shape, "g", nullptr)};
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    s.xs.push_back(variables(world.ctx, c.inputs[i].shape, "x" + std::to_string(i), &c.indices[i]));
    s.vs.push_back(variables(world.ctx, c.inputs[i].shape, "v" + std::to_string(i), nullptr));
  }
  PathExplorer explorer(world, timeout_ms);
  explorer.off_boundaries = true;
  explorer.deadline = deadline;
  for (const auto& gj : s.g.data) explorer.basis_vars.push_back(gj.expr());
  const PathOutcome r = explorer.explore([&] {
    const auto sides = ref::soundness_sides<Op, Sym>(s.xs, s.vs, s.g, c.attrs);
    return sides.jvp_side.expr() == sides.vjp_side.expr();
  });
  CaseOutcome out{r.result, r.paths, r.reason, false, r.basis};
  if (r.model) {
    if (r.basis_index >= 0)  // the counterexample is at g = e_j: put it into the model's terms
      for (std::int64_t k = 0; k < s.g.numel(); ++k) s.g[k] = Sym(world.ctx.real_val(k == r.basis_index ? 1 : 0));
    out.detail = replay<Op>(*r.model, s, c.attrs, out.replay_confirms);
    // Over uninterpreted functions a model may give exp, log, ... values no
    // real function has: unless the certified replay confirms it, the
    // counterexample says only that the table's derivative facts do not
    // suffice (log_softmax needs exp(log s) = s, gelu sqrt(2)^2 = 2).
    if (Op::fragment == spec::Fragment::Transcendental && !out.replay_confirms) {
      out.result = ProofResult::unknown;
      out.detail = "needs identities beyond the derivative table (the uninterpreted-function model is not a real "
                   "counterexample: " + out.detail + ")";
    }
  }
  return out;
}

}  // namespace

CaseOutcome prove_soundness_case(const spec::OpInfo& op, const ProofCase& c, unsigned timeout_ms,
                                 std::chrono::steady_clock::time_point deadline) {
  return spec::visit_op(op.id, [&]<class Op>() { return prove<Op>(c, timeout_ms, deadline); });
}

}  // namespace vt::contracts
