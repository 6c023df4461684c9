#pragma once
// The interpreter's state while a plan becomes a graph, and the helpers that
// op steps (op_steps.cpp) share: shapes from knobs, operand choice (latest
// value, fresh argument, unconsumed value, any value), domain wrappers, and
// node application with the node budget.
#include <optional>
#include <string_view>
#include <vector>

#include "bounds.hpp"
#include "build_graph.hpp"
#include "domain_hints.hpp"
#include "vt/spec/builder.hpp"

namespace vt::proptests::detail {

// Thrown by a step that cannot be applied (over the node budget, a range that
// would grow past kMaxMagnitude, a rank the options forbid): the interpreter
// rolls the step back and goes on with the next one.
struct Skip {};

// Tracked ranges beyond this make a step skip: the evaluated guard rejects at
// 1e30, and gradients multiply magnitudes further.
inline constexpr double kMaxMagnitude = 1e12;

struct Val {
  spec::GValue v;
  Range r;
  bool dep = false;  // depends on a float argument (so the loss has a gradient)
  int uses = 0;
  bool is_arg = false;
};

class Ctx {
 public:
  Ctx(const GenOptions& o, int dim_cap);

  const GenOptions& opts() const { return *o_; }
  spec::DType dtype() const { return o_->dtype; }
  int max_rank() const { return o_->max_rank; }
  const spec::Shape& shape_of(std::size_t v) const { return vals_[v].v.type.shape; }
  int rank_of(std::size_t v) const { return static_cast<int>(shape_of(v).rank()); }
  const Range& range_of(std::size_t v) const { return vals_[v].r; }
  std::size_t num_vals() const { return vals_.size(); }
  // A node nothing reads yet (a dangling branch).
  bool unused_node(std::size_t v) const { return !vals_[v].is_arg && vals_[v].uses == 0; }

  // Shapes: rank in [min_rank, max_rank] (clipped to the options), dims in
  // [1, dim_cap] (with favored_dims: a third of them from that list, a third
  // at most 8), and with max_numel the product kept within it.
  std::int64_t dim(Dial& d) const;
  // The same, drawing from op's own switch sizes (GenOptions::op_sizes) when it has them.
  std::int64_t dim_for(std::string_view op, Dial& d) const;
  spec::Shape shape(Dial& d, int min_rank, int max_rank) const;
  std::int64_t dim_from(const std::vector<std::int64_t>& favored, Dial& d) const;
  // dims with each cut down, left to right, so that their product stays
  // within max_numel (when set).
  spec::Shape within_budget(std::vector<std::int64_t> dims) const;
  // Throws Skip when s has more elements than max_numel allows.
  void check_numel(const spec::Shape& s) const;
  // A shape that broadcasts with s: a suffix of it, s with a new leading
  // axis, with some axes set to 1, or with 1-axes grown.
  spec::Shape broadcast_partner(const spec::Shape& s, Dial& d) const;

  // An operand of rank [min_rank, max_rank] meeting `need`.
  std::size_t operand(Dial& d, int min_rank, int max_rank, Need need);
  // A new argument (sometimes a constant node) of shape s meeting `need`.
  std::size_t fresh(Dial& d, spec::Shape s, Need need);
  std::size_t fresh_arg(Dial& d, spec::Shape s, Need need, bool param);  // s by value: it may be the shape of a value in vals_, which grows
  std::size_t constant(Dial& d, double value, const spec::Shape& s);
  // An i64 input of n class indices in [0, classes).
  spec::GValue target(std::int64_t n, std::int64_t classes);
  // An i64 input of shape s holding indices in [0, bound) (gather, scatter_add, embedding).
  spec::GValue index_arg(const spec::Shape& s, std::int64_t bound);
  // v itself when its range meets `need`, else v behind a domain wrapper.
  std::size_t ensure(std::size_t v, Need need, Dial& d);
  // Values whose types make `op` type-check with the value put at operand
  // position `hole` of `others` (result rank within the options).
  std::vector<std::size_t> fitting(std::string_view op, std::vector<spec::TensorType> others, int hole,
                                   const spec::AttrMap& attrs = {}) const;

  // Appends a node; throws Skip over the budget or when r is too wide.
  std::size_t apply(std::string_view op, const std::vector<std::size_t>& in, spec::AttrMap attrs, Range r);
  // cross_entropy(x, target): the target is an i64 argument, not a float value.
  std::size_t apply_with_target(std::string_view op, std::size_t x, const spec::GValue& target, Range r);
  // An op with an i64 index argument put at operand position `at` among the float values `in`.
  std::size_t apply_with_index(std::string_view op, const std::vector<std::size_t>& in, std::size_t at,
                               const spec::GValue& index, spec::AttrMap attrs, Range r);
  // An i64 node (argmax) of the float value x: not a float value itself,
  // so it is returned for an op that takes indices (apply_with_index).
  spec::GValue index_node(std::string_view op, std::size_t x, spec::AttrMap attrs);
  // The loss: the only node beyond the budget, named "loss"; output 0.
  void finish(Dial& d);
  // Folds dangling branches into v (add, after a sum where shapes differ)
  // while the budget lasts, so their gradients are exercised too.
  std::size_t merge_unused(std::size_t v);
  Built build() const;

 private:
  std::size_t positive(std::size_t v, Dial& d);
  std::size_t half();  // the shared scalar constant 0.5
  std::size_t push_node(std::string_view op, const std::vector<std::size_t>& in, spec::AttrMap attrs, Range r,
                        std::string name, const spec::GValue* target = nullptr, std::size_t target_at = ~std::size_t{0});

  const GenOptions* o_;
  int dim_cap_;
  spec::GraphBuilder b_{"gen"};
  std::vector<Val> vals_;  // float values: arguments and nodes, in creation order
  std::vector<ArgMeta> args_;
  int next_arg_ = 0, next_node_ = 0, nodes_ = 0;
  std::optional<std::size_t> half_;
  bool drop_unused_init_ = false;
};

}  // namespace vt::proptests::detail
