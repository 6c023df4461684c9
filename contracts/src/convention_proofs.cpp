#include "convention_proofs.hpp"

#include <chrono>
#include <functional>

#include "path_explorer.hpp"
#include "vt/reference/rational.hpp"
#include "vt/spec/generic_ops.hpp"

namespace vt::contracts {

namespace {

using spec::Dense;
using spec::Shape;

// Under `hypothesis` on the inputs, the gradients must equal `expected`.
struct Scenario {
  z3::expr hypothesis;
  std::vector<Dense<Sym>> expected;  // per input
  std::string text;
};

struct Convention {
  std::string op, property, family;
  std::vector<Shape> inputs;
  spec::AttrMap attrs;
  std::function<std::vector<Scenario>(const std::vector<Dense<Sym>>& xs, const Sym& g0)> scenarios;
};

Dense<Sym> symbols(z3::context& ctx, const Shape& s, const std::string& name) {
  Dense<Sym> d = Dense<Sym>::full(s, Sym(ctx.real_val(0)));
  for (std::int64_t k = 0; k < d.numel(); ++k) d[k] = Sym(ctx.real_const((name + "_" + std::to_string(k)).c_str()));
  return d;
}

Dense<Sym> filled(const Shape& s, const Sym& v) { return Dense<Sym>::full(s, v); }

// The counterexample replayed on exact rationals: the op's VJP at the
// model's x and g against the declared gradient's value there.
bool replay_differs(const spec::OpInfo& op, const spec::AttrMap& attrs, const spec::TensorType& out, const std::vector<Dense<Sym>>& xs,
                    const Sym& g0, const Scenario& sc, const z3::model& m) {
  using ref::Rational;
  std::vector<Dense<Rational>> xq;
  for (const auto& x : xs) {
    Dense<Rational> d = Dense<Rational>::full(x.shape, Rational(0));
    for (std::int64_t k = 0; k < d.numel(); ++k) d[k] = to_rational(model_value(m, x[k].expr()));
    xq.push_back(std::move(d));
  }
  std::vector<const Dense<Rational>*> in;
  for (const auto& x : xq) in.push_back(&x);
  Dense<Rational> y = Dense<Rational>::full(out.shape, Rational(0));
  spec::generic_forward<Rational>(op.id, in, attrs, y);
  std::vector<Dense<Rational>> dx;
  std::vector<Dense<Rational>*> dp;
  for (const auto& x : xq) dx.push_back(Dense<Rational>::full(x.shape, Rational(0)));
  for (auto& d : dx) dp.push_back(&d);
  spec::generic_vjp<Rational>(op.id, in, y, Dense<Rational>::full(out.shape, to_rational(model_value(m, g0.expr()))), attrs, dp);
  for (std::size_t i = 0; i < dx.size(); ++i)
    for (std::int64_t k = 0; k < dx[i].numel(); ++k)
      if (dx[i][k] != to_rational(model_value(m, sc.expected[i][k].expr()))) return true;
  return false;
}

Theorem prove(const Convention& c, unsigned timeout_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  Theorem t;
  t.op = c.op, t.kind = "convention", t.property = c.property, t.family = c.family;
  const spec::OpInfo& op = *spec::find_op(c.op);
  SymWorld world;
  SymWorld::Scope scope(world);
  std::vector<Dense<Sym>> xs;
  std::vector<spec::TensorType> types;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    xs.push_back(symbols(world.ctx, c.inputs[i], "x" + std::to_string(i)));
    types.push_back({spec::DType::f32, c.inputs[i]});
  }
  spec::AttrMap attrs = c.attrs;
  const spec::TensorType out = spec::infer_type(op, types, attrs);
  // One cotangent for every output element: the scenarios state dx in terms of it.
  const Sym g0(world.ctx.real_const("g"));
  t.result = ProofResult::proved;
  for (const auto& sc : c.scenarios(xs, g0)) {
    PathExplorer explorer(world, timeout_ms);
    const PathOutcome r = explorer.explore(
        [&] {
          std::vector<const Dense<Sym>*> in;
          for (const auto& x : xs) in.push_back(&x);
          Dense<Sym> y = filled(out.shape, Sym(world.ctx.real_val(0)));
          spec::generic_forward<Sym>(op.id, in, attrs, y);
          std::vector<Dense<Sym>> dx;
          std::vector<Dense<Sym>*> dp;
          for (const auto& x : xs) dx.push_back(filled(x.shape, Sym(world.ctx.real_val(0))));
          for (auto& d : dx) dp.push_back(&d);
          spec::generic_vjp<Sym>(op.id, in, y, filled(out.shape, g0), attrs, dp);
          z3::expr goal = world.ctx.bool_val(true);
          for (std::size_t i = 0; i < dx.size(); ++i)
            for (std::int64_t k = 0; k < dx[i].numel(); ++k) goal = goal && dx[i][k].expr() == sc.expected[i][k].expr();
          return goal;
        },
        sc.hypothesis);
    t.paths += r.paths;
    if (r.result != ProofResult::proved) {
      t.result = r.result;
      t.detail = sc.text + ": ";
      if (r.model) {
        t.detail += "at";
        for (std::size_t i = 0; i < xs.size(); ++i) {
          t.detail += " x" + std::to_string(i) + " = [";
          for (std::int64_t k = 0; k < xs[i].numel(); ++k) t.detail += (k ? ", " : "") + model_value(*r.model, xs[i][k].expr());
          t.detail += "]";
        }
        t.detail += ", g = " + model_value(*r.model, g0.expr()) + ", the VJP differs from the declared gradient";
        t.replay_confirmed = replay_differs(op, attrs, out, xs, g0, sc, *r.model);
        t.detail += t.replay_confirmed ? " (exact replay: confirmed)" : " (exact replay: NOT confirmed)";
      } else {
        t.detail += "solver says unknown: " + r.reason;
      }
      break;
    }
    ++t.cases;
  }
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

Sym zero(const Sym& g) { return spec::K(g, 0); }

// One scalar input at a point: dx must be `expect(g)` there.
Convention at_point(std::string op, std::string property, spec::AttrMap attrs, std::vector<long> points,
                    std::function<Sym(const Sym&)> expect) {
  return {op, property, "x a scalar", {Shape{}}, std::move(attrs),
          [points, expect](const std::vector<Dense<Sym>>& xs, const Sym& g) {
            std::vector<Scenario> out;
            for (long p : points)
              out.push_back({xs[0][0].expr() == spec::K(g, p).expr(), {filled(Shape{}, expect(g))}, "x = " + std::to_string(p)});
            return out;
          }};
}

// Ties among the elements of a [n] input (or the 4 taps of a 2x2 window):
// for every set T of >= 2 tied extreme elements, dx_i = share(i, T) * g.
Convention ties(std::string op, std::string property, std::string family, Shape in, spec::AttrMap attrs, bool largest,
                std::function<Sym(std::size_t i, const std::vector<std::size_t>& tied, const Sym& g)> share) {
  return {op, property, family, {in}, std::move(attrs),
          [largest, share, in](const std::vector<Dense<Sym>>& xs, const Sym& g) {
            std::vector<Scenario> out;
            const auto n = static_cast<std::size_t>(xs[0].numel());
            for (unsigned m = 0; m < (1u << n); ++m) {
              std::vector<std::size_t> tied;
              for (std::size_t i = 0; i < n; ++i)
                if (m & (1u << i)) tied.push_back(i);
              if (tied.size() < 2) continue;
              z3::expr h = g.expr().ctx().bool_val(true);
              std::string text = "tie at elements";
              for (std::size_t i : tied) {
                h = h && xs[0][static_cast<std::int64_t>(i)].expr() == xs[0][static_cast<std::int64_t>(tied[0])].expr();
                text += " " + std::to_string(i);
              }
              for (std::size_t k = 0; k < n; ++k)
                if (!(m & (1u << k))) {
                  const auto& a = xs[0][static_cast<std::int64_t>(tied[0])].expr();
                  const auto& b = xs[0][static_cast<std::int64_t>(k)].expr();
                  h = h && (largest ? a > b : a < b);
                }
              Dense<Sym> e = filled(in, zero(g));
              for (std::size_t i = 0; i < n; ++i) e[static_cast<std::int64_t>(i)] = share(i, tied, g);
              out.push_back({h, {e}, text});
            }
            return out;
          }};
}

Sym split(std::size_t i, const std::vector<std::size_t>& tied, const Sym& g) {
  for (std::size_t t : tied)
    if (t == i) return g / spec::K(g, static_cast<long>(tied.size()));
  return zero(g);
}
Sym first(std::size_t i, const std::vector<std::size_t>& tied, const Sym& g) { return i == tied[0] ? g : zero(g); }

spec::AttrMap attr(const char* k, spec::AttrValue v) {
  spec::AttrMap a;
  a.set(k, std::move(v));
  return a;
}

std::vector<Convention> conventions() {
  std::vector<Convention> c;
  c.push_back(at_point("relu", "relu'(0) = 0: dx = 0 at x = 0", {}, {0}, zero));
  c.push_back(at_point("abs", "sgn(0) = 0: dx = 0 at x = 0", {}, {0}, zero));
  spec::AttrMap bounds;
  bounds.set("min", -1.0);
  bounds.set("max", 2.0);
  c.push_back(at_point("clamp", "bounds inclusive: dx = g at x = min and at x = max (min -1, max 2)", bounds, {-1, 2},
                       [](const Sym& g) { return g; }));
  for (const char* op : {"maximum", "minimum"})
    c.push_back({op, "a tie a == b splits g: da = db = g/2", "a, b scalars", {Shape{}, Shape{}}, {},
                 [](const std::vector<Dense<Sym>>& xs, const Sym& g) {
                   const Sym half = g / spec::K(g, 2);
                   return std::vector<Scenario>{{xs[0][0].expr() == xs[1][0].expr(), {filled(Shape{}, half), filled(Shape{}, half)}, "a == b"}};
                 }});
  for (const char* op : {"max", "min", "amax", "amin"}) {
    const bool largest = std::string(op).find("max") != std::string::npos;
    c.push_back(ties(op, "over all axes, t tied extreme elements share g: dx = g/t at each", "x [3], every tie set",
                     Shape{3}, {}, largest, split));
    c.push_back(ties(op, "over all axes, t tied extreme elements share g: dx = g/t at each", "x [4], every tie set",
                     Shape{4}, {}, largest, split));
    const bool to_first = std::string(op) == "max" || std::string(op) == "min";
    c.push_back(ties(op, to_first ? "along an axis, the first extreme element takes all of g" : "along an axis, tied extreme elements share g",
                     "x [4], axis 0, every tie set", Shape{4}, attr("axis", std::int64_t{0}), largest, to_first ? first : split));
  }
  spec::AttrMap pool = attr("kernel_size", spec::IntList{2, 2});
  c.push_back(ties("max_pool2d", "the first maximal tap (row-major) of a window takes all of g", "x [1, 1, 2, 2], kernel 2, every tie set",
                   Shape{1, 1, 2, 2}, pool, true, first));
  return c;
}

}  // namespace

std::vector<Theorem> convention_theorems(unsigned timeout_ms, const std::optional<std::string>& only_op) {
  std::vector<Theorem> out;
  for (const auto& c : conventions())
    if (!only_op || *only_op == c.op) out.push_back(prove(c, timeout_ms));
  return out;
}

}  // namespace vt::contracts
