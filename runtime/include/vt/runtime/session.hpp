#pragma once
// Eager sessions, PyTorch-like: operations on TensorRefs run at once and are
// recorded on the generic tape; backward() walks it in reverse.
//
//   rt::Session<float> s;
//   auto w = s.param({2, 3}, {...});           // trainable, persists across graphs
//   auto x = s.input({4, 3}, {...});
//   auto loss = rt::mean(rt::relu(rt::linear(x, w)));
//   loss.backward();                            // frees the graph (unless retain_graph)
//   s.sgd_step(0.1f); s.zero_grad();
//
// Parameters live in the session; values computed from them belong to the
// current graph, which backward() releases (as PyTorch frees saved tensors):
// a TensorRef of a released graph is an error to use, never a dangling read.
// Every op checks its inputs' shapes and dtypes with the op table's shape
// rule before anything changes, and names the op and the shapes when they
// do not fit.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <span>
#include <string>
#include <vector>

#include "vt/runtime/fast_backend.hpp"
#include "vt/spec/graph.hpp"
#include "vt/spec/tape.hpp"

namespace vt::rt {

template <class S>
class Session;

template <class S>
class TensorRef {
 public:
  const spec::Dense<S>& value() const { return s_->value_of(*this); }
  const spec::Shape& shape() const { return value().shape; }
  S item() const;
  bool requires_grad() const { return s_->requires_grad_of(*this); }
  // The gradient accumulated by backward(); UsageError when the tensor does
  // not require one or backward has not reached it.
  const spec::Dense<S>& grad() const { return s_->grad_of(*this); }
  void backward(bool retain_graph = false) const { s_->backward(*this, nullptr, retain_graph); }
  void backward(const spec::Dense<S>& seed, bool retain_graph = false) const { s_->backward(*this, &seed, retain_graph); }
  // The same values, cut from the graph (no gradient flows through).
  TensorRef detach() const { return s_->detach(*this); }
  Session<S>& session() const { return *s_; }

 private:
  friend class Session<S>;
  enum class Kind : std::uint8_t { Param, Value };
  TensorRef(Session<S>* s, Kind k, std::uint32_t index, std::uint64_t graph) : s_(s), kind_(k), index_(index), graph_(graph) {}
  Session<S>* s_;
  Kind kind_;
  std::uint32_t index_;  // parameter number, or tape slot
  std::uint64_t graph_;  // which graph a value belongs to
};

template <class S>
class Session {
 public:
  static constexpr spec::DType kDType = sizeof(S) == 4 ? spec::DType::f32 : spec::DType::f64;

  explicit Session(bool fast_kernels = true) : Session(false, fast_kernels) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  TensorRef<S> param(spec::Shape shape, std::vector<S> values);
  // Data; class labels are inputs of dtype i64 (their integer values held in
  // S, exactly). With requires_grad (float inputs only) backward also fills
  // its grad(): d(loss)/d(x) for an input x (torch's x.requires_grad_()).
  TensorRef<S> input(spec::Shape shape, std::vector<S> values, spec::DType dtype = kDType, bool requires_grad = false);
  TensorRef<S> scalar(double v) { return input(spec::Shape{}, {static_cast<S>(v)}); }

  // Runs an op-table op on these inputs: recorded for backward unless a
  // no_grad scope is open or no input requires grad.
  TensorRef<S> apply(spec::OpId op, std::span<const TensorRef<S>> inputs, spec::AttrMap attrs = {});
  TensorRef<S> apply(spec::OpId op, std::initializer_list<TensorRef<S>> inputs, spec::AttrMap attrs = {}) {
    return apply(op, std::span<const TensorRef<S>>(inputs.begin(), inputs.size()), std::move(attrs));
  }

  // While alive, new results do not require grad (torch.no_grad()).
  class NoGrad {
   public:
    explicit NoGrad(Session& s) : s_(s), saved_(s.grad_enabled_) { s.grad_enabled_ = false; }
    ~NoGrad() { s_.grad_enabled_ = saved_; }
    NoGrad(const NoGrad&) = delete;
    NoGrad& operator=(const NoGrad&) = delete;

   private:
    Session& s_;
    bool saved_;
  };

