// Benchmarks of the exact reference (one thread):
//  1. exact forward+backward of a digits-sized MLP (64-32-10, ReLU,
//     cross_entropy, batch 32) on float32 inputs, with the largest rational
//     numerator/denominator seen;
//  2. per-node soundness checks per second for every op at small shapes
//     (exact over the rationals, or intervals + 256-bit finite differences).
//   build/bin/bench_reference [--json]
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "vt/reference/ref_backend.hpp"
#include "vt/reference/soundness.hpp"
#include "vt/spec/builder.hpp"
#include "vt/spec/lower.hpp"

using namespace vt;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct MlpResult {
  double best_ms = 0, median_ms = 0;
  std::size_t numerator_bits = 0, denominator_bits = 0;
  double worst_gradient_width = 0;  // relative width of the widest gradient enclosure
};

MlpResult bench_mlp() {
  spec::GraphBuilder b("digits_mlp");
  auto x = b.input("x", spec::DType::f32, {32, 64});
  auto label = b.input("label", spec::DType::i64, {32});
  auto w1 = b.param("w1", spec::DType::f32, {32, 64});
  auto b1 = b.param("b1", spec::DType::f32, {32});
  auto w2 = b.param("w2", spec::DType::f32, {10, 32});
  auto b2 = b.param("b2", spec::DType::f32, {10});
  b.output(b.cross_entropy(b.linear(b.relu(b.linear(x, w1, b1)), w2, b2), label));
  const spec::GraphData g = b.build();

  // float32 data shaped like digits (pixels 0..16 scaled), PyTorch-style init.
  std::mt19937 rng(1);
  auto floats = [&](std::int64_t n, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& e : v) e = static_cast<float>(u(rng));
    return v;
  };
  std::vector<std::vector<double>> args = {floats(32 * 64, 0, 1), {}, floats(32 * 64, -0.125, 0.125), floats(32, -0.125, 0.125),
                                           floats(10 * 32, -0.18, 0.18), floats(10, -0.18, 0.18)};
  for (int i = 0; i < 32; ++i) args[1].push_back(i % 10);

  MlpResult res;
  std::vector<double> times;
  for (int rep = 0; rep < 5; ++rep) {
    ref::RefBackend be;
    spec::Tape<ref::RefBackend> tape(be);
    const auto L = spec::lower(g, tape);
    for (std::size_t a = 0; a < g.args.size(); ++a)
      tape.leaf_value(L.arg_slots[a]) = ref::exact_tensor(g.args[a].type.shape, args[a]);
    const auto t0 = Clock::now();
    tape.run_forward();
    tape.backward(L.output_slots[0]);
    times.push_back(seconds_since(t0) * 1e3);
    if (rep > 0) continue;
    for (spec::Slot s = 0; s < tape.num_slots(); ++s) {
      std::vector<const ref::RefTensor*> seen{&tape.value(s)};
      if (tape.requires_grad(s) && tape.grad(s)) seen.push_back(tape.grad(s));
      for (const auto* t : seen) {
        if (!t->exact()) {
          for (const auto& v : t->intervals().data) res.worst_gradient_width = std::max(res.worst_gradient_width, ref::relative_width(v));
          continue;
        }
        for (const auto& q : t->rational().data) {
          res.numerator_bits = std::max(res.numerator_bits, mpz_sizeinbase(boost::multiprecision::numerator(q).backend().data(), 2));
          res.denominator_bits = std::max(res.denominator_bits, mpz_sizeinbase(boost::multiprecision::denominator(q).backend().data(), 2));
        }
      }
    }
  }
  std::sort(times.begin(), times.end());
  res.best_ms = times.front();
  res.median_ms = times[times.size() / 2];
  return res;
}

// ---- soundness throughput
using ref::Rational;
using spec::Dense;

