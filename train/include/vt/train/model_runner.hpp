#pragma once
// ModelRunner: one model (a graph of the IR per batch size) trained on one of
// the three backends, behind one interface, so that the trainer's loop is
// written once:
//   compiled  the graph lowered to a tape program (one per batch size seen)
//   eager     a Session replaying the graph's nodes through Session::apply
//   linked    the same replay on a LinkedSession (recorded once, then in place)
// The backend choice is per run; the numbers are bitwise the same on all
// three (same kernels, same order), which the tests check.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vt/train/data_loader.hpp"
#include "vt/train/optim.hpp"
#include "vt/spec/graph.hpp"

namespace vt::train {

enum class BackendKind { Eager, Compiled, Linked };
std::string_view to_string(BackendKind);
std::optional<BackendKind> parse_backend_kind(std::string_view);

// Values by name (arguments and nodes, as doubles: f32 widens exactly), for
// audits and reports.
using NamedValues = std::map<std::string, std::vector<double>>;

template <class S>
class ModelRunner {
 public:
  using GraphFor = std::function<spec::GraphData(std::int64_t batch)>;
  virtual ~ModelRunner() = default;

  // Loads the batch and runs the model; `train` records for backward().
  // Returns output 0 (the loss).
  virtual S forward(const Batch<S>& batch, bool train) = 0;
  // Gradients of the loss of the last training forward, accumulated into
  // the parameters' gradients (zero_grad() clears them).
  virtual void backward() = 0;
  virtual void zero_grad() = 0;
  // Output 1 of the last forward (logits or predictions), {rows, outputs}.
  virtual const spec::Dense<S>& prediction() const = 0;
  // Each parameter's value and gradient (null before any backward), in the
  // graph's parameter order; valid until the next forward.
  virtual std::vector<ParamView<S>> params() = 0;
  // The first node (definition order) of the last forward with a NaN or
  // infinity in its value, "" when none.
  virtual std::string first_nonfinite() const = 0;
  // Every argument and node value of the last forward.
  virtual NamedValues values() const = 0;
  virtual std::string describe() const = 0;

  const std::vector<std::string>& param_names() const { return param_names_; }
  // The graph this runner uses for a batch of `rows` (cached per size).
  const spec::GraphData& graph(std::int64_t rows);

 protected:
  explicit ModelRunner(GraphFor graph_for);
  GraphFor graph_for_;
  std::map<std::int64_t, spec::GraphData> graphs_;
  std::vector<std::string> param_names_;
};

// `params` are the initial values, in the graph's parameter order.
template <class S>
std::unique_ptr<ModelRunner<S>> make_runner(BackendKind kind, typename ModelRunner<S>::GraphFor graph_for,
                                            std::vector<spec::Dense<S>> params, bool fast_kernels = true);

}  // namespace vt::train
