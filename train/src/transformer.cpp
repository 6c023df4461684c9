#include "vt/train/transformer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vt/spec/attention_graphs.hpp"
#include "vt/spec/builder.hpp"

namespace vt::train {

namespace {

spec::GValue norm(spec::GraphBuilder& b, const std::string& name, const spec::GValue& x, std::int64_t width, spec::DType t) {
  const auto w = b.param(name + ".weight", t, {width});
  return b.layer_norm(x, {width}, w, b.param(name + ".bias", t, {width}));
}

spec::GValue dense(spec::GraphBuilder& b, const std::string& name, const spec::GValue& x, std::int64_t in, std::int64_t out,
                   spec::DType t) {
  const auto w = b.param(name + ".weight", t, {out, in});
  return b.linear(x, w, b.param(name + ".bias", t, {out}));
}

}  // namespace

spec::GraphData build_tiny_transformer(const TransformerShape& s) {
  if (s.batch < 1 || s.seq < 1 || s.vocab < 2 || s.width < 1 || s.hidden < 1)
    throw std::invalid_argument("tiny transformer: batch, seq, width, hidden must be >= 1 and vocab >= 2");
  const spec::DType t = s.dtype;
  const std::int64_t B = s.batch, T = s.seq, E = s.width;
  spec::GraphBuilder b(s.fused_attention ? "tiny_transformer" : "tiny_transformer_primitives");
  const auto tokens = b.input("tokens", spec::DType::i64, {B, T});
  const auto targets = b.input("targets", spec::DType::i64, {B * T});
  const auto table = b.param("embed.weight", t, {s.vocab, E});
  const auto pos = b.param("pos", t, {T, E});
  spec::GValue h = b.add(b.embedding(table, tokens), pos);  // [B, T, E] + [T, E]
  const spec::GValue a = norm(b, "ln1", h, E, t);
  const spec::MultiHeadParams mha = spec::multi_head_params(b, "attn.", t, E);
  h = b.add(h, spec::multi_head_attention(b, a, mha, s.heads, false, s.fused_attention));
  const spec::GValue m = norm(b, "ln2", h, E, t);
  h = b.add(h, dense(b, "fc2", b.relu(dense(b, "fc1", m, E, s.hidden, t)), s.hidden, E, t));
  spec::GValue logits = dense(b, "head", norm(b, "ln3", h, E, t), E, s.vocab, t);
  spec::AttrMap rows;
  rows.set("shape", spec::IntList{B * T, s.vocab});
  logits = b.apply("reshape", {logits}, std::move(rows));
  b.output(b.cross_entropy(logits, targets));
  b.output(logits);
  return b.build();
}

template <class S>
std::vector<spec::Dense<S>> init_transformer_params(const spec::GraphData& g, Rng& rng) {
  std::vector<spec::Dense<S>> out;
  double bound = 1;
  for (const spec::Arg& a : g.args) {
    if (a.kind != spec::ArgKind::Param) continue;
    auto t = spec::Dense<S>::full(a.type.shape, S(0));
    const std::string& n = a.name;
    const bool is_weight = n.ends_with(".weight");
    if (n == "embed.weight") {
      for (S& v : t.data) v = static_cast<S>(rng.normal());
    } else if (n == "pos") {
      for (S& v : t.data) v = static_cast<S>(0.1 * rng.normal());
    } else if (n.starts_with("ln")) {
      if (is_weight) std::fill(t.data.begin(), t.data.end(), S(1));
    } else {  // a linear weight [out, in], then its bias with the same bound
      if (is_weight) bound = 1 / std::sqrt(static_cast<double>(a.type.shape[1]));
      for (S& v : t.data) v = static_cast<S>(rng.uniform(-bound, bound));
    }
    out.push_back(std::move(t));
  }
  return out;
}

template std::vector<spec::Dense<float>> init_transformer_params<float>(const spec::GraphData&, Rng&);
template std::vector<spec::Dense<double>> init_transformer_params<double>(const spec::GraphData&, Rng&);

SequenceBatch make_sort_batch(Rng& rng, std::int64_t rows, std::int64_t seq, std::int64_t vocab) {
  if (rows < 0 || seq < 1 || vocab < 1) throw std::invalid_argument("make_sort_batch: rows >= 0, seq >= 1, vocab >= 1");
  SequenceBatch s;
  s.tokens.resize(static_cast<std::size_t>(rows * seq));
  for (auto& v : s.tokens) v = rng.below(static_cast<std::uint32_t>(vocab));
  s.targets = s.tokens;
  for (std::int64_t r = 0; r < rows; ++r) std::sort(s.targets.begin() + r * seq, s.targets.begin() + (r + 1) * seq);
  return s;
}

}  // namespace vt::train