// Small rationals that never tie: with denominators 41, 9973 and 101 prime,
// two values agree only if they share the element index k and the salt, so
// no benchmark case lands on a non-smooth point (ties are conventions).
Dense<Rational> random_rational(spec::Shape s, std::mt19937& rng, bool positive, int salt = 0) {
  std::uniform_int_distribution<int> num(-40, 40);
  Dense<Rational> d = Dense<Rational>::full(std::move(s), Rational(0));
  for (std::int64_t k = 0; k < d.numel(); ++k) {
    const Rational v = Rational(2 * num(rng) + 1, 41) + Rational(k + 1, 9973) + Rational(salt, 101);
    d[k] = positive ? Rational(1, 4) + v * v : v;
  }
  return d;
}

struct Case {
  std::vector<spec::Shape> shapes;
  spec::AttrMap attrs;
  bool positive = false;
  std::int64_t index_bound = 0;  // > 0: index inputs (no gradient) hold n % index_bound
};

template <class Op>
double checks_per_second(const Case& c, double budget_s) {
  std::mt19937 rng(3);
  std::vector<spec::TensorType> types;
  for (const auto& s : c.shapes) types.push_back({spec::DType::f64, s});
  const bool ce = Op::name == std::string_view("cross_entropy");
  if (ce) types[1].dtype = spec::DType::i64;
  for (std::size_t i = 0; i < types.size() && c.index_bound > 0; ++i)
    if (!Op::differentiable(static_cast<int>(i))) types[i].dtype = spec::DType::i64;
  spec::AttrMap attrs = c.attrs;
  const spec::Shape out = spec::infer_type(*spec::find_op(Op::name), types, attrs).shape;
  std::size_t checks = 0;
  const auto t0 = Clock::now();
  while (seconds_since(t0) < budget_s) {
    std::vector<Dense<Rational>> xs, vs;
    for (std::size_t i = 0; i < c.shapes.size(); ++i) {
      xs.push_back(random_rational(c.shapes[i], rng, c.positive, static_cast<int>(i)));
      vs.push_back(random_rational(c.shapes[i], rng, false));
    }
    if (ce)
      for (std::int64_t n = 0; n < xs[1].numel(); ++n) xs[1][n] = n % c.shapes[0][1];
    for (std::size_t i = 0; i < xs.size() && c.index_bound > 0; ++i)
      if (!Op::differentiable(static_cast<int>(i)))
        for (std::int64_t n = 0; n < xs[i].numel(); ++n) xs[i][n] = (n * 3) % c.index_bound;
    const Dense<Rational> g = random_rational(out, rng, false);
    bool ok;
    if constexpr (Op::fragment == spec::Fragment::Rational) {
      const auto s = ref::soundness_sides<Op>(xs, vs, g, attrs);
      ok = s.jvp_side == s.vjp_side;
    } else {
      ok = ref::interval_soundness<Op>(xs, vs, g, attrs).verdict == ref::Verdict::Sound;
    }
    if (!ok) throw std::runtime_error(std::string(Op::name) + ": soundness check failed in the benchmark");
    ++checks;
  }
  return static_cast<double>(checks) / seconds_since(t0);
}

