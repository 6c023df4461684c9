#include "vt/train/model_runner.hpp"

#include <cmath>
#include <stdexcept>

#include "vt/runtime/graph_replay.hpp"
#include "vt/runtime/program.hpp"
#include "vt/runtime/session.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::train {

std::string_view to_string(BackendKind k) {
  switch (k) {
    case BackendKind::Eager: return "eager";
    case BackendKind::Compiled: return "compiled";
    case BackendKind::Linked: return "linked";
  }
  return "?";
}

std::optional<BackendKind> parse_backend_kind(std::string_view s) {
  if (s == "eager") return BackendKind::Eager;
  if (s == "compiled") return BackendKind::Compiled;
  if (s == "linked") return BackendKind::Linked;
  return std::nullopt;
}

template <class S>
ModelRunner<S>::ModelRunner(GraphFor graph_for) : graph_for_(std::move(graph_for)) {
  for (const spec::Arg& a : graph(1).args)
    if (a.kind == spec::ArgKind::Param) param_names_.push_back(a.name);
}

template <class S>
const spec::GraphData& ModelRunner<S>::graph(std::int64_t rows) {
  auto it = graphs_.find(rows);
  if (it == graphs_.end()) it = graphs_.emplace(rows, graph_for_(rows)).first;
  return it->second;
}

namespace {

template <class S>
bool all_finite(const spec::Dense<S>& d) {
  for (const S& v : d.data)
    if (!std::isfinite(v)) return false;
  return true;
}

// The compiled backend: one Program per batch size. The program that ran the
// last training step holds the current parameters; another program takes
// them over (a copy) before it runs.
template <class S>
class CompiledRunner final : public ModelRunner<S> {
 public:
  CompiledRunner(typename ModelRunner<S>::GraphFor graph_for, std::vector<spec::Dense<S>> params, bool fast)
      : ModelRunner<S>(std::move(graph_for)), fast_(fast), home_(std::move(params)) {}

  S forward(const Batch<S>& batch, bool train) override {
    rt::Program<S>& p = program_for(batch.rows);
    p.set("x", batch.x.data);
    p.set("y", batch.y.data);
    p.forward();
    last_train_ = train;
    return p.output(0)[0];
  }
  void backward() override {
    if (!last_train_) throw std::logic_error("backward() after an evaluation forward");
    current_->backward();
  }
  void zero_grad() override {
    if (current_) current_->zero_grad();
  }
  const spec::Dense<S>& prediction() const override { return current_->output(1); }
  std::vector<ParamView<S>> params() override {
    std::vector<ParamView<S>> out;
    for (const std::string& n : this->param_names_) {
      if (owner_) out.push_back({&owner_->arg(n), owner_->grad(n)});
      else out.push_back({&home_[out.size()], nullptr});
    }
    return out;
  }
  std::string first_nonfinite() const override {
    for (const spec::Node& n : current_graph_->nodes)
      if (!all_finite(current_->value(n.name))) return n.name;
    return "";
  }
  NamedValues values() const override {
    NamedValues out;
    for (const spec::Arg& a : current_graph_->args) out[a.name] = spec::to_doubles(current_->value(a.name));
    for (const spec::Node& n : current_graph_->nodes) out[n.name] = spec::to_doubles(current_->value(n.name));
    return out;
  }
  std::string describe() const override { return "compiled (" + std::to_string(programs_.size()) + " program(s))"; }

 private:
  rt::Program<S>& program_for(std::int64_t rows) {
    auto it = programs_.find(rows);
    if (it == programs_.end()) it = programs_.emplace(rows, std::make_unique<rt::Program<S>>(this->graph(rows), fast_)).first;
    rt::Program<S>& p = *it->second;
    if (owner_ != &p) {
      // Take the parameters over; their gradients start from zero here (the
      // trainer zeroes gradients before every step anyway).
      for (std::size_t i = 0; i < this->param_names_.size(); ++i) {
        const std::string& n = this->param_names_[i];
        p.arg(n).data = owner_ ? owner_->arg(n).data : home_[i].data;
      }
      p.zero_grad();
      owner_ = &p;
    }
    current_ = &p;
    current_graph_ = &this->graph(rows);
    return p;
  }

