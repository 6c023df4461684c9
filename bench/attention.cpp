// Attention block benchmark (one thread, float32): a training step of the
// tiny Transformer of train/transformer.hpp at a working size -- batch 32,
// 64 tokens, width 128, 4 heads of 32, MLP 256, vocabulary 16: embedding +
// positions, pre-norm self-attention block with its MLP, per-token
// classifier, cross_entropy (mean), SGD lr 0.01; random tokens.
//   attn.compiled_ms    veritape's compiled program (fused attention kernel)
//   attn.eager_ms       the fused model replayed through an eager Session
//   attn.primitives_ms  the same model with attention spelled in primitives
//   attn.libtorch_ms    the same model in libtorch (bench/torch/torch_attention.cpp)
//   build/bin/bench_attention [--json]
#include <fmt/core.h>

#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "eager_step.hpp"
#include "timing.hpp"
#include "vt/runtime/blas.hpp"
#include "vt/runtime/program.hpp"
#include "vt/train/transformer.hpp"

using namespace vt;

namespace {

// The step's compiled time and, when asked, its eager time.
std::pair<double, double> step_ms(bool fused, bool with_eager) {
  train::TransformerShape s{.batch = 32, .seq = 64, .vocab = 16, .width = 128, .heads = 4, .hidden = 256};
  s.fused_attention = fused;
  const spec::GraphData g = train::build_tiny_transformer(s);
  rt::Program<float> p(g);
  train::Rng rng(42, 0);
  const std::vector<spec::Dense<float>> params = train::init_transformer_params<float>(g, rng);
  p.set_params(params);
  const train::SequenceBatch b = train::make_sort_batch(rng, s.batch, s.seq, s.vocab);
  const std::map<std::string, std::vector<float>> inputs{{"tokens", std::vector<float>(b.tokens.begin(), b.tokens.end())},
                                                         {"targets", std::vector<float>(b.targets.begin(), b.targets.end())}};
  for (const auto& [name, values] : inputs) p.set(name, values);
  const double compiled = bench::time_ms([&] {
    p.zero_grad();
    p.forward();
    p.backward();
    p.sgd_step(0.01f);
  });
  return {compiled, with_eager ? bench::eager_step_ms<float>(g, params, inputs, 0.01f) : 0.0};
}

}  // namespace

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  rt::set_blas_threads(1);
  const auto [compiled, eager] = step_ms(true, true);
  const double primitives = step_ms(false, false).first;
  nlohmann::json out{{"attn.compiled_ms", compiled}, {"attn.eager_ms", eager}, {"attn.primitives_ms", primitives}};
  if (json) fmt::print("{}\n", out.dump(2));
  else
    fmt::print("attention block step (batch 32, 64 tokens, width 128, 4 heads): compiled {:.3f} ms, eager {:.3f} ms, primitives {:.3f} ms\n",
               compiled, eager, primitives);
}
