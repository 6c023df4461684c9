#pragma once
// A tiny Transformer for token sequences, and the seeded sequence task it is
// trained on (examples/tiny_transformer.cpp, bench/attention.cpp).
//
// Model (pre-norm, one block): tokens [B, T] -> embedding [V, E] plus a
// learned position table [T, E]; h += MHA(layer_norm(h)); h += W2 relu(W1
// layer_norm(h)); logits = linear(layer_norm(h)) over V classes per
// position; loss = cross_entropy (mean over B*T positions).
// Outputs: 0 the loss, 1 the logits [B*T, V]. Arguments: tokens (i64 [B, T]),
// targets (i64 [B*T]), then the parameters.
#include <cstdint>
#include <vector>

#include "vt/train/rng.hpp"
#include "vt/spec/dense.hpp"
#include "vt/spec/graph.hpp"

namespace vt::train {

struct TransformerShape {
  std::int64_t batch = 64, seq = 8, vocab = 10, width = 32, heads = 4, hidden = 64;
  spec::DType dtype = spec::DType::f32;
  bool fused_attention = true;  // the scaled_dot_product_attention op, else its composite of primitives
};

spec::GraphData build_tiny_transformer(const TransformerShape& s);

// Initial parameters in the graph's parameter order: linear weights and
// biases uniform(+-1/sqrt(fan_in)) (torch.nn.Linear), embedding rows
// normal(0, 1) (torch.nn.Embedding), positions normal(0, 0.1), layer_norm
// weights 1 and biases 0.
template <class S>
std::vector<spec::Dense<S>> init_transformer_params(const spec::GraphData& g, Rng& rng);

// The sort task: each sequence is `seq` tokens uniform in [0, vocab); its
// target is the same tokens in ascending order. Draws: rows x seq tokens,
// row by row, from rng.below(vocab).
struct SequenceBatch {
  std::vector<std::int64_t> tokens, targets;  // [rows, seq] each, row-major
};
SequenceBatch make_sort_batch(Rng& rng, std::int64_t rows, std::int64_t seq, std::int64_t vocab);

}  // namespace vt::train
