// `veritape train`: trains a model on bundled, file or synthetic data with
// any backend, writes a run folder (config, graph, logs, plot, checkpoints,
// final weights) and optionally audits one batch against the exact reference.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "json_file.hpp"
#include "train_setup.hpp"
#include "vt/contracts/runtime_contracts.hpp"
#include "vt/reference/audit.hpp"
#include "vt/runtime/io/atomic_file.hpp"
#include "vt/runtime/blas.hpp"
#include "vt/train/model.hpp"
#include "vt/train/optim_settings.hpp"
#include "vt/runtime/io/npz.hpp"
#include "vt/train/trainer.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::cli {
namespace {

constexpr int kFailed = 1, kBadInput = 2;

// The optimizer's defaults with the given settings, checked as torch.optim's
// constructor checks them; a setting the optimizer does not take is an error.
train::OptimOptions optim_options(const nlohmann::json& settings, train::OptimKind kind) {
  try {
    return train::optim_options_from_json(kind, settings, "--optimizer " + std::string(train::to_string(kind)));
  } catch (const std::invalid_argument& e) {
    throw FlagError(e.what());
  }
}

// --lr, --betas, --lr-decay, ...: torch.optim's names, dashed.
std::string setting_flag(std::string_view name) {
  std::string flag = "--" + std::string(name);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

// The model's output count must cover every label (or equal the targets).
train::ModelSpec model_for(const TrainFlags& f, const train::Dataset& train, const train::Dataset& val) {
  const std::int64_t outputs = train.is_classification() ? train.classes : train.targets;
  // A bare kind takes its default layers: mlp:64-64-<outputs>, cnn:16-32-<outputs>.
  const std::string text = f.model.empty() || f.model == "mlp" ? "mlp:64-64-" + std::to_string(outputs)
                           : f.model == "cnn"                  ? "cnn:16-32-" + std::to_string(outputs)
                                                               : f.model;
  train::ModelSpec m = train::ModelSpec::parse(text);
  if (!train.is_classification()) {
    if (m.outputs() != outputs)
      throw FlagError("--model " + m.text() + " has " + std::to_string(m.outputs()) + " outputs, the data has " + std::to_string(outputs) + " targets");
    return m;
  }
  for (const train::Dataset* d : {&train, &val})
    for (std::int64_t r = 0; r < d->rows; ++r)
      if (d->labels[static_cast<std::size_t>(r)] >= m.outputs())
        throw FlagError(fmt::format("label {} ({} row {}) is out of range for --model {} with {} outputs", d->labels[static_cast<std::size_t>(r)],
                                    d == &train ? "training" : "validation", r + 1, m.text(), m.outputs()));
  return m;
}

template <class S>
void write_weights(const std::filesystem::path& path, train::ModelRunner<S>& runner) {
  rt::NpzEntries entries;
  const auto views = runner.params();
  for (std::size_t i = 0; i < views.size(); ++i) {
    rt::NpyArray a;
    a.dtype = sizeof(S) == 4 ? rt::NpyDType::f32 : rt::NpyDType::f64;
    a.shape = views[i].value->shape.dims();
    a.values.assign(views[i].value->data.begin(), views[i].value->data.end());
    entries.emplace_back(runner.param_names()[i], std::move(a));
  }
  rt::write_npz(path.string(), entries);
}

// One batch of `rows` through forward and backward on the training backend,
// then every node value and parameter gradient against the exact reference.
template <class S>
ref::AuditReport audit_batch(train::ModelRunner<S>& runner, const train::Dataset& d, std::int64_t rows, const std::string& producer) {
  std::vector<std::int64_t> take(static_cast<std::size_t>(std::min(rows, d.rows)));
  for (std::size_t i = 0; i < take.size(); ++i) take[i] = static_cast<std::int64_t>(i);
  const train::Dataset part = train::subset(d, take);
  const train::DataLoader loader(part, {.batch_size = part.rows, .shuffle = false, .drop_last = false, .seed = 0});
  const train::Batch<S> batch = loader.batch<S>(0, 0);
  runner.zero_grad();
  runner.forward(batch, true);
  ref::AuditData data;
  data.values = runner.values();
  const spec::GraphData& g = runner.graph(batch.rows);
  for (const spec::Arg& a : g.args) data.args[a.name] = data.values.at(a.name), data.values.erase(a.name);
  runner.backward();
  const auto views = runner.params();
  for (std::size_t i = 0; i < views.size(); ++i)
    if (views[i].grad) data.grads[runner.param_names()[i]] = {views[i].grad->data.begin(), views[i].grad->data.end()};
  data.producer = producer;
  runner.zero_grad();
  ref::AuditReport report = ref::audit(g, data);
  // Each node's backward kernel on its own float inputs, output and
  // cotangent (the compiled program with FastKernels on the same batch and
  // weights: every backend computes the same bits, as the tests check).
  for (ref::NodeAudit& n : contracts::audit_backward_kernels(g, data.args, true)) {
    if (report.first_violation.empty() && n.verdict != ref::NodeVerdict::Met) report.first_violation = n.node;
    report.nodes.push_back(std::move(n));
  }
  return report;
}

std::string audit_summary(const ref::AuditReport& r) {
  const ref::NodeAudit* worst = nullptr;
  int met = 0, audited = 0;
  for (const auto& n : r.nodes) {
    met += n.verdict == ref::NodeVerdict::Met;
    audited += n.verdict != ref::NodeVerdict::NotAudited;
    if (!worst || n.local.max_ulp > worst->local.max_ulp) worst = &n;
  }
  int grads_ok = 0;
  double worst_grad = 0;
  for (const auto& g : r.gradients) grads_ok += g.verdict == ref::NodeVerdict::Met, worst_grad = std::max(worst_grad, g.normwise);
  std::string s = "gradient audit (one batch vs the exact reference):\n";
  s += fmt::format("  worst node          {} ({}), max local error {:.3g} ulp (contract {})\n", worst ? worst->node : "-",
                   worst ? worst->op : "-", worst ? worst->local.max_ulp : 0.0, worst ? worst->contract : "-");
  s += fmt::format("  contracts met       {} of {} nodes (forward values and backward kernels)\n", met, audited);
  s += fmt::format("  parameter gradients {} of {} within tolerance {:.3g} (worst normwise error {:.3g})\n", grads_ok, r.gradients.size(),
                   r.gradient_tolerance, worst_grad);
  s += "  first violation     " + (r.first_violation.empty() ? std::string("none") : r.first_violation) + "\n";
  return s;
}

// A resumed run must be the run its checkpoint belongs to: config.json and
// the checkpoint's own copy agree on everything but the length of the run.
void check_same_run(nlohmann::json saved, nlohmann::json now, const std::filesystem::path& where) {
  for (const char* key : {"epochs", "steps", "threads"}) saved.erase(key), now.erase(key);
  if (saved == now) return;
  for (const auto& [key, value] : now.items())
    if (!saved.contains(key) || saved[key] != value)
      throw FlagError(where.string() + ": the checkpoint was written with " + key + " = " + (saved.contains(key) ? saved[key].dump() : "nothing") +
                      ", config.json says " + value.dump() + ": not the same run");
  throw FlagError(where.string() + ": the checkpoint's configuration differs from config.json: not the same run");
}

// Files a run writes: removed by --overwrite before the new run writes its own.
// The first two are written at the start, the rest as training goes on.
constexpr const char* kStartFiles[] = {"config.json", "model.vtg"};
constexpr const char* kProgressFiles[] = {"log.csv", "log.jsonl", "curve.svg", "weights.npz", "summary.json", "audit.txt"};
constexpr const char* kCheckpoints[] = {"last.vtck", "best.vtck"};
void clear_run_files(const std::filesystem::path& folder) {
  std::error_code ec;
  for (const char* name : kStartFiles) std::filesystem::remove(folder / name, ec);
  for (const char* name : kProgressFiles) std::filesystem::remove(folder / name, ec);
  for (const char* name : kCheckpoints) std::filesystem::remove(folder / "checkpoints" / name, ec);
}

// A resume without checkpoints/last.vtck starts over only when the run had
// written nothing a fresh start would overwrite (it stopped before its first
// epoch ended). A deleted or dangling last.vtck beside logs, weights or
// best.vtck is refused: starting over would replace them.
void require_nothing_to_lose(const std::filesystem::path& folder) {
  std::error_code ec;
  const std::filesystem::path last = folder / "checkpoints" / "last.vtck";
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(last, ec)))
    throw FlagError(last.string() + " is a link to a missing file: restore the checkpoint, or start over with --overwrite and no --resume");
  std::vector<std::string> kept;
  for (const char* name : kProgressFiles)
    if (std::filesystem::exists(folder / name, ec)) kept.push_back(name);
  if (std::filesystem::exists(folder / "checkpoints" / "best.vtck", ec)) kept.push_back("checkpoints/best.vtck");
  if (kept.empty()) return;
  std::string list;
  for (const auto& k : kept) list += (list.empty() ? "" : ", ") + k;
  throw FlagError(last.string() + " is missing, but the run has " + list +
                  ": resuming would start over and replace them. Restore last.vtck, or start over with --overwrite and no --resume");
}

