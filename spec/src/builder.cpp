#include "vt/spec/builder.hpp"

#include "vt/spec/op_table.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::spec {

GraphBuilder::GraphBuilder(std::string graph_name) { g_.name = std::move(graph_name); }

bool GraphBuilder::taken(const std::string& name) const { return names_.count(name) != 0; }

std::string GraphBuilder::fresh_name() {
  std::string n;
  do n = "v" + std::to_string(counter_++);
  while (taken(n));
  return n;
}

GValue GraphBuilder::arg(std::string name, ArgKind kind, DType dtype, Shape shape) {
  if (taken(name)) throw ShapeError("%" + name + " is defined twice");
  shape.validate();
  g_.args.push_back(Arg{name, kind, TensorType{dtype, shape}, {}});
  names_.insert(name);
  return GValue{std::move(name), TensorType{dtype, std::move(shape)}};
}

GValue GraphBuilder::input(std::string name, DType dtype, Shape shape) {
  return arg(std::move(name), ArgKind::Input, dtype, std::move(shape));
}

GValue GraphBuilder::param(std::string name, DType dtype, Shape shape) {
  if (!is_float(dtype)) throw ShapeError("param %" + name + " must be f32 or f64");
  return arg(std::move(name), ArgKind::Param, dtype, std::move(shape));
}

GValue GraphBuilder::apply(std::string_view op, const std::vector<GValue>& inputs, AttrMap attrs, std::string name) {
  if (name.empty()) name = fresh_name();
  else if (taken(name)) throw ShapeError("%" + name + " is defined twice");
  const OpInfo* info = find_op(op);
  if (!info) throw ShapeError("%" + name + ": unknown op '" + std::string(op) + "'");
  std::vector<TensorType> types;
  Node node;
  for (const auto& v : inputs) {
    if (!taken(v.name)) throw ShapeError("%" + name + " uses %" + v.name + ", which is not in this graph");
    types.push_back(v.type);
    node.inputs.push_back(Operand{v.name, {}});
  }
  try {
    node.type = infer_type(*info, types, attrs);
  } catch (const ShapeError& e) {
    throw ShapeError("%" + name + " = " + e.what());
  }
  node.name = name;
  node.op = std::string(op);
  node.attrs = std::move(attrs);
  g_.nodes.push_back(node);
  names_.insert(name);
  return GValue{std::move(name), node.type};
}

void GraphBuilder::output(const GValue& v) {
  if (!taken(v.name)) throw ShapeError("output %" + v.name + " is not in this graph");
  g_.outputs.push_back(Operand{v.name, {}});
}

GraphData GraphBuilder::build() const {
  verify_or_throw(g_, g_.name);
  return g_;
}

GValue GraphBuilder::softmax(const GValue& x, std::int64_t axis) {
  AttrMap a;
  a.set("axis", axis);
  return apply("softmax", {x}, std::move(a));
}

GValue GraphBuilder::log_softmax(const GValue& x, std::int64_t axis) {
  AttrMap a;
  a.set("axis", axis);
  return apply("log_softmax", {x}, std::move(a));
}

GValue GraphBuilder::constant(double value, DType dtype, Shape shape) {
  AttrMap a;
  a.set("value", value);
  a.set("dtype", std::string(to_string(dtype)));
  if (shape.rank() > 0) a.set("shape", shape.dims());
  return apply("constant", {}, std::move(a));
}

GValue GraphBuilder::constant(const FloatList& values, DType dtype, std::optional<Shape> shape) {
  AttrMap a;
  a.set("value", values);
  a.set("dtype", std::string(to_string(dtype)));
  if (shape) a.set("shape", shape->dims());
  return apply("constant", {}, std::move(a));
}

GValue GraphBuilder::full(const Shape& shape, double value, DType dtype) {
  AttrMap a;
  a.set("shape", shape.dims());
  a.set("value", value);
  a.set("dtype", std::string(to_string(dtype)));
  return apply("full", {}, std::move(a));
}

GValue GraphBuilder::arange(double end, double start, double step, DType dtype) {
  AttrMap a;
  a.set("end", end);
  if (start != 0) a.set("start", start);
  if (step != 1) a.set("step", step);
  a.set("dtype", std::string(to_string(dtype)));
  return apply("arange", {}, std::move(a));
}

GValue GraphBuilder::pow(const GValue& x, double exponent) {
  AttrMap a;
  a.set("exponent", exponent);
  return apply("pow", {x}, std::move(a));
}

GValue GraphBuilder::extreme(std::string_view op, const GValue& x, std::optional<std::int64_t> axis, bool keepdim) {
  AttrMap a;
  if (axis) a.set("axis", *axis);
  if (keepdim) a.set("keepdim", true);
  return apply(op, {x}, std::move(a));
}

GValue GraphBuilder::layer_norm(const GValue& x, const IntList& normalized_shape, double eps) {
  AttrMap a;
  a.set("normalized_shape", normalized_shape);
  a.set("eps", eps);
  return apply("layer_norm", {x}, std::move(a));
}

GValue GraphBuilder::layer_norm(const GValue& x, const IntList& normalized_shape, const GValue& weight, const GValue& bias,
                                double eps) {
  AttrMap a;
  a.set("normalized_shape", normalized_shape);
  a.set("eps", eps);
  return apply("layer_norm", {x, weight, bias}, std::move(a));
}

GValue GraphBuilder::batch_norm(const GValue& x, const GValue& weight, const GValue& bias, const GValue& running_mean,
                                const GValue& running_var, bool training, double eps) {
  AttrMap a;
  a.set("training", training);
  a.set("eps", eps);
  return apply("batch_norm", {x, weight, bias, running_mean, running_var}, std::move(a));
}

}  // namespace vt::spec

namespace vt::spec {

// Attributes at their defaults are left out, so that printed graphs stay short.
GValue GraphBuilder::softplus(const GValue& x, double beta, double threshold) {
  AttrMap a;
  if (beta != 1) a.set("beta", beta);
  if (threshold != 20) a.set("threshold", threshold);
  return apply("softplus", {x}, std::move(a));
}

GValue GraphBuilder::gelu(const GValue& x, std::string approximate) {
  AttrMap a;
  if (approximate != "none") a.set("approximate", std::move(approximate));
  return apply("gelu", {x}, std::move(a));
}

GValue GraphBuilder::dropout(const GValue& x, double p, std::int64_t seed, bool training) {
  AttrMap a;
  a.set("p", p);
  a.set("seed", seed);
  if (!training) a.set("training", false);
  return apply("dropout", {x}, std::move(a));
}

GValue GraphBuilder::scaled_dot_product_attention(const GValue& q, const GValue& k, const GValue& v,
                                                  std::optional<double> scale, bool causal) {
  AttrMap a;
  if (scale) a.set("scale", *scale);
  if (causal) a.set("causal", true);
  return apply("scaled_dot_product_attention", {q, k, v}, std::move(a));
}

}  // namespace vt::spec