  bool fast_;
  std::vector<spec::Dense<S>> home_;  // the parameters before the first program exists
  std::map<std::int64_t, std::unique_ptr<rt::Program<S>>> programs_;
  rt::Program<S>* owner_ = nullptr;
  rt::Program<S>* current_ = nullptr;
  const spec::GraphData* current_graph_ = nullptr;
  bool last_train_ = false;
};

// The eager and linked backends: the graph's nodes replayed on a session.
template <class S>
class SessionRunner final : public ModelRunner<S> {
 public:
  SessionRunner(typename ModelRunner<S>::GraphFor graph_for, std::vector<spec::Dense<S>> params, bool linked, bool fast)
      : ModelRunner<S>(std::move(graph_for)),
        session_(linked ? std::make_unique<rt::LinkedSession<S>>(fast) : std::make_unique<rt::Session<S>>(fast)),
        linked_(linked) {
    for (auto& p : params) session_->param(p.shape, std::move(p.data));
  }

  S forward(const Batch<S>& batch, bool train) override {
    if (!refs_.empty()) session_->release();  // an evaluation (or unfinished) graph
    refs_.clear();
    graph_ = &this->graph(batch.rows);
    if (resolved_rows_ != batch.rows) resolved_ = spec::resolve(*graph_), resolved_rows_ = batch.rows;
    std::optional<typename rt::Session<S>::NoGrad> no_grad;
    if (!train) no_grad.emplace(*session_);
    std::size_t param = 0;
    std::vector<rt::TensorRef<S>> args;
    for (const spec::Arg& a : graph_->args) {
      if (a.kind == spec::ArgKind::Param) args.push_back(session_->param_ref(param++));
      else args.push_back(session_->input(a.type.shape, a.name == "x" ? batch.x.data : batch.y.data, a.type.dtype));
    }
    refs_ = rt::replay_graph<S>(*session_, resolved_, args);
    loss_ = &refs_[static_cast<std::size_t>(resolved_.output_ids[0])];
    prediction_ = refs_[static_cast<std::size_t>(resolved_.output_ids[1])].value();
    train_ = train;
    return loss_->item();
  }
  void backward() override {
    if (!train_ || refs_.empty()) throw std::logic_error("backward() without a training forward");
    loss_->backward();  // releases the graph
    refs_.clear();
  }
  void zero_grad() override { session_->zero_grad(); }
  const spec::Dense<S>& prediction() const override { return prediction_; }
  std::vector<ParamView<S>> params() override {
    std::vector<ParamView<S>> out;
    for (std::size_t i = 0; i < session_->num_params(); ++i) out.push_back({&session_->param_value(i), session_->param_grad(i)});
    return out;
  }
  std::string first_nonfinite() const override {
    const std::size_t first_node = graph_->args.size();
    for (std::size_t i = first_node; i < refs_.size(); ++i)
      if (!all_finite(refs_[i].value())) return graph_->nodes[i - first_node].name;
    return "";
  }
  NamedValues values() const override {
    NamedValues out;
    for (std::size_t i = 0; i < refs_.size(); ++i) {
      const bool is_arg = i < graph_->args.size();
      out[is_arg ? graph_->args[i].name : graph_->nodes[i - graph_->args.size()].name] = spec::to_doubles(refs_[i].value());
    }
    return out;
  }
  std::string describe() const override {
    if (!linked_) return "eager";
    return "linked (" + std::to_string(static_cast<const rt::LinkedSession<S>&>(*session_).relinks()) + " relink(s))";
  }

 private:
  std::unique_ptr<rt::Session<S>> session_;
  bool linked_;
  const spec::GraphData* graph_ = nullptr;
  spec::ResolvedGraph resolved_;
  std::int64_t resolved_rows_ = -1;
  std::vector<rt::TensorRef<S>> refs_;  // by value id: arguments, then nodes
  const rt::TensorRef<S>* loss_ = nullptr;
  spec::Dense<S> prediction_;
  bool train_ = false;
};

}  // namespace

template <class S>
std::unique_ptr<ModelRunner<S>> make_runner(BackendKind kind, typename ModelRunner<S>::GraphFor graph_for,
                                            std::vector<spec::Dense<S>> params, bool fast_kernels) {
  if (kind == BackendKind::Compiled) return std::make_unique<CompiledRunner<S>>(std::move(graph_for), std::move(params), fast_kernels);
  return std::make_unique<SessionRunner<S>>(std::move(graph_for), std::move(params), kind == BackendKind::Linked, fast_kernels);
}

template class ModelRunner<float>;
template class ModelRunner<double>;
template std::unique_ptr<ModelRunner<float>> make_runner<float>(BackendKind, ModelRunner<float>::GraphFor, std::vector<spec::Dense<float>>, bool);
template std::unique_ptr<ModelRunner<double>> make_runner<double>(BackendKind, ModelRunner<double>::GraphFor, std::vector<spec::Dense<double>>, bool);

}  // namespace vt::train