  // Ends the current graph: its values become invalid, parameters keep their
  // values and accumulated gradients. backward() does this by itself.
  void release();
  void zero_grad();
  void sgd_step(S lr);
  std::size_t num_params() const { return params_.size(); }
  // Parameter i's value and accumulated gradient (null when it has none),
  // wherever they live now: valid until the next op, backward or release.
  // Optimizers update parameters through these.
  spec::Dense<S>& param_value(std::size_t i);
  const spec::Dense<S>* param_grad(std::size_t i) const;
  TensorRef<S> param_ref(std::size_t i) { return TensorRef<S>(this, TensorRef<S>::Kind::Param, static_cast<std::uint32_t>(i), 0); }
  FastBackend<S>& backend() { return backend_; }
  std::size_t tape_slots() const { return tape_.num_slots(); }
  // Bytes of the values and gradients the tape holds now.
  std::size_t tape_bytes() const {
    std::size_t n = 0;
    tape_.for_each_buffer([&n](const spec::Dense<S>& d) { n += d.data.size() * sizeof(S); });
    return n;
  }

 protected:
  Session(bool linked, bool fast_kernels) : linked_(linked), backend_(fast_kernels), tape_(backend_) {}

  // ---- linked mode (LinkedSession): the first run's entries are kept as the
  // program; later runs that repeat them recompute in place.
  struct Entry {
    enum class Kind : std::uint8_t { Input, Param, Op, Computed, Detach } kind;
    spec::TensorType type{};
    spec::OpId op = 0;
    std::vector<spec::Slot> inputs{};
    spec::AttrMap attrs{};
    std::uint32_t param = 0;
    bool requires_grad = false;  // of an input
    bool operator==(const Entry&) const = default;
  };
  // True when the next recorded entry equals `want` (the caller then reuses
  // its slot, which is returned in `slot`); otherwise the program is cut
  // there and re-recorded from this entry on.
  bool replay(const Entry& want, spec::Slot& slot);
  void relink(const std::string& why);
  void record_entry(Entry e);
  spec::GraphData graph_of_entries() const;

  bool linked_ = false;
  std::vector<Entry> entries_;  // entry k defines tape slot k
  std::size_t cursor_ = 0;
  std::size_t relinks_ = 0;
  std::string last_relink_;
  std::optional<spec::GraphData> program_;  // the verified graph of the recorded run

 private:
  friend class TensorRef<S>;
  struct Param {
    spec::Dense<S> value;
    std::optional<spec::Dense<S>> grad;
    std::optional<spec::Slot> slot;  // where it lives while the current graph uses it
  };

  void check_mine(const TensorRef<S>& t, const char* what) const;
  spec::Slot slot_for(const TensorRef<S>& t);  // imports a parameter into the current graph
  spec::TensorType type_of(const TensorRef<S>& t) const;
  const spec::Dense<S>& value_of(const TensorRef<S>& t) const;
  bool requires_grad_of(const TensorRef<S>& t) const;
  const spec::Dense<S>& grad_of(const TensorRef<S>& t) const;
  void backward(const TensorRef<S>& root, const spec::Dense<S>* seed, bool retain_graph);
  TensorRef<S> detach(const TensorRef<S>& t);
  TensorRef<S> value_ref(spec::Slot s) { return TensorRef<S>(this, TensorRef<S>::Kind::Value, s, graph_); }
  template <class F>
  void for_each_param_grad(F&& f);

