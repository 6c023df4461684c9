#include "backward_contracts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "vt/reference/backward_bound.hpp"
#include "vt/reference/contract_bounds.hpp"
#include "vt/reference/magnitude.hpp"
#include "vt/reference/ref_backend.hpp"
#include "vt/spec/generic_ops.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::contracts::detail {
namespace {

using ref::Mag;

// Roundings a backward kernel may spend beyond its formula's own (as a
// reciprocal taken once and multiplied would). 0: every kernel today keeps
// to its formula's count (the contract properties and contracts_realistic_shapes
// pass at 0); a kernel that needs more must say so here, not loosen k.
constexpr double kKernelSlack = 0;

// Rounds of the cache-poisoning check below: more forward calls on other
// values, from buffers of their own, than any kernel keeps slots for
// (attention keeps 4 probability sets, conv one column set).
constexpr int kPoisonRounds = 8;

// A kernel may keep state between calls (attention's probabilities, conv's
// im2col columns) and reuse it in the backward when its inputs are bitwise
// the ones it saw (FastKernels only: the generic code keeps none). Poisoned: the op's forward runs kPoisonRounds times on
// other values (each float input rotated), then its backward on this node's
// own inputs, from copies (other addresses), must give bitwise what it gave
// before. Returns "" or what differed.
template <class S>
std::string stale_cache_difference(rt::FastBackend<S>& backend, const spec::OpInfo& info, const std::vector<const spec::Dense<S>*>& in,
                                   const std::vector<bool>& float_input, const spec::Dense<S>& y, const spec::Dense<S>& cot,
                                   const spec::AttrMap& attrs, const std::vector<spec::Dense<S>*>& dxp) {
  std::vector<std::vector<spec::Dense<S>>> others(kPoisonRounds);  // alive together: every buffer distinct
  for (int round = 0; round < kPoisonRounds; ++round) {
    std::vector<const spec::Dense<S>*> ptrs;
    for (std::size_t i = 0; i < in.size(); ++i) {
      others[static_cast<std::size_t>(round)].push_back(*in[i]);
      spec::Dense<S>& x = others[static_cast<std::size_t>(round)].back();
      if (float_input[i] && x.data.size() > 1)
        std::rotate(x.data.begin(), x.data.begin() + static_cast<std::ptrdiff_t>((static_cast<std::size_t>(round) + 1) % x.data.size()),
                    x.data.end());
    }
    for (const auto& x : others[static_cast<std::size_t>(round)]) ptrs.push_back(&x);
    spec::Dense<S> scratch = spec::Dense<S>::full(y.shape, S(0));
    backend.forward(info.id, ptrs, attrs, scratch);
  }
  std::vector<spec::Dense<S>> own, dx2;
  std::vector<const spec::Dense<S>*> own_ptrs;
  std::vector<spec::Dense<S>*> dx2_ptrs;
  for (const auto* x : in) own.push_back(*x), dx2.push_back(spec::Dense<S>::full(x->shape, S(0)));
  for (std::size_t i = 0; i < in.size(); ++i) own_ptrs.push_back(&own[i]), dx2_ptrs.push_back(dxp[i] ? &dx2[i] : nullptr);
  backend.vjp(info.id, own_ptrs, y, cot, attrs, dx2_ptrs);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!dxp[i]) continue;
    for (std::int64_t k = 0; k < dx2[i].numel(); ++k)
      if (std::memcmp(&dx2[i][k], &(*dxp[i])[k], sizeof(S)) != 0) {
        char why[320];
        std::snprintf(why, sizeof why, "input %zu element %lld: after forward calls on other values the backward gives %.9g, not %.9g "
                      "(state kept between calls, not checked against its inputs)", i, static_cast<long long>(k),
                      static_cast<double>(dx2[i][k]), static_cast<double>((*dxp[i])[k]));
        return why;
      }
  }
  return "";
}

}  // namespace

