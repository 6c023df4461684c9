#include "vt/train/trainer.hpp"

#include <charconv>
#include <cstdio>
#include <chrono>
#include <system_error>

#include "vt/runtime/io/atomic_file.hpp"
#include "vt/train/svg_plot.hpp"

namespace vt::train {

// ---- run folder and log formats

RunFolder::RunFolder(std::filesystem::path root) : root_(std::move(root)) {
  std::error_code ec;
  std::filesystem::create_directories(root_ / "checkpoints", ec);
  if (ec) throw rt::FileError(root_.string() + ": cannot create the run folder: " + ec.message());
  // Probe once, so an unwritable folder fails before training starts.
  write(".write-test", "");
  std::filesystem::remove(root_ / ".write-test", ec);
  // Temporary files a killed run left behind (its own processes are gone).
  for (const char* name : {"log.csv", "log.jsonl", "curve.svg", "config.json", "model.vtg", "summary.json", "weights.npz", "audit.txt"})
    rt::remove_stale_temp_files(root_ / name);
}

void RunFolder::write(const std::string& name, std::string_view text) const { rt::write_file_atomic(root_ / name, text); }

namespace {

// Shortest text that reads back as the same double; "" for NaN.
std::string number(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// JSON has no NaN or infinity: null stands for "no value".
nlohmann::json json_number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double from_json_number(const nlohmann::json& j, double if_null = kNoValue) { return j.is_null() ? if_null : j.get<double>(); }

nlohmann::json to_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},
          {"step", r.step},
          {"lr", json_number(r.lr)},
          {"train_loss", json_number(r.train_loss)},
          {"train_accuracy", json_number(r.train_accuracy)},
          {"val_loss", json_number(r.val_loss)},
          {"val_accuracy", json_number(r.val_accuracy)}};
}

EpochRecord record_from_json(const nlohmann::json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<std::int64_t>();
  r.step = j.at("step").get<std::int64_t>();
  r.lr = from_json_number(j.at("lr"));
  r.train_loss = from_json_number(j.at("train_loss"));
  r.train_accuracy = from_json_number(j.at("train_accuracy"));
  r.val_loss = from_json_number(j.at("val_loss"));
  r.val_accuracy = from_json_number(j.at("val_accuracy"));
  return r;
}

template <class S>
std::int64_t count_correct(const spec::Dense<S>& logits, const spec::Dense<S>& labels) {
  const std::int64_t rows = labels.numel(), classes = logits.numel() / std::max<std::int64_t>(rows, 1);
  std::int64_t right = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t best = 0;  // the first maximum, as torch.argmax
    for (std::int64_t c = 1; c < classes; ++c)
      if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    right += best == static_cast<std::int64_t>(labels[r]);
  }
  return right;
}

// What the progress line adds at the end of an epoch (it shows the train loss itself).
std::string validation_summary(const EpochRecord& r) {
  char text[96] = "";
  if (!std::isnan(r.val_accuracy)) std::snprintf(text, sizeof text, "val loss %.4f  val acc %.4f", r.val_loss, r.val_accuracy);
  else if (!std::isnan(r.val_loss)) std::snprintf(text, sizeof text, "val loss %.4f", r.val_loss);
  return text;
}

}  // namespace

std::string to_csv(const std::vector<EpochRecord>& h) {
  std::string s = "epoch,step,lr,train_loss,train_accuracy,val_loss,val_accuracy\n";
  for (const EpochRecord& r : h)
    s += std::to_string(r.epoch) + "," + std::to_string(r.step) + "," + number(r.lr) + "," + number(r.train_loss) + "," +
         number(r.train_accuracy) + "," + number(r.val_loss) + "," + number(r.val_accuracy) + "\n";
  return s;
}

std::string to_jsonl(const std::vector<EpochRecord>& h) {
  std::string s;
  for (const EpochRecord& r : h) s += to_json(r).dump() + "\n";
  return s;
}

std::string to_svg(const std::vector<EpochRecord>& h, bool classification) {
  const auto series = [&](std::string label, double EpochRecord::*field) {
    Series s{std::move(label), {}, {}};
    for (const EpochRecord& r : h) s.x.push_back(static_cast<double>(r.epoch)), s.y.push_back(r.*field);
    return s;
  };
  std::vector<Panel> panels;
  panels.push_back(Panel{"loss", "epoch", "loss", {series("train", &EpochRecord::train_loss), series("validation", &EpochRecord::val_loss)}, true});
  if (classification)
    panels.push_back(Panel{"accuracy", "epoch", "accuracy",
                           {series("train", &EpochRecord::train_accuracy), series("validation", &EpochRecord::val_accuracy)}, false});
  return render_svg(panels);
}

// ---- the trainer

