#include "train_setup.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <limits>

#include "json_file.hpp"
#include "vt/train/optim_settings.hpp"
#include "vt/train/synthetic.hpp"

#ifndef VT_SOURCE_DATA_DIR
#define VT_SOURCE_DATA_DIR "data"
#endif

namespace vt::cli {

nlohmann::json TrainFlags::to_json() const {
  return {{"data", data},         {"label_column", label_column}, {"header", header},
          {"regression", regression}, {"model", model},           {"backend", backend},
          {"dtype", dtype},       {"optimizer", optimizer},       {"optim", optim},
          {"schedule", schedule}, {"epochs", epochs},             {"steps", steps},             {"batch", batch},
          {"seed", seed},         {"val_fraction", val_fraction}, {"patience", patience},
          {"threads", threads}};
}

nlohmann::json upgraded_run_config(nlohmann::json j) {
  if (!j.is_object() || j.contains("optim")) return j;
  nlohmann::json optim = nlohmann::json::object();
  for (const char* key : {"lr", "momentum", "weight_decay"}) {
    if (j.contains(key) && !j[key].is_null()) optim[key] = j[key];
    j.erase(key);
  }
  if (j.value("nesterov", false)) optim["nesterov"] = true;
  j.erase("nesterov");
  // The old flags went to every optimizer, which ignored those it does not
  // take (--momentum with adam): drop them as that run did.
  if (const auto kind = j.contains("optimizer") && j["optimizer"].is_string() ? train::parse_optim_kind(j["optimizer"].get<std::string>()) : std::nullopt)
    for (auto it = optim.begin(); it != optim.end();) {
      const train::OptimSetting* s = train::find_optim_setting(it.key());
      it = s && train::takes_setting(*kind, *s) ? std::next(it) : optim.erase(it);
    }
  j["optim"] = std::move(optim);
  return j;
}

void TrainFlags::take_run_config(const nlohmann::json& config) {
  const nlohmann::json j = upgraded_run_config(config);
  data = j.at("data").get<std::string>();
  label_column = j.at("label_column").get<std::int64_t>();
  header = j.at("header").get<std::string>();
  regression = j.at("regression").get<bool>();
  model = j.at("model").get<std::string>();
  backend = j.at("backend").get<std::string>();
  dtype = j.at("dtype").get<std::string>();
  optimizer = j.at("optimizer").get<std::string>();
  optim = j.at("optim");
  schedule = j.at("schedule").get<std::string>();
  epochs = j.at("epochs").get<std::int64_t>();
  steps = j.value("steps", std::int64_t{0});
  batch = j.at("batch").get<std::int64_t>();
  seed = j.at("seed").get<std::uint64_t>();
  val_fraction = j.at("val_fraction").get<double>();
  patience = j.at("patience").get<std::int64_t>();
  run_features = j.value("features", std::int64_t{0});
  // A config.json edited by hand gets the flags' own ranges.
  const auto within = [](const char* key, std::int64_t v, std::int64_t lo, std::int64_t hi, const char* flag) {
    if (v < lo || v > hi)
      throw FlagError(std::string(key) + " = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) +
                      "], the range of " + flag);
  };
  within("epochs", epochs, 1, 1000000, "--epochs");
  if (steps != 0) within("steps", steps, 1, std::int64_t{1} << 40, "--steps");
  within("batch", batch, 1, std::int64_t{1} << 24, "--batch");
  within("patience", patience, 0, std::numeric_limits<std::int64_t>::max(), "--patience");
  if (!(val_fraction >= 0 && val_fraction < 1))
    throw FlagError("val_fraction = " + std::to_string(val_fraction) + " is outside [0, 1), the range of --val-fraction");
}

void TrainFlags::take_config_file(bool optimizer_given) {
  if (config.empty()) return;
  nlohmann::json j;
  try {
    j = read_json_file(config);
  } catch (const std::runtime_error& e) {
    throw FlagError(std::string("--config ") + e.what());
  }
  if (!j.is_object()) throw FlagError("--config " + config + ": expected a JSON object of optimizer settings, e.g. {\"optimizer\": \"adam\", \"betas\": [0.9, 0.99]}");
  if (j.contains("optimizer")) {
    if (!j["optimizer"].is_string()) throw FlagError("--config " + config + ": \"optimizer\" must be a string, not " + j["optimizer"].dump());
    if (!optimizer_given) optimizer = j["optimizer"].get<std::string>();
  }
  const auto kind = train::parse_optim_kind(optimizer);
  if (!kind) throw FlagError("--optimizer '" + optimizer + "': expected sgd, adagrad, rmsprop, adam, adamw or adadelta");
  for (const auto& [key, value] : j.items()) {
    if (key == "optimizer" || optim.contains(key)) continue;  // a flag given wins
    try {  // its name and type here, so that the message names the file; the ranges with the flags'
      train::OptimOptions scratch;
      train::set_optim_setting(*kind, scratch, key, value, "--config " + config + " (optimizer " + optimizer + ")");
    } catch (const std::invalid_argument& e) {
      throw FlagError(e.what());
    }
    optim[key] = value;
  }
}

namespace {

train::Dataset load(const TrainFlags& f, const std::filesystem::path& bundled) {
  if (f.data == "digits") return train::load_digits(bundled);
  if (f.data == "iris") return train::load_iris(bundled);
  if (f.data.starts_with("synthetic:")) return train::make_synthetic(std::string_view(f.data).substr(10), f.seed);
  const std::filesystem::path p = f.data;
  if (p.extension() == ".npz") return train::load_npz_dataset(p);
  if (p.extension() == ".csv" || p.extension() == ".txt") {
    train::CsvOptions o;
    if (f.header == "yes") o.header = true;
    else if (f.header == "no") o.header = false;
    else if (f.header != "auto") throw FlagError("--header must be auto, yes or no, not '" + f.header + "'");
    o.label_column = f.label_column;
    o.regression = f.regression;
    return train::load_csv(p, o);
  }
  throw FlagError("--data '" + f.data + "': expected digits, iris, synthetic:<blobs|moons|spirals|regression>[:rows], or a .csv or .npz file");
}

}  // namespace

PreparedData prepare_data(const TrainFlags& f, const std::filesystem::path& bundled) {
  if (!(f.val_fraction >= 0 && f.val_fraction < 1)) throw FlagError("--val-fraction must be in [0, 1)");
  PreparedData p;
  p.source = f.data;
  train::Dataset all = load(f, bundled);
  all.validate();
  if (all.features < 1) throw train::DataError(f.data + ": has no feature columns");
  if (!all.is_classification() && !all.is_regression())
    throw train::DataError(f.data + ": has no labels or targets (an NPZ needs an array 'y'; a CSV a label column)");
  if (all.rows < 2) throw train::DataError(f.data + ": needs at least 2 rows to train, has " + std::to_string(all.rows));
  if (f.run_features > 0 && all.features != f.run_features)
    throw train::DataError(f.data + ": has " + std::to_string(all.features) + " features, the model of the resumed run takes " +
                        std::to_string(f.run_features));
  train::Split s = train::split(all, f.val_fraction, f.seed);
  p.standardizer = train::Standardizer::fit(s.train);
  p.standardizer.apply(s.train);
  p.standardizer.apply(s.validation);
  p.train = std::move(s.train);
  p.validation = std::move(s.validation);
  return p;
}

std::filesystem::path bundled_data_dir(const char* argv0) {
  if (const char* env = std::getenv("VT_DATA_DIR")) return env;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "veritape" / "data";
    if (std::filesystem::exists(installed / "digits.csv.gz")) return installed;
  }
  (void)argv0;
  return VT_SOURCE_DATA_DIR;
}

std::filesystem::path choose_run_folder(const TrainFlags& f, const std::string& data_name) {
  if (!f.resume.empty()) {
    if (!std::filesystem::exists(std::filesystem::path(f.resume) / "config.json"))
      throw FlagError("--resume " + f.resume + ": not a run folder (no config.json)");
    return f.resume;
  }
  if (!f.out.empty()) {
    const std::filesystem::path out = f.out;
    if (std::filesystem::exists(out / "config.json") && !f.overwrite)
      throw FlagError("--out " + f.out + " already holds a run; pass --resume " + f.out + " to continue it, --overwrite to replace it, or another --out");
    if (std::filesystem::exists(out) && !std::filesystem::is_directory(out)) throw FlagError("--out " + f.out + " exists and is not a folder");
    return out;
  }
  std::string stem = data_name;
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  for (int n = 1;; ++n) {
    const std::filesystem::path p = std::filesystem::path("runs") / (stem + "-" + std::to_string(n));
    if (!std::filesystem::exists(p)) return p;
  }
}

}  // namespace vt::cli