spec::AttrMap attrs(std::initializer_list<std::pair<const char*, spec::AttrValue>> kv) {
  spec::AttrMap a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

// Small shapes per op: elementwise [4, 4], broadcast [4, 4] x [4], matmul
// 4x4x4, images [1, 2, 4, 4], attention over 3 tokens of width 4.
Case case_for(std::string_view name) {
  using spec::IntList;
  if (name == "log" || name == "sqrt" || name == "log1p") return {{{4, 4}}, {}, true};
  if (name == "pow") return {{{4, 4}}, attrs({{"exponent", 2.5}}), true};
  if (name == "clamp") return {{{4, 4}}, attrs({{"min", -0.5}, {"max", 0.6}})};
  if (name == "matmul") return {{{4, 4}, {4, 4}}, {}};
  if (name == "linear") return {{{4, 4}, {4, 4}, {4}}, {}};
  if (name == "permute") return {{{2, 4, 2}}, attrs({{"perm", IntList{2, 0, 1}}})};
  if (name == "reshape") return {{{4, 4}}, attrs({{"shape", IntList{2, 8}}})};
  if (name == "broadcast_to") return {{{4}}, attrs({{"shape", IntList{4, 4}}})};
  if (name == "max" || name == "min" || name == "amax" || name == "amin" || name == "argmax" || name == "argmin")
    return {{{4, 4}}, attrs({{"axis", std::int64_t{1}}})};
  if (name == "mse_loss") return {{{4, 4}, {4, 4}}, {}};
  if (name == "cross_entropy") return {{{4, 4}, {4}}, {}};
  if (name == "flatten") return {{{2, 4, 2}}, {}};
  if (name == "concat") return {{{4, 4}, {2, 4}}, attrs({{"axis", std::int64_t{0}}})};
  if (name == "narrow") return {{{4, 4}}, attrs({{"axis", std::int64_t{1}}, {"start", std::int64_t{1}}, {"length", std::int64_t{2}}})};
  if (name == "gather") return {{{4, 4}, {4, 4}}, attrs({{"axis", std::int64_t{1}}}), false, 4};
  if (name == "scatter_add") return {{{4, 4}, {4, 4}, {4, 4}}, attrs({{"axis", std::int64_t{0}}}), false, 4};
  if (name == "embedding") return {{{4, 4}, {4}}, {}, false, 4};
  if (name == "layer_norm") return {{{4, 4}, {4}, {4}}, attrs({{"normalized_shape", IntList{4}}})};
  if (name == "batch_norm") return {{{4, 4}, {4}, {4}, {4}, {4}}, attrs({{"training", true}})};
  if (name == "conv2d") return {{{1, 2, 4, 4}, {3, 2, 3, 3}, {3}}, attrs({{"padding", IntList{1}}})};
  if (name == "max_pool2d" || name == "avg_pool2d") return {{{1, 2, 4, 4}}, attrs({{"kernel_size", IntList{2}}})};
  if (name == "scaled_dot_product_attention") return {{{2, 3, 4}, {2, 3, 4}, {2, 3, 2}}, {}};
  const spec::OpInfo& op = *spec::find_op(name);
  if (op.min_arity == 2) return {{{4, 4}, {4}}, {}};
  return {{{4, 4}}, {}};
}

}  // namespace

int main(int argc, char** argv) try {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  const MlpResult mlp = bench_mlp();
  nlohmann::json out{{"ref.mlp_exact_ms", mlp.best_ms},
                     {"ref.mlp_exact_median_ms", mlp.median_ms},
                     {"ref.mlp_max_numerator_bits", mlp.numerator_bits},
                     {"ref.mlp_max_denominator_bits", mlp.denominator_bits},
                     {"ref.mlp_max_gradient_rel_width", mlp.worst_gradient_width}};
  if (!json)
    fmt::print("exact forward+backward, MLP 64-32-10 relu + cross_entropy, batch 32: {:.1f} ms (median {:.1f} ms)\n"
               "  largest rational: numerator {} bits, denominator {} bits; widest gradient enclosure (relative) {:.2g}\n"
               "per-node soundness checks per second (small shapes):\n",
               mlp.best_ms, mlp.median_ms, mlp.numerator_bits, mlp.denominator_bits, mlp.worst_gradient_width);
  for (const auto& info : spec::all_ops()) {
    if (info.min_arity == 0) continue;  // constant has no inputs to perturb
    const double rate = spec::visit_op(info.id, [&]<class Op>() { return checks_per_second<Op>(case_for(Op::name), 0.15); });
    out["soundness." + std::string(info.name) + ".checks_per_s"] = rate;
    if (!json)
      fmt::print("  {:<28} {:>10.0f}  ({})\n", info.name, rate,
                 info.fragment == spec::Fragment::Rational ? "exact" : "intervals + finite differences");
  }
  if (json) fmt::print("{}\n", out.dump(2));
}
catch (const std::exception& e) {
  fmt::print(stderr, "bench_reference: {}\n", e.what());
  return 1;
}
