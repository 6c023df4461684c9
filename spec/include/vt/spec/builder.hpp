#pragma once
// GraphBuilder: constructs GraphData in code (the C++ counterpart of an
// authoring DSL). Every op application runs the op's shape rule at once, so a
// mistake throws ShapeError naming the node being built, and build() returns
// a graph that verifies.
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vt/spec/graph.hpp"
#include "vt/spec/ops/conv.hpp"

namespace vt::spec {

// A value of the graph under construction.
struct GValue {
  std::string name;
  TensorType type;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string graph_name);

  GValue input(std::string name, DType dtype, Shape shape);
  GValue param(std::string name, DType dtype, Shape shape);
  // Applies any op-table op; `name` empty picks a fresh "vN" name.
  GValue apply(std::string_view op, const std::vector<GValue>& inputs, AttrMap attrs = {}, std::string name = "");
  void output(const GValue& v);
  // The graph so far, verified (VerifyError when, e.g., no output was set).
  GraphData build() const;

  // Shorthands for the common ops.
  GValue add(const GValue& a, const GValue& b) { return apply("add", {a, b}); }
  GValue sub(const GValue& a, const GValue& b) { return apply("sub", {a, b}); }
  GValue mul(const GValue& a, const GValue& b) { return apply("mul", {a, b}); }
  GValue div(const GValue& a, const GValue& b) { return apply("div", {a, b}); }
  GValue relu(const GValue& x) { return apply("relu", {x}); }
  GValue tanh(const GValue& x) { return apply("tanh", {x}); }
  GValue sigmoid(const GValue& x) { return apply("sigmoid", {x}); }
  GValue matmul(const GValue& a, const GValue& b) { return apply("matmul", {a, b}); }
  GValue linear(const GValue& x, const GValue& w, const GValue& b) { return apply("linear", {x, w, b}); }
  GValue linear(const GValue& x, const GValue& w) { return apply("linear", {x, w}); }
  GValue sum(const GValue& x) { return apply("sum", {x}); }
  GValue mean(const GValue& x) { return apply("mean", {x}); }
  GValue softmax(const GValue& x, std::int64_t axis = -1);
  GValue log_softmax(const GValue& x, std::int64_t axis = -1);
  GValue mse_loss(const GValue& x, const GValue& target) { return apply("mse_loss", {x, target}); }
  GValue cross_entropy(const GValue& logits, const GValue& target) { return apply("cross_entropy", {logits, target}); }
  GValue constant(double value, DType dtype = DType::f32, Shape shape = {});
  // A tensor constant from its elements (row-major); shape defaults to [n].
  GValue constant(const FloatList& values, DType dtype = DType::f32, std::optional<Shape> shape = {});
  GValue full(const Shape& shape, double value, DType dtype = DType::f32);
  GValue arange(double end, double start = 0, double step = 1, DType dtype = DType::f32);
  GValue log1p(const GValue& x) { return apply("log1p", {x}); }
  GValue expm1(const GValue& x) { return apply("expm1", {x}); }
  GValue pow(const GValue& x, double exponent);
  GValue pow(const GValue& a, const GValue& b) { return apply("pow", {a, b}); }
  // Largest/smallest elements over axis (all axes when absent); see ops/extreme.hpp
  // for amax vs max. op is one of amax, amin, max, min, argmax, argmin.
  GValue extreme(std::string_view op, const GValue& x, std::optional<std::int64_t> axis = {}, bool keepdim = false);
  // torch.max(x, dim) / torch.min(x, dim): (values, indices) as two nodes,
  // max (or min) and argmax (or argmin), which pick the same first element.
  std::pair<GValue, GValue> max_with_indices(const GValue& x, std::int64_t axis, bool keepdim = false) {
    return {extreme("max", x, axis, keepdim), extreme("argmax", x, axis, keepdim)};
  }
  std::pair<GValue, GValue> min_with_indices(const GValue& x, std::int64_t axis, bool keepdim = false) {
    return {extreme("min", x, axis, keepdim), extreme("argmin", x, axis, keepdim)};
  }
  GValue conv2d(const GValue& x, const GValue& w, const GValue& b, const ops::Conv2dOptions& o = {}) {
    return apply("conv2d", {x, w, b}, o.attrs());
  }
  GValue conv2d(const GValue& x, const GValue& w, const ops::Conv2dOptions& o = {}) { return apply("conv2d", {x, w}, o.attrs()); }
  GValue max_pool2d(const GValue& x, const ops::Pool2dOptions& o) { return apply("max_pool2d", {x}, o.attrs()); }
  GValue avg_pool2d(const GValue& x, const ops::Pool2dOptions& o) { return apply("avg_pool2d", {x}, o.attrs()); }
  // Layout and indexing (index arguments are i64 values).
  GValue flatten(const GValue& x, std::int64_t start_dim = 1, std::int64_t end_dim = -1) {
    return apply("flatten", {x}, attrs_of({{"start_dim", start_dim}, {"end_dim", end_dim}}));
  }
  GValue concat(const std::vector<GValue>& xs, std::int64_t axis = 0) { return apply("concat", xs, attrs_of({{"axis", axis}})); }
  GValue narrow(const GValue& x, std::int64_t axis, std::int64_t start, std::int64_t length) {
    return apply("narrow", {x}, attrs_of({{"axis", axis}, {"start", start}, {"length", length}}));
  }
  GValue gather(const GValue& x, const GValue& index, std::int64_t axis) {
    return apply("gather", {x, index}, attrs_of({{"axis", axis}}));
  }
  GValue scatter_add(const GValue& x, const GValue& index, const GValue& src, std::int64_t axis) {
    return apply("scatter_add", {x, index, src}, attrs_of({{"axis", axis}}));
  }
  GValue embedding(const GValue& weight, const GValue& indices) { return apply("embedding", {weight, indices}); }
  // layer_norm over x's trailing normalized_shape axes, with optional weight/bias of that shape.
  GValue layer_norm(const GValue& x, const IntList& normalized_shape, double eps = 1e-5);
  GValue layer_norm(const GValue& x, const IntList& normalized_shape, const GValue& weight, const GValue& bias,
                    double eps = 1e-5);
  // batch_norm(x [N, C, ...], weight, bias, running_mean, running_var): batch
  // statistics when training, else the running ones.
  GValue batch_norm(const GValue& x, const GValue& weight, const GValue& bias, const GValue& running_mean,
                    const GValue& running_var, bool training, double eps = 1e-5);
  GValue softplus(const GValue& x, double beta = 1, double threshold = 20);
  GValue gelu(const GValue& x, std::string approximate = "none");
  GValue silu(const GValue& x) { return apply("silu", {x}); }
  GValue log_sigmoid(const GValue& x) { return apply("log_sigmoid", {x}); }
  GValue dropout(const GValue& x, double p = 0.5, std::int64_t seed = 0, bool training = true);
  // softmax(q k^T * scale) v as one op (scale: 1/sqrt(E) when absent).
  GValue scaled_dot_product_attention(const GValue& q, const GValue& k, const GValue& v, std::optional<double> scale = {},
                                      bool causal = false);

 private:
  GValue arg(std::string name, ArgKind kind, DType dtype, Shape shape);
  std::string fresh_name();
  bool taken(const std::string& name) const;
  static AttrMap attrs_of(std::initializer_list<std::pair<const char*, std::int64_t>> ints) {
    AttrMap a;
    for (const auto& [k, v] : ints) a.set(k, v);
    return a;
  }

  GraphData g_;
  std::set<std::string, std::less<>> names_;  // every name defined so far
  int counter_ = 0;
};

}  // namespace vt::spec
