#pragma once
// Trainer: the training loop written once, over any ModelRunner backend.
// Each epoch: shuffled batches (DataLoader), forward, backward, optimizer
// step with the scheduled learning rate; then evaluation on the validation
// set, a log record, and (with a run folder) the logs, the plot and a
// checkpoint. Everything that decides a number (the data order, the initial
// weights, the updates) is a function of the seed alone, so the same command
// gives bitwise the same logs and weights, and a run resumed from a
// checkpoint continues exactly as the uninterrupted run would have.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vt/runtime/io/checkpoint.hpp"
#include "vt/train/data_loader.hpp"
#include "vt/train/dataset.hpp"
#include "vt/train/model_runner.hpp"
#include "vt/train/optim.hpp"
#include "vt/train/progress.hpp"
#include "vt/train/schedule.hpp"

namespace vt::train {

struct TrainOptions {
  std::int64_t epochs = 20;
  std::int64_t steps = 0;  // > 0: train this many optimizer steps instead (the last epoch may end early)
  std::int64_t batch_size = 32;
  bool drop_last = false;
  std::uint64_t seed = 0;
  OptimKind optimizer = OptimKind::Adam;
  OptimOptions optim = OptimOptions::defaults(OptimKind::Adam);
  std::string schedule = "constant";  // Schedule::parse text
  std::int64_t patience = 0;          // early stopping after this many epochs without a better validation loss; 0: off
  std::int64_t stop_after = 0;        // stop (as if interrupted) after this many epochs of this run; 0: never
};

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// One line of the logs: means over the epoch's samples (NaN where there is
// no value: accuracy of a regression, validation without a validation set).
struct EpochRecord {
  std::int64_t epoch = 0, step = 0;
  double lr = 0;
  double train_loss = kNoValue, train_accuracy = kNoValue;
  double val_loss = kNoValue, val_accuracy = kNoValue;
};

// A loss that became NaN or infinite: the run stops, naming where.
class NonFiniteLoss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TrainSummary {
  std::vector<EpochRecord> history;
  bool early_stopped = false, interrupted = false;
  std::int64_t best_epoch = 0;
  double seconds = 0;  // wall time of this run (not logged: logs are deterministic)
};

// Where a run keeps its files: log.csv, log.jsonl, curve.svg and
// checkpoints/{last,best}.vtck. Every file is replaced atomically.
class RunFolder {
 public:
  // Creates the folder (and checkpoints/); FileError when it cannot, or
  // when it is not writable.
  explicit RunFolder(std::filesystem::path root);
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path checkpoint(const std::string& which) const { return root_ / "checkpoints" / (which + ".vtck"); }
  void write(const std::string& name, std::string_view text) const;

 private:
  std::filesystem::path root_;
};

std::string to_csv(const std::vector<EpochRecord>& h);
std::string to_jsonl(const std::vector<EpochRecord>& h);
std::string to_svg(const std::vector<EpochRecord>& h, bool classification);

template <class S>
class Trainer {
 public:
  Trainer(ModelRunner<S>& runner, const Dataset& train, const Dataset& validation, TrainOptions options);

  void set_run_folder(const RunFolder* f) { folder_ = f; }
  void set_progress(Progress* p) { progress_ = p; }
  // Extra metadata stored in every checkpoint (the run's configuration).
  void set_checkpoint_meta(nlohmann::json meta) { extra_meta_ = std::move(meta); }

  // Runs the remaining epochs (all of them, unless restored), or the
  // remaining steps.
  TrainSummary run();
  // Evaluation of the current weights on a set: {mean loss, accuracy}.
  std::pair<double, double> evaluate(const Dataset& d);

  rt::Checkpoint checkpoint() const;
  // Continues from a checkpoint written by checkpoint() of the same model;
  // CheckpointError when it does not fit (naming the tensor), before
  // anything changes.
  void restore(const rt::Checkpoint& c);
  std::int64_t epochs_done() const { return epoch_; }
  std::int64_t steps_done() const { return step_; }
  const std::vector<EpochRecord>& history() const { return history_; }

 private:
  EpochRecord train_epoch(std::int64_t epoch);
  void check_schedule() const;
  void check_finite(const EpochRecord& r);
  void after_epoch(const EpochRecord& r);
  std::vector<ParamView<S>> params() { return runner_.params(); }

  ModelRunner<S>& runner_;
  const Dataset& train_;
  const Dataset& validation_;
  TrainOptions options_;
  DataLoader loader_;
  Optimizer<S> optimizer_;
  std::int64_t total_steps_ = 0, total_epochs_ = 0;  // before schedule_: it is built from them
  Schedule schedule_;
  std::vector<double> base_lrs_;
  Batch<S> batch_;
  const RunFolder* folder_ = nullptr;
  Progress* progress_ = nullptr;
  nlohmann::json extra_meta_ = nlohmann::json::object();

  std::int64_t epoch_ = 0, step_ = 0;
  double best_val_ = std::numeric_limits<double>::infinity();
  std::int64_t best_epoch_ = 0, since_best_ = 0;
  std::vector<EpochRecord> history_;
};

extern template class Trainer<float>;
extern template class Trainer<double>;

}  // namespace vt::train