template <class S>
int train_and_report(const TrainFlags& f, const PreparedData& d, const std::filesystem::path& folder_path) {
  const train::ModelSpec model = model_for(f, d.train, d.validation);
  const spec::DType dtype = sizeof(S) == 4 ? spec::DType::f32 : spec::DType::f64;
  const train::ModelShape base{.batch = f.batch, .features = d.train.features, .classes = d.train.is_classification() ? model.outputs() : 0, .dtype = dtype};
  const auto graph_for = [model, base](std::int64_t rows) {
    train::ModelShape s = base;
    s.batch = rows;
    return train::build_model(model, s);
  };
  const auto kind = train::parse_optim_kind(f.optimizer);
  if (!kind) throw FlagError("--optimizer '" + f.optimizer + "': expected sgd, adagrad, rmsprop, adam, adamw or adadelta");
  const auto backend = train::parse_backend_kind(f.backend);
  if (!backend) throw FlagError("--backend '" + f.backend + "': expected compiled, eager or linked");

  train::Rng init_rng(f.seed, train::rng_streams::init);
  auto runner = train::make_runner<S>(*backend, graph_for, train::init_params<S>(graph_for(1), init_rng));
  train::TrainOptions opts{.epochs = f.epochs,
                        .steps = f.steps,
                        .batch_size = f.batch,
                        .drop_last = false,
                        .seed = f.seed,
                        .optimizer = *kind,
                        .optim = optim_options(f.optim, *kind),
                        .schedule = f.schedule,
                        .patience = f.patience,
                        .stop_after = f.stop_after};
  train::Trainer<S> trainer(*runner, d.train, d.validation, opts);
  nlohmann::json config = f.to_json();
  config["optim"] = train::optim_settings_json(*kind, opts.optim);  // every setting, defaults included
  config["model"] = model.text();
  config["features"] = d.train.features;
  trainer.set_checkpoint_meta(config);
  bool fresh_resume = false;
  if (!f.resume.empty()) {
    const std::filesystem::path last = folder_path / "checkpoints" / "last.vtck";
    if (std::filesystem::exists(last)) {
      const rt::Checkpoint c = rt::load_checkpoint(last);
      nlohmann::json saved = upgraded_run_config(c.meta.value("config", nlohmann::json::object()));
      // (a run written before every setting was recorded holds only those given: resolve them)
      if (saved.contains("optim")) saved["optim"] = train::optim_settings_json(*kind, optim_options(saved["optim"], *kind));
      check_same_run(std::move(saved), config, last);
      trainer.restore(c);
    } else {
      require_nothing_to_lose(folder_path);
      fresh_resume = true;  // stopped before its first checkpoint: start it again
    }
  }

  // Everything is checked: only now does the run folder get written.
  if (f.overwrite && f.resume.empty()) clear_run_files(folder_path);
  const train::RunFolder folder(folder_path);
  folder.write("config.json", config.dump(2) + "\n");
  folder.write("model.vtg", spec::print_vtg(graph_for(f.batch)));
  std::optional<train::Progress> progress;
  if (!f.quiet) progress.emplace(stderr, train::Progress::Options{.terminal = train::Progress::is_terminal(2)});
  trainer.set_progress(progress ? &*progress : nullptr);
  trainer.set_run_folder(&folder);

  fmt::print("veritape train: {} ({} train / {} held-out rows, {} features{}), model {}, {} backend, {}, {} of batch {}, seed {}\n",
             d.source, d.train.rows, d.validation.rows, d.train.features,
             d.train.is_classification() ? fmt::format(", {} classes", d.train.classes) : std::string(), model.text(), f.backend,
             f.optimizer, f.steps > 0 ? fmt::format("{} steps", f.steps) : fmt::format("{} epochs", f.epochs), f.batch, f.seed);
  if (trainer.epochs_done() > 0) fmt::print("resuming after epoch {} (step {})\n", trainer.epochs_done(), trainer.steps_done());
  if (fresh_resume) fmt::print("no checkpoint in {} yet: starting the run from the beginning\n", folder_path.string());
  std::fflush(stdout);
  const train::TrainSummary s = trainer.run();
  write_weights(folder.root() / "weights.npz", *runner);

  const train::Dataset& held = d.validation.rows > 0 ? d.validation : d.train;
  const auto [loss, accuracy] = trainer.evaluate(held);
  nlohmann::json summary = {{"epochs_done", trainer.epochs_done()}, {"steps", trainer.steps_done()},      {"seconds", s.seconds},
                            {"early_stopped", s.early_stopped},     {"interrupted", s.interrupted},     {"best_epoch", s.best_epoch},
                            {"held_out_rows", held.rows},           {"held_out_loss", loss},            {"backend", runner->describe()}};
  if (d.train.is_classification()) summary["held_out_accuracy"] = accuracy;
  if (s.early_stopped) fmt::print("early stop: no better validation loss for {} epochs (best epoch {})\n", f.patience, s.best_epoch);
  if (s.interrupted) fmt::print("stopped after {} epochs as asked (--stop-after); continue with --resume {}\n", f.stop_after, folder.root().string());
  fmt::print("held-out {}loss {:.4f} on {} rows{}; {} steps in {:.2f} s ({})\n",
             d.train.is_classification() ? fmt::format("accuracy {:.4f}, ", accuracy) : std::string(), loss, held.rows,
             d.validation.rows > 0 ? "" : " (training set: no validation split)", trainer.steps_done(), s.seconds, runner->describe());
  int code = 0;
  if (f.audit) {
    const ref::AuditReport report = audit_batch(*runner, held, f.audit_rows, f.backend + " runtime");
    folder.write("audit.txt", ref::format_table(report));
    fmt::print("{}", audit_summary(report));
    summary["audit_all_met"] = report.all_met();
    if (!report.all_met()) code = kFailed;
  }
  folder.write("summary.json", summary.dump(2) + "\n");
  fmt::print("run folder {}: log.csv, log.jsonl, curve.svg, checkpoints/, weights.npz{}\n", folder.root().string(), f.audit ? ", audit.txt" : "");
  return code;
}

