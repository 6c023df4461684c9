// Index maps of the op table proved for all shapes below stated limits. The
// maps are the spec's own templates (BasicWindow2d, BasicAxisView,
// window_positions) instantiated on Idx (z3_index.hpp).
#include "index_proofs.hpp"

#include <chrono>
#include <functional>

#include "vt/spec/index_maps.hpp"
#include "vt/spec/ops/conv.hpp"
#include "z3_index.hpp"

namespace vt::contracts {

namespace {
thread_local IdxWorld* g_index_world = nullptr;
}

IdxWorld& IdxWorld::current() {
  if (!g_index_world) throw std::logic_error("an Idx was used outside an IdxWorld::Scope");
  return *g_index_world;
}
IdxWorld::Scope::Scope(IdxWorld& w) : previous_(g_index_world) { g_index_world = &w; }
IdxWorld::Scope::~Scope() { g_index_world = previous_; }

Idx::Idx(long v) : e_(IdxWorld::current().ctx.int_val(static_cast<int64_t>(v))) {}
Idx Idx::record(z3::expr e) {
  IdxWorld::current().intermediates.push_back(e);
  return Idx(std::move(e));
}

namespace {

using Window = spec::ops::BasicWindow2d<Idx>;
using View = spec::BasicAxisView<Idx>;

struct IndexTheorem {
  std::string name, property, family;
  int bits;            // the machine index width every intermediate must fit
  bool expect_witness; // true: the theorem is that a violating shape exists
  // Adds the hypotheses to `s` and returns the goal.
  std::function<z3::expr(z3::context&, z3::solver&)> build;
};

z3::expr pow2(z3::context& c, int e) { return c.int_val(static_cast<uint64_t>(1) << e); }  // e <= 63

Idx var(z3::context& c, const std::string& name) { return Idx(c.int_const(name.c_str())); }

// 0 <= i < n for a position, 1 <= n < 2^16 for a size.
void position(z3::solver& s, const Idx& i, const Idx& n) { s.add(i >= 0 && i < n); }
void size(z3::solver& s, const Idx& n, int limit_bits) { s.add(n >= 1 && n.expr() < pow2(n.expr().ctx(), limit_bits)); }

// The proven step lemma (theorem "row-major step"), instantiated: x D + i
// determines x and i when 0 <= i < D and x >= 0.
void step_instance(z3::solver& s, const z3::expr& x, const z3::expr& i, const z3::expr& x2, const z3::expr& i2, const z3::expr& D) {
  s.add(z3::implies(x >= 0 && x2 >= 0 && i >= 0 && i < D && i2 >= 0 && i2 < D && x * D + i == x2 * D + i2, x == x2 && i == i2));
}

// For a row-major map `at` over sizes `dims` (each in [1, 2^size_bits),
// their product <= 2^48): the goal that `at` is in bounds at a position and
// injective over two positions, with the step lemma instantiated at every
// level of the nest (dims[0] ... dims[k] prefixes).
z3::expr nest_in_bounds_and_injective(z3::context& c, z3::solver& s, const std::vector<Idx>& dims, const std::vector<std::string>& names,
                                      int size_bits, const std::function<Idx(const std::vector<Idx>&)>& at) {
  z3::expr count = c.int_val(1);
  for (const Idx& d : dims) size(s, d, size_bits), count = count * d.expr();
  s.add(count <= pow2(c, 48));
  std::vector<Idx> p, q;
  z3::expr same = c.bool_val(true);
  for (std::size_t k = 0; k < dims.size(); ++k) {
    p.push_back(var(c, names[k])), q.push_back(var(c, names[k] + "2"));
    position(s, p[k], dims[k]), position(s, q[k], dims[k]);
    same = same && p[k] == q[k];
  }
  z3::expr a = p[0].expr(), b = q[0].expr();
  for (std::size_t k = 1; k < dims.size(); ++k) {
    step_instance(s, a, p[k].expr(), b, q[k].expr(), dims[k].expr());
    a = a * dims[k].expr() + p[k].expr(), b = b * dims[k].expr() + q[k].expr();
  }
  IdxWorld::current().intermediates.clear();  // only the map's own arithmetic
  const Idx at_p = at(p), at_q = at(q);
  return at_p >= 0 && at_p.expr() < count && z3::implies(at_p == at_q, same);
}

std::vector<IndexTheorem> theorems() {
  std::vector<IndexTheorem> t;
  t.push_back({"row-major step", "x*D + i is injective over x >= 0, 0 <= i < D (the lemma the injectivity theorems instantiate)",
               "all integers", 64, false, [](z3::context& c, z3::solver& s) {
                 const z3::expr x = c.int_const("x"), x2 = c.int_const("x2"), i = c.int_const("i"), i2 = c.int_const("i2"),
                                D = c.int_const("D");
                 s.add(D >= 1 && i >= 0 && i < D && i2 >= 0 && i2 < D && x >= 0 && x2 >= 0);
                 return z3::implies(x * D + i == x2 * D + i2, x == x2 && i == i2);
               }});
  t.push_back({"window_positions", "Ho >= 1 and every tap row(oh, i) = oh*s - p + i*d of every output row lies in the padded input [-p, H+p)",
               "H, k, s, d in [1, 2^16), p in [0, 2^16), H + 2p >= d(k-1) + 1 (what window::make checks)", 64, false,
               [](z3::context& c, z3::solver& s) {
                 Window w{var(c, "N"), var(c, "C"), var(c, "H"), var(c, "W"), var(c, "kh"), var(c, "kw")};
                 w.sh = var(c, "sh"), w.ph = var(c, "ph"), w.dh = var(c, "dh");
                 for (const Idx* n : {&w.H, &w.kh, &w.sh, &w.dh}) size(s, *n, 16);
                 s.add(w.ph >= 0 && w.ph.expr() < pow2(c, 16));
                 s.add(w.H + 2 * w.ph >= spec::ops::window_extent(w.kh, w.dh));
                 w.Ho = spec::ops::window_positions(w.H, w.kh, w.sh, w.ph, w.dh);
                 const Idx oh = var(c, "oh"), i = var(c, "i");
                 position(s, oh, w.Ho);
                 position(s, i, w.kh);
                 const Idx r = w.row(oh, i);
                 return w.Ho >= 1 && r >= Idx(0) - w.ph && r < w.H + w.ph;
               }});
  auto in_at = [](int bits, long long max_count, bool witness) {
    return IndexTheorem{
        bits == 64 ? "Window2d::in_at" : "Window2d::in_at (32-bit)",
        witness ? "with 32-bit indices some in_at overflows once N*C*H*W may reach 2^32 - 1 (a witness shape)"
                : "0 <= in_at(n, c, r, q) < N*C*H*W for every element, every intermediate within int" + std::to_string(bits),
        "N, C, H, W in [1, 2^16), N*C*H*W <= " + std::string(max_count == (1LL << 48) ? "2^48 (the shape rule's limit)"
                                                             : max_count == (1LL << 31) - 1 ? "2^31 - 1" : "2^32 - 1"),
        bits, witness, [max_count](z3::context& c, z3::solver& s) {
          Window w{var(c, "N"), var(c, "C"), var(c, "H"), var(c, "W"), Idx(1), Idx(1)};
          for (const Idx* n : {&w.N, &w.C, &w.H, &w.W}) size(s, *n, 16);
          s.add(w.N.expr() * w.C.expr() * w.H.expr() * w.W.expr() <= c.int_val(static_cast<int64_t>(max_count)));
          const Idx n = var(c, "n"), ch = var(c, "c"), r = var(c, "r"), q = var(c, "q");
          position(s, n, w.N), position(s, ch, w.C), position(s, r, w.H), position(s, q, w.W);
          IdxWorld::current().intermediates.clear();  // only in_at's own arithmetic
          const Idx at = w.in_at(n, ch, r, q);
          return at >= 0 && at.expr() < w.N.expr() * w.C.expr() * w.H.expr() * w.W.expr();
        }};
  };
  t.push_back(in_at(64, 1LL << 48, false));
  t.push_back(in_at(32, (1LL << 31) - 1, false));
  t.push_back(in_at(32, (1LL << 32) - 1, true));
  t.push_back({"Window2d::out_at", "0 <= out_at < N*O*Ho*Wo, and distinct outputs get distinct offsets (each written once)",
               "N, O, Ho, Wo in [1, 2^16), N*O*Ho*Wo <= 2^48", 64, false, [](z3::context& c, z3::solver& s) {
                 Window w{Idx(1), Idx(1), Idx(1), Idx(1), Idx(1), Idx(1)};
                 const Idx N = var(c, "N"), O = var(c, "O");
                 w.Ho = var(c, "Ho"), w.Wo = var(c, "Wo");
                 return nest_in_bounds_and_injective(c, s, {N, O, w.Ho, w.Wo}, {"n", "o", "oh", "ow"}, 16,
                                                     [&](const std::vector<Idx>& p) { return w.out_at(p[0], p[1], O, p[2], p[3]); });
               }});
  t.push_back({"Window2d::tap_at", "0 <= tap_at < O*Ck*kh*kw, and distinct taps get distinct offsets",
               "O, Ck, kh, kw in [1, 2^16), O*Ck*kh*kw <= 2^48", 64, false, [](z3::context& c, z3::solver& s) {
                 const Window w{Idx(1), Idx(1), Idx(1), Idx(1), var(c, "kh"), var(c, "kw")};
                 const Idx O = var(c, "O"), Ck = var(c, "Ck");
                 return nest_in_bounds_and_injective(c, s, {O, Ck, w.kh, w.kw}, {"o", "c", "i", "j"}, 16,
                                                     [&](const std::vector<Idx>& p) { return w.tap_at(p[0], p[1], Ck, p[2], p[3]); });
               }});
  t.push_back({"AxisView::at", "0 <= at(o, k, i) < outer*n*inner, and distinct positions get distinct offsets (softmax, max, norms)",
               "outer, n, inner in [1, 2^31), outer*n*inner <= 2^48", 64, false, [](z3::context& c, z3::solver& s) {
                 View v;
                 v.outer = var(c, "outer"), v.n = var(c, "n"), v.inner = var(c, "inner");
                 return nest_in_bounds_and_injective(c, s, {v.outer, v.n, v.inner}, {"o", "k", "i"}, 31,
                                                     [&](const std::vector<Idx>& p) { return v.at(p[0], p[1], p[2]); });
               }});
  return t;
}

Theorem prove(const IndexTheorem& it, unsigned timeout_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  Theorem t;
  t.op = it.name, t.kind = "index", t.property = it.property, t.family = it.family;
  z3::context ctx;
  IdxWorld world(ctx);
  IdxWorld::Scope scope(world);
  z3::solver s(ctx);
  z3::params p(ctx);
  p.set("timeout", timeout_ms);
  s.set(p);
  z3::expr goal = it.build(ctx, s);
  for (const auto& v : world.intermediates) goal = goal && v >= -pow2(ctx, it.bits - 1) && v < pow2(ctx, it.bits - 1);
  s.add(!goal);
  const auto r = s.check();
  t.cases = 1;
  if (it.expect_witness) {
    t.result = r == z3::sat ? ProofResult::proved : r == z3::unsat ? ProofResult::counterexample : ProofResult::unknown;
    if (r == z3::sat) {
      const z3::model m = s.get_model();
      t.detail = "witness:";
      for (unsigned i = 0; i < m.size(); ++i) t.detail += " " + m[i].name().str() + " = " + m.get_const_interp(m[i]).to_string();
    } else if (r == z3::unsat) {
      t.detail = "no shape overflows: the 32-bit map would be safe, contrary to the claim";
    } else {
      t.detail = "solver says unknown: " + s.reason_unknown();
    }
  } else {
    t.result = r == z3::unsat ? ProofResult::proved : r == z3::sat ? ProofResult::counterexample : ProofResult::unknown;
    if (r == z3::sat) {
      const z3::model m = s.get_model();
      t.detail = "counterexample:";
      for (unsigned i = 0; i < m.size(); ++i) t.detail += " " + m[i].name().str() + " = " + m.get_const_interp(m[i]).to_string();
    } else if (r == z3::unknown) {
      t.detail = "solver says unknown: " + s.reason_unknown();
    }
  }
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

}  // namespace

std::vector<std::string> index_map_names() {
  std::vector<std::string> out;
  for (const auto& t : theorems()) out.push_back(t.name);
  return out;
}

std::vector<Theorem> index_theorems(unsigned timeout_ms, bool, const std::optional<std::string>& only) {
  std::vector<Theorem> out;
  for (const auto& t : theorems())
    if (!only || *only == t.name || (only->find("Window2d") == 0 && t.name.find(*only) == 0)) out.push_back(prove(t, timeout_ms));
  return out;
}

}  // namespace vt::contracts