  FastBackend<S> backend_;
  spec::Tape<FastBackend<S>> tape_;
  std::vector<Param> params_;
  std::vector<spec::DType> slot_dtype_;  // per tape slot
  std::vector<spec::Slot> imported_;     // parameters in the current graph
  std::uint64_t graph_ = 1;
  bool grad_enabled_ = true;
};

// ---- ops: the op table's entries as functions of TensorRefs
template <class S>
TensorRef<S> unary(spec::OpId op, const TensorRef<S>& x, spec::AttrMap a = {}) {
  return x.session().apply(op, {x}, std::move(a));
}
template <class S>
TensorRef<S> binary(spec::OpId op, const TensorRef<S>& a, const TensorRef<S>& b) {
  return a.session().apply(op, {a, b});
}
template <class S> TensorRef<S> operator+(const TensorRef<S>& a, const TensorRef<S>& b) { return binary(spec::op_id<spec::ops::Add>, a, b); }
template <class S> TensorRef<S> operator-(const TensorRef<S>& a, const TensorRef<S>& b) { return binary(spec::op_id<spec::ops::Sub>, a, b); }
template <class S> TensorRef<S> operator*(const TensorRef<S>& a, const TensorRef<S>& b) { return binary(spec::op_id<spec::ops::Mul>, a, b); }
template <class S> TensorRef<S> operator/(const TensorRef<S>& a, const TensorRef<S>& b) { return binary(spec::op_id<spec::ops::Div>, a, b); }
template <class S> TensorRef<S> operator+(const TensorRef<S>& a, double b) { return a + a.session().scalar(b); }
template <class S> TensorRef<S> operator-(const TensorRef<S>& a, double b) { return a - a.session().scalar(b); }
template <class S> TensorRef<S> operator*(const TensorRef<S>& a, double b) { return a * a.session().scalar(b); }
template <class S> TensorRef<S> operator/(const TensorRef<S>& a, double b) { return a / a.session().scalar(b); }
template <class S> TensorRef<S> operator-(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Neg>, x); }
template <class S> TensorRef<S> relu(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Relu>, x); }
template <class S> TensorRef<S> tanh(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Tanh>, x); }
template <class S> TensorRef<S> sigmoid(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Sigmoid>, x); }
template <class S> TensorRef<S> exp(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Exp>, x); }
template <class S> TensorRef<S> log(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Log>, x); }
template <class S> TensorRef<S> square(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Square>, x); }
template <class S> TensorRef<S> log1p(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Log1p>, x); }
template <class S> TensorRef<S> expm1(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Expm1>, x); }
template <class S> TensorRef<S> pow(const TensorRef<S>& a, const TensorRef<S>& b) { return binary(spec::op_id<spec::ops::Pow>, a, b); }
template <class S>
TensorRef<S> pow(const TensorRef<S>& x, double exponent) {
  spec::AttrMap a;
  a.set("exponent", exponent);
  return unary(spec::op_id<spec::ops::Pow>, x, std::move(a));
}
// amax/amin/max/min/argmax/argmin (Op) over axis, or all axes when absent
// (ops/extreme.hpp: max(x, axis) is torch.max(x, dim)'s values; argmax is i64).
template <class Op, class S>
TensorRef<S> extreme(const TensorRef<S>& x, std::optional<std::int64_t> axis = {}, bool keepdim = false) {
  spec::AttrMap a;
  if (axis) a.set("axis", *axis);
  if (keepdim) a.set("keepdim", true);
  return unary(spec::op_id<Op>, x, std::move(a));
}
// torch.max(x, dim): (values, i64 indices); the gradient goes to the indexed elements.
template <class S>
std::pair<TensorRef<S>, TensorRef<S>> max_with_indices(const TensorRef<S>& x, std::int64_t axis, bool keepdim = false) {
  return {extreme<spec::ops::Max>(x, axis, keepdim), extreme<spec::ops::Argmax>(x, axis, keepdim)};
}
template <class S>
std::pair<TensorRef<S>, TensorRef<S>> min_with_indices(const TensorRef<S>& x, std::int64_t axis, bool keepdim = false) {
  return {extreme<spec::ops::Min>(x, axis, keepdim), extreme<spec::ops::Argmin>(x, axis, keepdim)};
}
template <class S> TensorRef<S> sum(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Sum>, x); }
template <class S> TensorRef<S> mean(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Mean>, x); }
template <class S> TensorRef<S> matmul(const TensorRef<S>& a, const TensorRef<S>& b) { return binary(spec::op_id<spec::ops::Matmul>, a, b); }
template <class S> TensorRef<S> mse_loss(const TensorRef<S>& x, const TensorRef<S>& t) { return binary(spec::op_id<spec::ops::MseLoss>, x, t); }
template <class S>
TensorRef<S> cross_entropy(const TensorRef<S>& logits, const TensorRef<S>& target) {
  return binary(spec::op_id<spec::ops::CrossEntropy>, logits, target);
}
template <class S>
TensorRef<S> linear(const TensorRef<S>& x, const TensorRef<S>& w) {
  return x.session().apply(spec::op_id<spec::ops::Linear>, {x, w});
}
template <class S>
TensorRef<S> linear(const TensorRef<S>& x, const TensorRef<S>& w, const TensorRef<S>& b) {
  return x.session().apply(spec::op_id<spec::ops::Linear>, {x, w, b});
}
template <class S>
TensorRef<S> softmax(const TensorRef<S>& x, std::int64_t axis = -1) {
  spec::AttrMap a;
  a.set("axis", axis);
  return unary(spec::op_id<spec::ops::Softmax>, x, std::move(a));
}
template <class S>
TensorRef<S> conv2d(const TensorRef<S>& x, const TensorRef<S>& w, const spec::ops::Conv2dOptions& o = {}) {
  return x.session().apply(spec::op_id<spec::ops::Conv2d>, {x, w}, o.attrs());
}
template <class S>
TensorRef<S> conv2d(const TensorRef<S>& x, const TensorRef<S>& w, const TensorRef<S>& b, const spec::ops::Conv2dOptions& o = {}) {
  return x.session().apply(spec::op_id<spec::ops::Conv2d>, {x, w, b}, o.attrs());
}
template <class S>
TensorRef<S> max_pool2d(const TensorRef<S>& x, const spec::ops::Pool2dOptions& o) {
  return unary(spec::op_id<spec::ops::MaxPool2d>, x, o.attrs());
}
template <class S>
TensorRef<S> avg_pool2d(const TensorRef<S>& x, const spec::ops::Pool2dOptions& o) {
  return unary(spec::op_id<spec::ops::AvgPool2d>, x, o.attrs());
}

