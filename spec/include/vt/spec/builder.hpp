#pragma once
// GraphBuilder: constructs GraphData in code (the C++ counterpart of an
// authoring DSL). Every op application runs the op's shape rule at once, so a
// mistake throws ShapeError naming the node being built, and build() returns
// a graph that verifies.
#include <set>
#include <string>
#include <vector>

#include "vt/spec/graph.hpp"

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
  GValue softplus(const GValue& x, double beta = 1, double threshold = 20);
  GValue gelu(const GValue& x, std::string approximate = "none");
  GValue silu(const GValue& x) { return apply("silu", {x}); }
  GValue log_sigmoid(const GValue& x) { return apply("log_sigmoid", {x}); }
  GValue dropout(const GValue& x, double p = 0.5, std::int64_t seed = 0, bool training = true);

 private:
  GValue arg(std::string name, ArgKind kind, DType dtype, Shape shape);
  std::string fresh_name();
  bool taken(const std::string& name) const;

  GraphData g_;
  std::set<std::string, std::less<>> names_;  // every name defined so far
  int counter_ = 0;
};

}  // namespace vt::spec