// Each node's VJP kernel alone, within ref::backward_bound of the exact VJP
// on the same float inputs, output and cotangent, plus kKernelSlack.
template <class S, class B>
std::vector<ref::NodeAudit> audit_backward(const spec::GraphData& g, rt::Program<S, B>& p) {
  const spec::ResolvedGraph r = spec::resolve(g, g.name);
  const spec::DType dtype = sizeof(S) == 4 ? spec::DType::f32 : spec::DType::f64;
  const ref::RefBackend be;
  std::vector<ref::NodeAudit> out;
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    const spec::Node& node = g.nodes[n];
    const spec::Dense<S>* cot = p.value_grad(node.name);
    if (!cot) continue;  // not on the way to the loss
    const spec::OpInfo& info = *r.ops[n];
    std::vector<const spec::Dense<S>*> in;
    std::vector<spec::Dense<S>> dx;
    std::vector<ref::RefTensor> ex_in, ex_dx;
    std::vector<spec::Dense<Mag>> m_in, m_dx;
    for (const spec::Operand& o : node.inputs) {
      const spec::Dense<S>& x = p.value(o.name);
      in.push_back(&x);
      dx.push_back(spec::Dense<S>::full(x.shape, S(0)));
      ex_in.push_back(ref::exact_tensor(x.shape, spec::to_doubles(x)));
      ex_dx.push_back(be.zeros_like(ex_in.back()));
      m_in.push_back(ref::exact_mags(x.shape, spec::to_doubles(x)));
      m_dx.push_back(spec::Dense<Mag>::full(x.shape, Mag{}));
    }
    std::vector<spec::Dense<S>*> dxp;
    std::vector<bool> float_input;
    std::vector<const ref::RefTensor*> exp;
    std::vector<ref::RefTensor*> exdp;
    std::vector<const spec::Dense<Mag>*> mp;
    std::vector<spec::Dense<Mag>*> mdp;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const auto id = static_cast<std::size_t>(r.operand_ids[n][i]);
      float_input.push_back(spec::is_float(id < g.args.size() ? g.args[id].type.dtype : g.nodes[id - g.args.size()].type.dtype));
      const bool wanted = info.differentiable(static_cast<int>(i)) && float_input.back();
      dxp.push_back(wanted ? &dx[i] : nullptr);
      exp.push_back(&ex_in[i]);
      exdp.push_back(wanted ? &ex_dx[i] : nullptr);
      mp.push_back(&m_in[i]);
      mdp.push_back(wanted ? &m_dx[i] : nullptr);
    }
    const spec::Dense<S>& y = p.value(node.name);
    // The runtime's kernel for this op, alone (FastKernels when the program uses them).
    p.backend().vjp(info.id, in, y, *cot, r.attrs[n], dxp);
    ref::NodeAudit a;
    a.node = "%" + node.name + " (backward)";
    a.op = std::string(info.name);
    a.verdict = ref::NodeVerdict::Met;
    try {
      be.vjp(info.id, exp, ref::exact_tensor(y.shape, spec::to_doubles(y)), ref::exact_tensor(cot->shape, spec::to_doubles(*cot)), r.attrs[n], exdp);
      spec::generic_vjp<Mag>(info.id, mp, ref::exact_mags(y.shape, spec::to_doubles(y)), ref::exact_mags(cot->shape, spec::to_doubles(*cot)), r.attrs[n], mdp);
    } catch (const spec::DomainError& e) {
      a.contract = "backward gamma_k*terms";
      a.verdict = ref::NodeVerdict::Inconclusive;
      a.detail = std::string("exact VJP undefined on these float values: ") + e.what();
      out.push_back(std::move(a));
      continue;
    }
    double deepest = 0;
    for (std::size_t i = 0; i < in.size(); ++i)
      if (dxp[i])
        for (const Mag& e : m_dx[i].data) deepest = std::max(deepest, e.k);
    char text[64];
    std::snprintf(text, sizeof text, "backward gamma_k*terms, k <= %.0f", deepest + kKernelSlack);
    a.contract = text;
    for (std::size_t i = 0; i < in.size() && a.verdict != ref::NodeVerdict::Violated; ++i) {
      if (!dxp[i]) continue;
      for (std::int64_t k = 0; k < dx[i].numel(); ++k) {
        const Mag& mag = m_dx[i][k];
        const double depth = mag.k + kKernelSlack;
        const double bound = ref::backward_bound(mag, dtype, kKernelSlack);
        const double f = static_cast<double>(dx[i][k]);
        double err = 0;
        const ref::NodeVerdict v = ref::check_within(f, ex_dx[i].interval_at(k), bound, err);
        a.local.max_abs = std::max(a.local.max_abs, err);
        a.bound_use = std::max(a.bound_use, ref::bound_use(err, bound));
        if (v == ref::NodeVerdict::Met) continue;
        if (a.verdict == ref::NodeVerdict::Met || v == ref::NodeVerdict::Violated) {
          a.verdict = v;
          char why[200];
          std::snprintf(why, sizeof why, "input %zu element %lld: %s|dx - dx*| = %.3g, bound %.3g (dx = %.9g, k = %.0f)", i,
                        static_cast<long long>(k), std::isfinite(f) ? "" : "non-finite gradient, ", err, bound, f, depth);
          a.detail = why;
        }
        if (v == ref::NodeVerdict::Violated) break;
      }
    }
    if constexpr (std::is_same_v<B, rt::FastBackend<S>>)
      if (a.verdict != ref::NodeVerdict::Violated && p.backend().fast())
        if (std::string stale = stale_cache_difference(p.backend(), info, in, float_input, y, *cot, r.attrs[n], dxp); !stale.empty())
          a.verdict = ref::NodeVerdict::Violated, a.detail = std::move(stale);
    out.push_back(std::move(a));
  }
  return out;
}

template std::vector<ref::NodeAudit> audit_backward(const spec::GraphData&, rt::Program<float>&);
template std::vector<ref::NodeAudit> audit_backward(const spec::GraphData&, rt::Program<double>&);
template std::vector<ref::NodeAudit> audit_backward(const spec::GraphData&, rt::Program<float, cuda::EmulatedBackend<float>>&);
template std::vector<ref::NodeAudit> audit_backward(const spec::GraphData&, rt::Program<double, cuda::EmulatedBackend<double>>&);
template std::vector<ref::NodeAudit> audit_backward(const spec::GraphData&, rt::Program<float, cuda::GpuBackend<float>>&);
template std::vector<ref::NodeAudit> audit_backward(const spec::GraphData&, rt::Program<double, cuda::GpuBackend<double>>&);

}  // namespace vt::contracts::detail
