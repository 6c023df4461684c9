#include "vt/train/model.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "vt/spec/builder.hpp"

namespace vt::train {

std::string ModelSpec::text() const {
  std::string s = kind + ":";
  for (std::size_t i = 0; i < widths.size(); ++i) s += (i ? "-" : "") + std::to_string(widths[i]);
  if (activation != "relu") s += ":" + activation;
  return s;
}

ModelSpec ModelSpec::parse(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("model '" + std::string(text) + "': " + why +
                                 " (expected e.g. mlp:64-64-10, mlp:32-3:tanh or cnn:16-32-10)");
  };
  ModelSpec m;
  if (text.starts_with("cnn:")) m.kind = "cnn";
  else if (!text.starts_with("mlp:")) throw bad("unknown model kind");
  std::string_view rest = text.substr(4);
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    m.activation = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (m.activation != "relu" && m.activation != "tanh" && m.activation != "sigmoid")
      throw bad("activation '" + m.activation + "' is not relu, tanh or sigmoid");
  }
  while (true) {
    const auto dash = rest.find('-');
    const std::string_view part = rest.substr(0, dash);
    std::int64_t w = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), w);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size() || w < 1 || w > (1 << 20))
      throw bad("width '" + std::string(part) + "' is not an integer in 1..1048576");
    m.widths.push_back(w);
    if (dash == std::string_view::npos) break;
    rest = rest.substr(dash + 1);
  }
  if (m.kind == "cnn" && m.widths.size() < 2) throw bad("a cnn needs at least one conv channel count before the outputs");
  return m;
}

namespace {

spec::GValue activate(spec::GraphBuilder& b, const ModelSpec& m, const spec::GValue& h) { return b.apply(m.activation, {h}); }

// Linear layers fc1.. over the rows of x.
spec::GValue mlp_layers(spec::GraphBuilder& b, const ModelSpec& m, const ModelShape& s, const spec::GValue& x) {
  std::vector<std::pair<spec::GValue, spec::GValue>> layers;
  std::int64_t in = s.features;
  for (std::size_t k = 0; k < m.widths.size(); ++k) {
    const std::string fc = "fc" + std::to_string(k + 1);
    spec::GValue weight = b.param(fc + ".weight", s.dtype, {m.widths[k], in});  // weight before bias: argument order
    layers.emplace_back(std::move(weight), b.param(fc + ".bias", s.dtype, {m.widths[k]}));
    in = m.widths[k];
  }
  spec::GValue h = x;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    h = b.linear(h, layers[k].first, layers[k].second);
    if (k + 1 < layers.size()) h = activate(b, m, h);
  }
  return h;
}

// conv 3x3 (padding 1) + activation per channel count, 2x2 max pooling, linear.
spec::GValue cnn_layers(spec::GraphBuilder& b, const ModelSpec& m, const ModelShape& s, const spec::GValue& x) {
  std::int64_t side = 0;
  while ((side + 1) * (side + 1) <= s.features) ++side;
  if (side * side != s.features || side < 2)
    throw std::invalid_argument("model " + m.text() + " needs square single-channel images (features = side*side, side >= 2); the data has " +
                                std::to_string(s.features) + " features");
  spec::AttrMap image;
  image.set("shape", spec::IntList{s.batch, 1, side, side});
  spec::GValue h = b.apply("reshape", {x}, std::move(image));
  std::int64_t channels = 1;
  for (std::size_t k = 0; k + 1 < m.widths.size(); ++k) {
    const std::string conv = "conv" + std::to_string(k + 1);
    const auto w = b.param(conv + ".weight", s.dtype, {m.widths[k], channels, 3, 3});
    const auto bias = b.param(conv + ".bias", s.dtype, {m.widths[k]});
    h = activate(b, m, b.conv2d(h, w, bias, {.padding = {1}}));
    channels = m.widths[k];
  }
  h = b.max_pool2d(h, {.kernel_size = {2}});
  const std::int64_t flat = channels * (side / 2) * (side / 2);
  spec::AttrMap rows;
  rows.set("shape", spec::IntList{s.batch, flat});
  h = b.apply("reshape", {h}, std::move(rows));
  const auto w = b.param("fc.weight", s.dtype, {m.outputs(), flat});
  return b.linear(h, w, b.param("fc.bias", s.dtype, {m.outputs()}));
}

}  // namespace

spec::GraphData build_model(const ModelSpec& m, const ModelShape& s) {
  if (s.classes > 0 && m.outputs() != s.classes)
    throw std::invalid_argument("model " + m.text() + " has " + std::to_string(m.outputs()) + " outputs, but the data has " +
                                std::to_string(s.classes) + " classes");
  spec::GraphBuilder b(m.kind + (s.classes > 0 ? "_classifier" : "_regressor"));
  const auto x = b.input("x", s.dtype, {s.batch, s.features});
  const auto y = s.classes > 0 ? b.input("y", spec::DType::i64, {s.batch}) : b.input("y", s.dtype, {s.batch, m.outputs()});
  const spec::GValue h = m.kind == "cnn" ? cnn_layers(b, m, s, x) : mlp_layers(b, m, s, x);
  b.output(s.classes > 0 ? b.cross_entropy(h, y) : b.mse_loss(h, y));
  b.output(h);
  return b.build();
}

template <class S>
std::vector<spec::Dense<S>> init_params(const spec::GraphData& g, Rng& rng) {
  std::vector<spec::Dense<S>> out;
  std::int64_t fan_in = 1;
  for (const spec::Arg& a : g.args) {
    if (a.kind != spec::ArgKind::Param) continue;
    if (a.type.shape.rank() >= 2) fan_in = a.type.shape.numel() / a.type.shape[0];  // a weight {out, ...}; its bias follows
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    auto t = spec::Dense<S>::full(a.type.shape, S(0));
    for (S& v : t.data) v = static_cast<S>(rng.uniform(-bound, bound));
    out.push_back(std::move(t));
  }
  return out;
}

template std::vector<spec::Dense<float>> init_params<float>(const spec::GraphData&, Rng&);
template std::vector<spec::Dense<double>> init_params<double>(const spec::GraphData&, Rng&);

}  // namespace vt::train
