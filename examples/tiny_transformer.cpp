// A tiny Transformer learns to sort: sequences of 8 digits in, the same
// digits in ascending order out, one class per position. One pre-norm block
// (embedding + positions, 4-head self-attention, layer_norm, a ReLU MLP),
// trained with Adam in float32 on freshly drawn batches (seeded), evaluated
// on 2,048 held-out sequences from another seed. Then one batch of the
// trained model is audited against the exact reference: every node's value
// and backward kernel within its contract, every gradient within tolerance.
// Exit status 0 only when the held-out token accuracy reaches --target and
// the audit passes.
//
//   build/bin/example_tiny_transformer [--steps N] [--seed S] [--target A]
//   build/bin/example_tiny_transformer --print-graph BATCH   (the .vtg text)
#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vt/contracts/runtime_contracts.hpp"
#include "vt/train/optim.hpp"
#include "vt/runtime/program.hpp"
#include "vt/train/transformer.hpp"
#include "vt/spec/text_format.hpp"

using namespace vt;

namespace {

struct Flags {
  long steps = 1500, seed = 1, print_graph = 0;
  double target = 0.95;
};

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("flag " + a + " needs a value");
    char* end = nullptr;
    const char* v = argv[++i];
    if (a == "--steps") f.steps = std::strtol(v, &end, 10);
    else if (a == "--seed") f.seed = std::strtol(v, &end, 10);
    else if (a == "--print-graph") f.print_graph = std::strtol(v, &end, 10);
    else if (a == "--target") f.target = std::strtod(v, &end);
    else throw std::invalid_argument("unknown flag " + a + " (known: --steps, --seed, --target, --print-graph)");
    if (end == v || *end != '\0' || f.steps < 0 || f.print_graph < 0)
      throw std::invalid_argument("flag " + a + ": '" + v + "' is not a valid non-negative number");
  }
  return f;
}

template <class S>
void set_batch(rt::Program<S>& p, const train::SequenceBatch& b) {
  p.set("tokens", std::vector<S>(b.tokens.begin(), b.tokens.end()));
  p.set("targets", std::vector<S>(b.targets.begin(), b.targets.end()));
}

struct Accuracy {
  double token = 0, sequence = 0;
};

// Argmax per position of the logits output against the targets.
Accuracy evaluate(rt::Program<float>& p, const train::TransformerShape& s, const train::SequenceBatch& data, std::int64_t rows) {
  std::int64_t right_tokens = 0, right_rows = 0;
  for (std::int64_t r0 = 0; r0 + s.batch <= rows; r0 += s.batch) {
    train::SequenceBatch part;
    part.tokens.assign(data.tokens.begin() + r0 * s.seq, data.tokens.begin() + (r0 + s.batch) * s.seq);
    part.targets.assign(data.targets.begin() + r0 * s.seq, data.targets.begin() + (r0 + s.batch) * s.seq);
    set_batch(p, part);
    p.forward();
    const auto& logits = p.output(1);
    for (std::int64_t r = 0; r < s.batch; ++r) {
      bool all = true;
      for (std::int64_t t = 0; t < s.seq; ++t) {
        const std::int64_t row = r * s.seq + t;
        std::int64_t best = 0;
        for (std::int64_t c = 1; c < s.vocab; ++c)
          if (logits[row * s.vocab + c] > logits[row * s.vocab + best]) best = c;
        const bool ok = best == part.targets[static_cast<std::size_t>(row)];
        right_tokens += ok, all = all && ok;
      }
      right_rows += all;
    }
  }
  const double n = static_cast<double>(rows - rows % s.batch);
  return {static_cast<double>(right_tokens) / (n * static_cast<double>(s.seq)), static_cast<double>(right_rows) / n};
}

}  // namespace

int main(int argc, char** argv) try {
  const Flags f = parse(argc, argv);
  train::TransformerShape shape;
  if (f.print_graph > 0) {
    shape.batch = f.print_graph;
    fmt::print("{}", spec::print_vtg(train::build_tiny_transformer(shape)));
    return 0;
  }
  const spec::GraphData g = train::build_tiny_transformer(shape);
  rt::Program<float> p(g);
  train::Rng init(static_cast<std::uint64_t>(f.seed), 1);
  p.set_params(train::init_transformer_params<float>(g, init));
  const std::vector<std::string>& names = p.param_names();
  train::OptimOptions adam = train::OptimOptions::defaults(train::OptimKind::Adam);
  adam.lr = 3e-3;
  train::Optimizer<float> opt(train::OptimKind::Adam, names.size(), adam);
  train::Rng data(static_cast<std::uint64_t>(f.seed), 2);
  fmt::print("tiny transformer: sort {} digits; batch {}, width {}, {} heads, MLP {}; Adam lr {}\n", shape.seq, shape.batch,
             shape.width, shape.heads, shape.hidden, adam.lr);
  const auto t0 = std::chrono::steady_clock::now();
  double avg = 0;
  for (long step = 1; step <= f.steps; ++step) {
    set_batch(p, train::make_sort_batch(data, shape.batch, shape.seq, shape.vocab));
    p.zero_grad();
    p.forward();
    p.backward();
    std::vector<train::ParamView<float>> views;
    for (const auto& n : names) views.push_back({&p.arg(n), p.grad(n)});
    opt.step(views);
    avg = step == 1 ? p.output(0)[0] : 0.98 * avg + 0.02 * p.output(0)[0];
    if (step % 250 == 0 || step == f.steps) fmt::print("  step {:5d}  loss {:.4f}\n", step, avg);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  constexpr std::int64_t kHeldOut = 2048;
  train::Rng held(static_cast<std::uint64_t>(f.seed) + 1000, 3);
  const Accuracy acc = evaluate(p, shape, train::make_sort_batch(held, kHeldOut, shape.seq, shape.vocab), kHeldOut);
  fmt::print("trained {} steps in {:.1f} s; held-out accuracy: tokens {:.4f}, whole sequences {:.4f} (target tokens >= {})\n",
             f.steps, seconds, acc.token, acc.sequence, f.target);

  // The audit: one held-out batch through the compiled float program, every
  // node and gradient against the exact reference.
  std::map<std::string, std::vector<double>> args;
  const train::SequenceBatch one = train::make_sort_batch(held, shape.batch, shape.seq, shape.vocab);
  args["tokens"].assign(one.tokens.begin(), one.tokens.end());
  args["targets"].assign(one.targets.begin(), one.targets.end());
  for (const auto& n : names) args[n].assign(p.arg(n).data.begin(), p.arg(n).data.end());
  const ref::AuditReport report = contracts::audit_runtime(g, args, true);
  int met = 0, audited = 0, grads = 0;
  for (const auto& n : report.nodes)
    met += n.verdict == ref::NodeVerdict::Met, audited += n.verdict != ref::NodeVerdict::NotAudited;
  for (const auto& gr : report.gradients) grads += gr.verdict == ref::NodeVerdict::Met;
  fmt::print("audit of one batch: contracts met {} of {} nodes; gradients within tolerance {} of {}; first violation {}\n", met,
             audited, grads, report.gradients.size(), report.first_violation.empty() ? "none" : report.first_violation);
  const bool ok = acc.token >= f.target && report.all_met();
  if (!ok) fmt::print(stderr, "FAILED: {}\n", acc.token < f.target ? "accuracy below target" : "audit");
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  fmt::print(stderr, "example_tiny_transformer: {}\n", e.what());
  return 2;
}