template <class S>
Trainer<S>::Trainer(ModelRunner<S>& runner, const Dataset& train, const Dataset& validation, TrainOptions options)
    : runner_(runner),
      train_(train),
      validation_(validation),
      options_(std::move(options)),
      loader_(train_, LoaderOptions{.batch_size = options_.batch_size, .shuffle = true, .drop_last = options_.drop_last, .seed = options_.seed}),
      optimizer_(options_.optimizer, runner.param_names().size(), options_.optim),
      total_steps_(options_.steps > 0 ? options_.steps : options_.epochs * loader_.batches_per_epoch()),
      total_epochs_((total_steps_ + loader_.batches_per_epoch() - 1) / loader_.batches_per_epoch()),
      schedule_(Schedule::parse(options_.schedule, total_steps_)) {
  for (const ParamGroup& g : optimizer_.groups()) base_lrs_.push_back(g.options.lr);
  check_schedule();
}

// Every learning rate the schedule will set, checked before the run starts:
// a schedule that would reach a negative or non-finite rate is bad input,
// not a failure in epoch 7 with half a run folder written.
template <class S>
void Trainer<S>::check_schedule() const {
  schedule_.validate();
  constexpr std::int64_t kMaxChecked = 10'000'000;  // closed forms: a fraction of a second
  for (std::int64_t step = 0; step < std::min(total_steps_, kMaxChecked); ++step)
    for (double base : base_lrs_) {
      const double lr = schedule_.lr(step, base);
      if (!std::isfinite(lr) || lr < 0)
        throw std::invalid_argument("--schedule " + schedule_.describe() + " would set the learning rate to " + number(lr) +
                                    (std::isnan(lr) ? "nan" : "") + " at step " + std::to_string(step + 1));
    }
}

// After an epoch: weights and validation loss must be finite too (a step
// can overflow the weights while the loss that preceded it was finite).
template <class S>
void Trainer<S>::check_finite(const EpochRecord& r) {
  const std::vector<ParamView<S>> views = params();
  for (std::size_t i = 0; i < views.size(); ++i)
    for (const S& v : views[i].value->data)
      if (!std::isfinite(v))
        throw NonFiniteLoss("after step " + std::to_string(step_) + " (epoch " + std::to_string(r.epoch) + "): parameter %" +
                            runner_.param_names()[i] + " holds a non-finite value");
  if (validation_.rows > 0 && !std::isfinite(r.val_loss))
    throw NonFiniteLoss("after step " + std::to_string(step_) + " (epoch " + std::to_string(r.epoch) + "): the validation loss is " +
                        (std::isnan(r.val_loss) ? std::string("nan") : number(r.val_loss)));
}

template <class S>
EpochRecord Trainer<S>::train_epoch(std::int64_t epoch) {
  const std::int64_t batches = loader_.batches_per_epoch();
  if (progress_) progress_->start_epoch(epoch, total_epochs_, batches);
  double loss_sum = 0;
  std::int64_t rows = 0, correct = 0;
  EpochRecord r;
  for (std::int64_t b = 0; b < batches && step_ < total_steps_; ++b) {
    loader_.fill(epoch - 1, b, batch_);
    apply_schedule(schedule_, step_, base_lrs_, optimizer_.groups());
    r.lr = optimizer_.groups().front().options.lr;
    runner_.zero_grad();
    const S loss = runner_.forward(batch_, true);
    if (!std::isfinite(loss)) {
      const std::string node = runner_.first_nonfinite();
      std::string where = node.empty() ? "no node value is non-finite" : "first non-finite value: %" + node;
      for (const spec::Node& n : runner_.graph(batch_.rows).nodes)
        if (n.name == node) where += " = " + n.op + "(...)";
      throw NonFiniteLoss("step " + std::to_string(step_ + 1) + " (epoch " + std::to_string(epoch) + ", batch " + std::to_string(b + 1) +
                          "): the loss is " + number(static_cast<double>(loss)) + (std::isnan(loss) ? "nan" : "") + "; " + where);
    }
    runner_.backward();
    const std::vector<ParamView<S>> views = runner_.params();
    optimizer_.step(views);
    ++step_;
    loss_sum += static_cast<double>(loss) * static_cast<double>(batch_.rows);
    rows += batch_.rows;
    if (train_.is_classification()) correct += count_correct(runner_.prediction(), batch_.y);
    if (progress_) progress_->update(b + 1, static_cast<double>(loss));
  }
  r.epoch = epoch;
  r.step = step_;
  r.train_loss = loss_sum / static_cast<double>(rows);
  if (train_.is_classification()) r.train_accuracy = static_cast<double>(correct) / static_cast<double>(rows);
  if (validation_.rows > 0) std::tie(r.val_loss, r.val_accuracy) = evaluate(validation_);
  return r;
}

