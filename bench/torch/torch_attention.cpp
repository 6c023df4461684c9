// The peer of bench/attention.cpp in libtorch (Debian's libtorch-dev), one
// thread: the same tiny Transformer training step (batch 32, 64 tokens,
// width 128, 4 heads, MLP 256, vocabulary 16). libtorch 1.13 has no fused
// scaled_dot_product_attention; attention is written as torch.nn's
// MultiheadAttention computes it on CPU: matmul, softmax, matmul.
//   build/bin/bench_torch_attention [--json]
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "../timing.hpp"
#include "one_thread.hpp"

namespace {

struct Block : torch::nn::Module {
  int64_t T, E, H;
  torch::nn::Embedding embed{nullptr};
  torch::Tensor pos;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr}, ln3{nullptr};
  torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr}, fc1{nullptr}, fc2{nullptr}, head{nullptr};
  Block(int64_t vocab, int64_t seq, int64_t width, int64_t heads, int64_t hidden) : T(seq), E(width), H(heads) {
    embed = register_module("embed", torch::nn::Embedding(vocab, width));
    pos = register_parameter("pos", 0.1 * torch::randn({seq, width}));
    auto ln = [&](const char* n) { return register_module(n, torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}))); };
    ln1 = ln("ln1"), ln2 = ln("ln2"), ln3 = ln("ln3");
    auto lin = [&](const char* n, int64_t i, int64_t o) { return register_module(n, torch::nn::Linear(i, o)); };
    q = lin("q", width, width), k = lin("k", width, width), v = lin("v", width, width), out = lin("out", width, width);
    fc1 = lin("fc1", width, hidden), fc2 = lin("fc2", hidden, width), head = lin("head", width, vocab);
  }
  torch::Tensor forward(const torch::Tensor& tokens) {
    const int64_t B = tokens.size(0), D = E / H;
    auto h = embed(tokens) + pos;
    auto a = ln1(h);
    auto split = [&](torch::nn::Linear& l) { return l(a).view({B, T, H, D}).permute({0, 2, 1, 3}); };
    auto s = torch::matmul(split(q), split(k).transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(D)));
    auto o = torch::matmul(torch::softmax(s, -1), split(v)).permute({0, 2, 1, 3}).reshape({B, T, E});
    h = h + out(o);
    h = h + fc2(torch::relu(fc1(ln2(h))));
    return head(ln3(h)).reshape({B * T, -1});
  }
};

}  // namespace

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  vt::bench::run_on_one_thread(argv);
  torch::manual_seed(42);
  const int64_t batch = 32, seq = 64, vocab = 16;
  auto model = std::make_shared<Block>(vocab, seq, 128, 4, 256);
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01));
  const auto tokens = torch::randint(vocab, {batch, seq});
  const auto targets = std::get<0>(tokens.sort(-1)).reshape({batch * seq});
  const double ms = vt::bench::time_ms([&] {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(tokens), targets);
    loss.backward();
    opt.step();
  });
  std::printf(json ? "{\n  \"attn.libtorch_ms\": %.6f\n}\n" : "attn.libtorch_ms = %.4f\n", ms);
}
