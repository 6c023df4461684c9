#include "vt/spec/op_table.hpp"

#include <array>
#include <cmath>

namespace vt::spec {

namespace {
template <class... Ops>
constexpr auto make_infos(OpList<Ops...>) {
  return std::array<OpInfo, sizeof...(Ops)>{OpInfo{op_id<Ops>, Ops::name, Ops::math, Ops::min_arity,
                                                   Ops::max_arity, std::span<const AttrSpec>(Ops::attrs),
                                                   Ops::fragment, Ops::contract, &Ops::differentiable, &Ops::infer}...};
}
const auto kInfos = make_infos(AllOps{});
// Float attributes are values of the node's dtype: an f32 node rounds them
// to float32 once here, so every backend (float kernels and the exact
// reference alike) computes with the same number.
void round_float_attrs(const OpInfo& op, DType dtype, AttrMap& attrs) {
  if (dtype != DType::f32) return;
  const auto to_f32 = [](const AttrSpec& spec, double v) {
    const auto f = static_cast<float>(v);
    if (!std::isfinite(f))
      throw ShapeError("attribute '" + std::string(spec.name) + "' = " + to_string(AttrValue(v)) + " overflows f32");
    return static_cast<double>(f);
  };
  for (const auto& spec : op.attrs) {
    if ((spec.kind != AttrKind::Float && spec.kind != AttrKind::Floats) || spec.keep_f64 || !attrs.has(spec.name)) continue;
    if (attrs.is_list(spec.name)) {
      FloatList l = attrs.get_floats(spec.name);
      for (double& v : l) v = to_f32(spec, v);
      attrs.set(std::string(spec.name), std::move(l));
    } else {
      attrs.set(std::string(spec.name), to_f32(spec, attrs.get_float(spec.name)));
    }
  }
}

}  // namespace

std::string signature(std::string_view op, std::span<const TensorType> in) {
  std::string s = std::string(op) + "(";
  for (std::size_t i = 0; i < in.size(); ++i) s += (i ? ", " : "") + to_string(in[i]);
  return s + ")";
}

std::span<const OpInfo> all_ops() { return kInfos; }

const OpInfo& op_info(OpId id) { return kInfos.at(id); }

const OpInfo* find_op(std::string_view name) {
  for (const auto& op : kInfos)
    if (op.name == name) return &op;
  return nullptr;
}

TensorType infer_type(const OpInfo& op, std::span<const TensorType> inputs, AttrMap& attrs) {
  const auto n = static_cast<int>(inputs.size());
  try {
    if (n < op.min_arity || n > op.max_arity) {
      const std::string want = op.min_arity == op.max_arity
                                   ? std::to_string(op.min_arity)
                                   : std::to_string(op.min_arity) + " to " + std::to_string(op.max_arity);
      throw ShapeError("takes " + want + " input" + (op.max_arity == 1 ? "" : "s") + ", got " + std::to_string(n));
    }
    for (const auto& t : inputs) t.shape.validate();
    check_attrs(attrs, op.attrs);
    TensorType out = op.infer(inputs, attrs);
    out.shape.validate();
    round_float_attrs(op, out.dtype, attrs);
    return out;
  } catch (const ShapeError& e) {
    throw ShapeError(signature(op.name, inputs) + ": " + e.what());
  }
}

}  // namespace vt::spec