template <class S>
std::pair<double, double> Trainer<S>::evaluate(const Dataset& d) {
  const DataLoader loader(d, LoaderOptions{.batch_size = options_.batch_size, .shuffle = false, .drop_last = false, .seed = 0});
  double loss_sum = 0;
  std::int64_t correct = 0;
  Batch<S> batch;
  for (std::int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
    loader.fill(0, b, batch);
    loss_sum += static_cast<double>(runner_.forward(batch, false)) * static_cast<double>(batch.rows);
    if (d.is_classification()) correct += count_correct(runner_.prediction(), batch.y);
  }
  const auto n = static_cast<double>(d.rows);
  return {loss_sum / n, d.is_classification() ? static_cast<double>(correct) / n : kNoValue};
}

template <class S>
void Trainer<S>::after_epoch(const EpochRecord& r) {
  history_.push_back(r);
  epoch_ = r.epoch;
  const double watched = validation_.rows > 0 ? r.val_loss : r.train_loss;
  const bool better = watched < best_val_;
  if (better) best_val_ = watched, best_epoch_ = r.epoch, since_best_ = 0;
  else ++since_best_;
  if (!folder_) return;
  folder_->write("log.csv", to_csv(history_));
  folder_->write("log.jsonl", to_jsonl(history_));
  folder_->write("curve.svg", to_svg(history_, train_.is_classification()));
  const rt::Checkpoint c = checkpoint();
  // best first: last is the commit point a resumed run starts from, so a
  // kill between the two saves leaves a best that last already accounts for.
  if (better) rt::save_checkpoint(folder_->checkpoint("best"), c);
  rt::save_checkpoint(folder_->checkpoint("last"), c);
}

template <class S>
TrainSummary Trainer<S>::run() {
  const auto t0 = std::chrono::steady_clock::now();
  TrainSummary s;
  std::int64_t this_run = 0;
  while (step_ < total_steps_) {
    if (options_.patience > 0 && since_best_ >= options_.patience) {
      s.early_stopped = true;
      break;
    }
    if (options_.stop_after > 0 && this_run == options_.stop_after) {
      s.interrupted = true;
      break;
    }
    const EpochRecord r = train_epoch(epoch_ + 1);
    if (progress_) progress_->end_epoch(validation_summary(r));
    check_finite(r);
    after_epoch(r);
    ++this_run;
  }
  s.history = history_;
  s.best_epoch = best_epoch_;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

template <class S>
rt::Checkpoint Trainer<S>::checkpoint() const {
  rt::Checkpoint c;
  nlohmann::json history = nlohmann::json::array();
  for (const EpochRecord& r : history_) history.push_back(to_json(r));
  c.meta = {{"format", "veritape-train"},    {"epoch", epoch_},       {"step", step_},
            {"best_loss", json_number(best_val_)}, {"best_epoch", best_epoch_}, {"since_best", since_best_},
            {"history", history},            {"config", extra_meta_}};
  auto& self = const_cast<Trainer&>(*this);  // params() hands out mutable views; nothing is changed here
  const std::vector<ParamView<S>> views = self.params();
  for (std::size_t i = 0; i < views.size(); ++i) c.put("param/" + runner_.param_names()[i], *views[i].value);
  optimizer_.save_state(c, "optim/");
  return c;
}

template <class S>
void Trainer<S>::restore(const rt::Checkpoint& c) {
  if (c.meta.value("format", "") != "veritape-train") throw rt::CheckpointError("not a training checkpoint (meta.format is not veritape-train)");
  const std::vector<ParamView<S>> views = params();
  std::vector<spec::Dense<S>> values;
  for (std::size_t i = 0; i < views.size(); ++i) {
    const std::string name = "param/" + runner_.param_names()[i];
    values.push_back(c.get<S>(name));
    if (values.back().shape != views[i].value->shape)
      throw rt::CheckpointError("tensor '" + name + "' has shape " + spec::to_string(values.back().shape) + ", the model needs " +
                            spec::to_string(views[i].value->shape));
  }
  std::vector<EpochRecord> history;
  std::int64_t epoch = 0, step = 0, best_epoch = 0, since_best = 0;
  double best = 0;
  try {
    for (const auto& j : c.meta.at("history")) history.push_back(record_from_json(j));
    epoch = c.meta.at("epoch").get<std::int64_t>();
    step = c.meta.at("step").get<std::int64_t>();
    best_epoch = c.meta.at("best_epoch").get<std::int64_t>();
    since_best = c.meta.at("since_best").get<std::int64_t>();
    best = from_json_number(c.meta.at("best_loss"), std::numeric_limits<double>::infinity());
  } catch (const nlohmann::json::exception& e) {
    throw rt::CheckpointError(std::string("the training state in the checkpoint's metadata is incomplete: ") + e.what());
  }
  optimizer_.load_state(c, "optim/");  // checks everything before it changes anything
  for (std::size_t i = 0; i < views.size(); ++i) views[i].value->data = std::move(values[i].data);
  history_ = std::move(history);
  epoch_ = epoch, step_ = step, best_epoch_ = best_epoch, since_best_ = since_best, best_val_ = best;
}

template class Trainer<float>;
template class Trainer<double>;

}  // namespace vt::train