// Layout and indexing; index tensors are inputs of dtype i64 (Session::input
// with spec::DType::i64). An index value out of range throws DomainError
// naming the op, the position and the value, before anything is written.
template <class S>
TensorRef<S> flatten(const TensorRef<S>& x, std::int64_t start_dim = 1, std::int64_t end_dim = -1) {
  spec::AttrMap a;
  a.set("start_dim", start_dim);
  a.set("end_dim", end_dim);
  return unary(spec::op_id<spec::ops::Flatten>, x, std::move(a));
}
template <class S>
TensorRef<S> concat(std::span<const TensorRef<S>> xs, std::int64_t axis = 0) {
  if (xs.empty()) throw spec::UsageError("concat of no tensors");
  spec::AttrMap a;
  a.set("axis", axis);
  return xs.front().session().apply(spec::op_id<spec::ops::Concat>, xs, std::move(a));
}
template <class S>
TensorRef<S> concat(std::initializer_list<TensorRef<S>> xs, std::int64_t axis = 0) {
  return concat(std::span<const TensorRef<S>>(xs.begin(), xs.size()), axis);
}
template <class S>
TensorRef<S> narrow(const TensorRef<S>& x, std::int64_t axis, std::int64_t start, std::int64_t length) {
  spec::AttrMap a;
  a.set("axis", axis);
  a.set("start", start);
  a.set("length", length);
  return unary(spec::op_id<spec::ops::Narrow>, x, std::move(a));
}
template <class S>
TensorRef<S> gather(const TensorRef<S>& x, const TensorRef<S>& index, std::int64_t axis) {
  spec::AttrMap a;
  a.set("axis", axis);
  return x.session().apply(spec::op_id<spec::ops::GatherOp>, {x, index}, std::move(a));
}
template <class S>
TensorRef<S> scatter_add(const TensorRef<S>& x, const TensorRef<S>& index, const TensorRef<S>& src, std::int64_t axis) {
  spec::AttrMap a;
  a.set("axis", axis);
  return x.session().apply(spec::op_id<spec::ops::ScatterAdd>, {x, index, src}, std::move(a));
}
template <class S>
TensorRef<S> embedding(const TensorRef<S>& weight, const TensorRef<S>& indices) {
  return binary(spec::op_id<spec::ops::Embedding>, weight, indices);
}
// layer_norm over the trailing normalized_shape axes (torch.nn.functional.layer_norm).
template <class S>
TensorRef<S> layer_norm(const TensorRef<S>& x, const spec::IntList& normalized_shape, double eps = 1e-5) {
  spec::AttrMap a;
  a.set("normalized_shape", normalized_shape);
  a.set("eps", eps);
  return x.session().apply(spec::op_id<spec::ops::LayerNorm>, {x}, std::move(a));
}
template <class S>
TensorRef<S> layer_norm(const TensorRef<S>& x, const spec::IntList& normalized_shape, const TensorRef<S>& weight,
                        const TensorRef<S>& bias, double eps = 1e-5) {
  spec::AttrMap a;
  a.set("normalized_shape", normalized_shape);
  a.set("eps", eps);
  return x.session().apply(spec::op_id<spec::ops::LayerNorm>, {x, weight, bias}, std::move(a));
}
// batch_norm (pure: the running statistics are read in eval mode, never
// updated; see train/batch_norm_stats.hpp for torch's update).
template <class S>
TensorRef<S> batch_norm(const TensorRef<S>& x, const TensorRef<S>& weight, const TensorRef<S>& bias,
                        const TensorRef<S>& running_mean, const TensorRef<S>& running_var, bool training, double eps = 1e-5) {
  spec::AttrMap a;
  a.set("training", training);
  a.set("eps", eps);
  return x.session().apply(spec::op_id<spec::ops::BatchNorm>, {x, weight, bias, running_mean, running_var}, std::move(a));
}
template <class S>
TensorRef<S> softplus(const TensorRef<S>& x, double beta = 1, double threshold = 20) {
  spec::AttrMap a;
  if (beta != 1) a.set("beta", beta);
  if (threshold != 20) a.set("threshold", threshold);
  return unary(spec::op_id<spec::ops::Softplus>, x, std::move(a));
}
// approximate: "none" (erf form) or "tanh".
template <class S>
TensorRef<S> gelu(const TensorRef<S>& x, std::string approximate = "none") {
  spec::AttrMap a;
  if (approximate != "none") a.set("approximate", std::move(approximate));
  return unary(spec::op_id<spec::ops::Gelu>, x, std::move(a));
}
template <class S> TensorRef<S> silu(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::Silu>, x); }
template <class S> TensorRef<S> log_sigmoid(const TensorRef<S>& x) { return unary(spec::op_id<spec::ops::LogSigmoid>, x); }
// The mask is a function of (seed, element index): pass a new seed per step.
template <class S>
TensorRef<S> dropout(const TensorRef<S>& x, double p = 0.5, std::int64_t seed = 0, bool training = true) {
  spec::AttrMap a;
  a.set("p", p);
  a.set("seed", seed);
  if (!training) a.set("training", false);
  return unary(spec::op_id<spec::ops::Dropout>, x, std::move(a));
}

