#pragma once
// Models the trainer builds, as graphs of the IR: the graph is the one
// definition every backend runs (the compiled tape lowers it, the eager and
// linked sessions replay its nodes through Session::apply).
//
//   auto spec = train::ModelSpec::parse("mlp:64-64-10");   // or "cnn:16-32-10"
//   spec::GraphData g = train::build_model(spec, {.batch = 32, .features = 64, .classes = 10});
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vt/train/rng.hpp"
#include "vt/spec/dense.hpp"
#include "vt/spec/graph.hpp"

namespace vt::train {

// "mlp:64-64-10": layer widths after the input; the last is the number of
// outputs (classes, or regression targets). "mlp:64-64-10:tanh" picks the
// hidden activation (relu, tanh or sigmoid; relu by default).
// "cnn:16-32-10": a convolutional net on square single-channel images (the
// input row of side*side features, row-major): one 3x3 convolution (padding
// 1) + activation per channel count, then 2x2 max pooling and one linear
// layer to the outputs (the last number). "cnn:16-32-10" is the digits model.
struct ModelSpec {
  std::string kind = "mlp";          // mlp | cnn
  std::vector<std::int64_t> widths;  // mlp: layer widths; cnn: conv channels, then the outputs
  std::string activation = "relu";
  std::int64_t outputs() const { return widths.back(); }
  std::string text() const;
  // std::invalid_argument naming the bad part of `text`.
  static ModelSpec parse(std::string_view text);
};

struct ModelShape {
  std::int64_t batch = 1;
  std::int64_t features = 1;
  std::int64_t classes = 0;  // > 0: cross_entropy over class indices; 0: mse_loss against targets
  spec::DType dtype = spec::DType::f32;
};

// Arguments: input %x {batch, features}, input %y ({batch} i64 class indices,
// or {batch, outputs} targets), then the parameters, each weight before its
// bias: %fcK.weight {out, in} and %fcK.bias {out} for K = 1.. (mlp);
// %convK.weight {out, in, 3, 3}, %convK.bias {out}, then %fc.weight and
// %fc.bias (cnn). Outputs: the mean loss, then the last layer's values
// (logits or predictions). std::invalid_argument when the output width does
// not match the classes, or a cnn's input is not a square image.
spec::GraphData build_model(const ModelSpec& m, const ModelShape& s);

// PyTorch's nn.Linear / nn.Conv2d initialization: weight and bias uniform in
// +-1/sqrt(fan_in) (fan_in = the weight's elements per output), drawn in
// parameter order from `rng`.
template <class S>
std::vector<spec::Dense<S>> init_params(const spec::GraphData& g, Rng& rng);

}  // namespace vt::train
