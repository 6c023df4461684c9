// CNN benchmark (one thread, float32): a training step of the digits-sized
// CNN at batch 64 on 1x8x8 images: conv 1->16 3x3 (padding 1), relu,
// conv 16->32 3x3 (padding 1), relu, 2x2 max pooling, linear 512->10,
// cross_entropy (mean), SGD lr 0.01; random data.
//   cnn.compiled_ms   veritape's compiled program (FastKernels on)
//   cnn.eager_ms      the same graph replayed through an eager Session
//   cnn.libtorch_ms   the same model in libtorch (bench/torch/torch_cnn.cpp)
//   build/bin/bench_cnn [--json]
#include <fmt/core.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "eager_step.hpp"
#include "timing.hpp"
#include "vt/runtime/blas.hpp"
#include "vt/train/model.hpp"
#include "vt/runtime/program.hpp"
#include "vt/train/rng.hpp"

using namespace vt;

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  rt::set_blas_threads(1);
  constexpr std::int64_t kBatch = 64, kPixels = 64, kClasses = 10;
  const spec::GraphData g = train::build_model(train::ModelSpec::parse("cnn:16-32-10"),
                                            {.batch = kBatch, .features = kPixels, .classes = kClasses, .dtype = spec::DType::f32});
  rt::Program<float> p(g);
  train::Rng rng(42, 0);
  const std::vector<spec::Dense<float>> params = train::init_params<float>(g, rng);
  p.set_params(params);
  std::map<std::string, std::vector<float>> inputs{{"x", std::vector<float>(static_cast<std::size_t>(kBatch * kPixels))},
                                                   {"y", std::vector<float>(static_cast<std::size_t>(kBatch))}};
  for (float& v : inputs["x"]) v = static_cast<float>(rng.uniform(0, 1));
  for (std::int64_t r = 0; r < kBatch; ++r) inputs["y"][static_cast<std::size_t>(r)] = static_cast<float>(r % kClasses);  // i64 classes
  for (const auto& [name, values] : inputs) p.set(name, values);
  const double compiled = bench::time_ms([&] {
    p.zero_grad();
    p.forward();
    p.backward();
    p.sgd_step(0.01f);
  });
  const double eager = bench::eager_step_ms<float>(g, params, inputs, 0.01f);
  nlohmann::json out{{"cnn.compiled_ms", compiled}, {"cnn.eager_ms", eager}};
  if (json) fmt::print("{}\n", out.dump(2));
  else fmt::print("CNN step (batch 64, 1x8x8, conv 16, conv 32, pool, linear): compiled {:.3f} ms, eager {:.3f} ms\n", compiled, eager);
}
