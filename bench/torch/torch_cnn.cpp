// The peer of bench/cnn.cpp in libtorch (Debian's libtorch-dev), one thread:
// the same CNN training step at batch 64 on 1x8x8 images.
//   build/bin/bench_torch_cnn [--json]
#include <torch/torch.h>

#include <cstdio>
#include <cstring>

#include "../timing.hpp"
#include "one_thread.hpp"

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  vt::bench::run_on_one_thread(argv);
  torch::manual_seed(42);
  const int64_t batch = 64;
  torch::nn::Sequential model(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 3).padding(1)), torch::nn::ReLU(),
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)), torch::nn::ReLU(),
                              torch::nn::MaxPool2d(2), torch::nn::Flatten(), torch::nn::Linear(32 * 4 * 4, 10));
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01));
  const auto x = torch::rand({batch, 1, 8, 8});
  const auto y = torch::arange(batch) % 10;
  const double ms = vt::bench::time_ms([&] {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
  });
  std::printf(json ? "{\n  \"cnn.libtorch_ms\": %.6f\n}\n" : "cnn.libtorch_ms = %.4f\n", ms);
}