// softmax(q k^T * scale) v (torch.nn.functional.scaled_dot_product_attention):
// scale 1/sqrt(E) when absent; causal masks keys after each query (top-left aligned).
template <class S>
TensorRef<S> scaled_dot_product_attention(const TensorRef<S>& q, const TensorRef<S>& k, const TensorRef<S>& v,
                                          std::optional<double> scale = {}, bool causal = false) {
  spec::AttrMap a;
  if (scale) a.set("scale", *scale);
  if (causal) a.set("causal", true);
  return q.session().apply(spec::op_id<spec::ops::ScaledDotProductAttention>, {q, k, v}, std::move(a));
}

// A Session that records the user's operations on its first run (until
// backward or release), verifies them as a graph, and from then on runs that
// program in place: the same user code, no per-step recording or allocation.
// A run whose structure differs (another op, shape or input) is detected at
// the first differing entry, reported through relinks()/last_relink(), and
// re-recorded from there.
template <class S>
class LinkedSession : public Session<S> {
 public:
  explicit LinkedSession(bool fast_kernels = true) : Session<S>(true, fast_kernels) {}
  std::size_t relinks() const { return this->relinks_; }
  const std::string& last_relink() const { return this->last_relink_; }
  // The verified graph of the recorded program (after its first run).
  const spec::GraphData& program() const;
};

extern template class Session<float>;
extern template class Session<double>;
extern template class LinkedSession<float>;
extern template class LinkedSession<double>;

}  // namespace vt::rt