// Flags that define a run: with --resume they come from its config.json.
std::vector<std::string> run_flags() {
  std::vector<std::string> flags = {"--data",  "--label-column", "--header",   "--regression",   "--model",    "--backend", "--dtype",
                                    "--optimizer", "--config",   "--schedule", "--batch", "--seed", "--val-fraction", "--patience",
                                    "--out",   "--overwrite"};
  for (const train::OptimSetting& s : train::optim_settings()) flags.push_back(setting_flag(s.name));
  return flags;
}

int run_train(TrainFlags f, const char* argv0, const std::function<bool(const char*)>& given) {
  if (!f.resume.empty()) {
    for (const std::string& flag : run_flags())
      if (given(flag.c_str()))
        throw FlagError("--resume continues the run as its config.json defines it; " + flag +
                        " cannot be changed (only --epochs, --steps, --stop-after, --audit, --threads and --quiet may be given)");
    const std::filesystem::path cfg = std::filesystem::path(f.resume) / "config.json";
    if (!std::filesystem::is_regular_file(cfg)) throw FlagError("--resume " + f.resume + ": not a run folder (cannot read config.json)");
    nlohmann::json saved;
    try {
      saved = read_json_file(cfg.string());
    } catch (const std::runtime_error& e) {
      throw FlagError(std::string("--resume: ") + e.what());
    }
    const std::int64_t epochs = f.epochs, steps = f.steps;
    try {
      f.take_run_config(saved);
    } catch (const nlohmann::json::exception& e) {
      throw FlagError(cfg.string() + ": not a valid run configuration: " + e.what());
    } catch (const FlagError& e) {
      throw FlagError(cfg.string() + ": " + e.what());
    }
    // The run's length may be extended: a given --epochs or --steps wins.
    if (given("--epochs")) f.epochs = epochs, f.steps = 0;
    if (given("--steps")) f.steps = steps;
  }
  f.take_config_file(given("--optimizer"));
  if (f.dtype != "f32" && f.dtype != "f64") throw FlagError("--dtype must be f32 or f64, not '" + f.dtype + "'");
  rt::set_blas_threads(static_cast<int>(f.threads));
  const PreparedData d = prepare_data(f, bundled_data_dir(argv0));
  const std::filesystem::path folder = choose_run_folder(f, std::filesystem::path(f.data).stem().string());
  return f.dtype == "f32" ? train_and_report<float>(f, d, folder) : train_and_report<double>(f, d, folder);
}

}  // namespace

