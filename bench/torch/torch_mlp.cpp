// The peer of bench/runtime_mlp.cpp in libtorch (Debian's libtorch-dev), one
// thread: the same MLP training step, and the per-op overhead chain
// y = y * 1.0001 + 0.001 (10,000 steps, then backward).
//   build/bin/bench_torch_mlp [--json]
#include <torch/torch.h>

#include "../timing.hpp"
#include "one_thread.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

using vt::bench::time_ms;


int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  vt::bench::run_on_one_thread(argv);
  torch::manual_seed(42);
  std::vector<std::pair<std::string, double>> out;
  for (int64_t B : {1, 16, 128}) {
    torch::nn::Sequential model(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 128), torch::nn::ReLU(),
                                torch::nn::Linear(128, 10));
    torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01));
    const auto x = torch::rand({B, 784}) * 2 - 1;
    const auto y = torch::one_hot(torch::arange(B) % 10, 10).to(torch::kFloat);
    out.emplace_back("mlp_b" + std::to_string(B) + ".libtorch_ms", time_ms([&] {
                       opt.zero_grad();
                       auto loss = torch::mse_loss(model->forward(x), y);
                       loss.backward();
                       opt.step();
                     }));
  }
  const int steps = 10000;
  const double chain_ms = time_ms([&] {
    auto y0 = torch::ones({}, torch::requires_grad());
    auto y = y0;
    for (int i = 0; i < steps; ++i) y = y * 1.0001 + 0.001;
    y.backward();
  });
  out.emplace_back("chain.libtorch_us_per_step", chain_ms * 1e3 / steps);
  std::printf(json ? "{\n" : "");
  for (std::size_t i = 0; i < out.size(); ++i)
    std::printf(json ? "  \"%s\": %.6f%s\n" : "%s = %.4f\n", out[i].first.c_str(), out[i].second,
                json && i + 1 < out.size() ? "," : "");
  std::printf(json ? "}\n" : "");
}
