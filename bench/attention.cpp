// Attention block benchmark (one thread, float32): a training step of the
// tiny Transformer of train/transformer.hpp at a working size -- batch 32,
// 64 tokens, width 128, 4 heads of 32, MLP 256, vocabulary 16: embedding +
// positions, pre-norm self-attention block with its MLP, per-token
// classifier, cross_entropy (mean), SGD lr 0.01; random tokens.
//   attn.compiled_ms    veritape's compiled program (fused attention kernel)
//   attn.primitives_ms  the same model with attention spelled in primitives
//   attn.libtorch_ms    the same model in libtorch (bench/torch/torch_attention.cpp)
//   build/bin/bench_attention [--json]
#include <fmt/core.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "timing.hpp"
#include "vt/runtime/blas.hpp"
#include "vt/runtime/program.hpp"
#include "vt/train/transformer.hpp"

using namespace vt;

namespace {

double step_ms(bool fused) {
  train::TransformerShape s{.batch = 32, .seq = 64, .vocab = 16, .width = 128, .heads = 4, .hidden = 256};
  s.fused_attention = fused;
  const spec::GraphData g = train::build_tiny_transformer(s);
  rt::Program<float> p(g);
  train::Rng rng(42, 0);
  p.set_params(train::init_transformer_params<float>(g, rng));
  const train::SequenceBatch b = train::make_sort_batch(rng, s.batch, s.seq, s.vocab);
  p.set("tokens", std::vector<float>(b.tokens.begin(), b.tokens.end()));
  p.set("targets", std::vector<float>(b.targets.begin(), b.targets.end()));
  return bench::time_ms([&] {
    p.zero_grad();
    p.forward();
    p.backward();
    p.sgd_step(0.01f);
  });
}

}  // namespace

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  rt::set_blas_threads(1);
  const double compiled = step_ms(true), primitives = step_ms(false);
  nlohmann::json out{{"attn.compiled_ms", compiled}, {"attn.primitives_ms", primitives}};
  if (json) fmt::print("{}\n", out.dump(2));
  else
    fmt::print("attention block step (batch 32, 64 tokens, width 128, 4 heads): compiled {:.3f} ms, primitives {:.3f} ms\n",
               compiled, primitives);
}