void add_train_command(CLI::App& app, int& result) {
  auto f = std::make_shared<TrainFlags>();
  auto* cmd = app.add_subcommand("train",
                                 "Train a model (default: an MLP on the bundled digits) and report held-out accuracy. Writes a run folder "
                                 "with config, graph, CSV/JSON-lines logs, an SVG curve, checkpoints and the final weights.\n"
                                 "Exit 0: trained (and audit passed); 1: the loss became non-finite or the audit failed; 2: bad input.");
  cmd->add_option("--data", f->data, "digits | iris | synthetic:<blobs|moons|spirals|regression>[:rows] | file.csv | file.npz")->capture_default_str();
  cmd->add_option("--label-column", f->label_column, "CSV: the label column, 0-based; negative counts from the end")->capture_default_str();
  cmd->add_option("--header", f->header, "CSV: auto | yes | no")->capture_default_str();
  cmd->add_flag("--regression", f->regression, "CSV/NPZ: the label column holds regression targets (mse_loss)");
  cmd->add_option("--model", f->model, "mlp | cnn | mlp:<width>-...-<outputs>[:relu|tanh|sigmoid] | cnn:<channels>-...-<outputs>[:act] (default mlp:64-64-<classes>; cnn means cnn:16-32-<classes>, on square single-channel images)");
  cmd->add_option("--backend", f->backend, "compiled | eager | linked")->capture_default_str();
  cmd->add_option("--dtype", f->dtype, "f32 | f64")->capture_default_str();
  cmd->add_option("--optimizer", f->optimizer, "sgd | adagrad | rmsprop | adam | adamw | adadelta (PyTorch's defaults)")->capture_default_str();
  // Every optimizer setting, named as in torch.optim; one the chosen optimizer
  // does not take is an error (optim_settings.hpp).
  for (const train::OptimSetting& s : train::optim_settings()) {
    std::string kinds;
    for (const train::OptimKind k : s.kinds) kinds += (kinds.empty() ? "" : ", ") + std::string(train::to_string(k));
    const std::string help = std::string(s.help) + " (" + kinds + ")";
    const std::string key(s.name);
    switch (s.type) {
      case train::OptimSetting::Type::number:
        cmd->add_option_function<double>(setting_flag(s.name), [f, key](double v) { f->optim[key] = v; }, help);
        break;
      case train::OptimSetting::Type::flag:
        cmd->add_flag_function(setting_flag(s.name), [f, key](std::int64_t n) { f->optim[key] = n > 0; }, help);  // (--amsgrad=false: -1)
        break;
      case train::OptimSetting::Type::pair:
        cmd->add_option_function<std::vector<double>>(setting_flag(s.name), [f, key](const std::vector<double>& v) { f->optim[key] = v; }, help)
            ->delimiter(',')
            ->expected(2)
            ->type_name("B1,B2");
        break;
    }
  }
  cmd->add_option("--config", f->config,
                  "a JSON object of optimizer settings under torch.optim's names, e.g. {\"optimizer\": \"adam\", \"betas\": [0.9, 0.99], "
                  "\"amsgrad\": true}; flags given as well win");
  cmd->add_option("--schedule", f->schedule,
                  "constant | step:S[:GAMMA] | exp:GAMMA | cosine[:T[:ETA_MIN]] | warmup:W[:START_FACTOR] | "
                  "warmup-cosine:W[:START_FACTOR[:ETA_MIN]] | cyclic:MAX_LR:UP[:MODE[:GAMMA]] | onecycle[:PCT[:cos|linear]]; "
                  "PyTorch's formulas, in optimizer steps (docs/training.md)")
      ->capture_default_str();
  cmd->add_option("--epochs", f->epochs, "epochs")->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  cmd->add_option("--steps", f->steps, "train this many optimizer steps instead of --epochs")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cmd->add_option("--batch", f->batch, "batch size")->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
  cmd->add_option("--seed", f->seed, "seed of the split, the initial weights and the batch order")
      ->capture_default_str()
      ->check(non_negative_integer());
  cmd->add_option("--val-fraction", f->val_fraction, "share of rows held out for validation")->capture_default_str();
  cmd->add_option("--patience", f->patience, "early stopping: epochs without a better validation loss (0: off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--stop-after", f->stop_after, "stop after this many epochs as if interrupted (resume with --resume)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", f->out, "run folder (default: runs/<data>-<n>, the first free one)");
  cmd->add_option("--resume", f->resume, "continue the run in this folder from its last checkpoint (--epochs may extend it)");
  cmd->add_flag("--overwrite", f->overwrite, "replace the run already in --out");
  cmd->add_flag("--audit", f->audit, "audit one held-out batch's values and gradients against the exact reference");
  cmd->add_option("--audit-rows", f->audit_rows, "rows in the audited batch")->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{4096}));
  cmd->add_option("--threads", f->threads, "OpenBLAS threads")->capture_default_str()->check(CLI::Range(1u, 256u));
  cmd->add_flag("--quiet", f->quiet, "no progress display");
  cmd->callback([f, cmd, &result] {
    try {
      result = run_train(*f, "veritape", [cmd](const char* flag) { return cmd->count(flag) > 0; });
    } catch (const train::NonFiniteLoss& e) {
      std::cerr << "veritape train: stopped: " << e.what() << "\n";
      result = kFailed;
    } catch (const std::exception& e) {
      std::cerr << "veritape train: " << e.what() << "\n";
      result = kBadInput;
    }
  });
}

}  // namespace vt::cli
