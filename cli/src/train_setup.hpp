#pragma once
// What `veritape train` needs before it trains: its flags, the data they
// name (loaded, validated, split and standardized), and the run folder
// choice. Everything here throws UsageError-like exceptions with messages
// that name the flag, file or row; nothing here writes a file.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "vt/train/data_files.hpp"
#include "vt/train/dataset.hpp"

namespace vt::cli {

// Bad flag values or combinations (exit 2).
class FlagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TrainFlags {
  std::string data = "digits";  // digits | iris | synthetic:<kind>[:rows] | path.csv | path.npz
  std::int64_t label_column = -1;
  std::string header = "auto";  // auto | yes | no (CSV)
  bool regression = false;      // CSV/NPZ label column holds targets
  std::string model;            // default: mlp:64-64-<outputs>
  std::string backend = "compiled";
  std::string dtype = "f32";
  std::string optimizer = "adam";
  // Optimizer settings given, by torch.optim's names (train/optim_settings.hpp):
  // from flags (--lr, --betas, ...), --config FILE.json, or a resumed run.
  nlohmann::json optim = nlohmann::json::object();
  std::string config;  // --config FILE.json
  std::string schedule = "constant";
  std::int64_t epochs = 30;
  std::int64_t steps = 0;  // > 0: optimizer steps instead of epochs
  std::int64_t batch = 32;
  std::uint64_t seed = 0;
  double val_fraction = 0.2;
  std::int64_t patience = 0;
  std::int64_t stop_after = 0;
  std::string out;     // default: runs/<data>-<n>, the first that does not exist
  std::string resume;  // a run folder to continue
  bool overwrite = false;
  bool audit = false;
  std::int64_t audit_rows = 16;
  unsigned threads = 1;
  bool quiet = false;
  std::int64_t run_features = 0;  // from a resumed run's config: the model's input width

  nlohmann::json to_json() const;
  // Fills the run-defining fields from a run folder's config.json.
  void take_run_config(const nlohmann::json& j);
  // Reads --config: {"optimizer": ..., "<setting>": ...}; settings given as
  // flags win over the file's, and so does a given --optimizer.
  void take_config_file(bool optimizer_given);
};

// A run configuration as written before the optimizer settings had their own
// object (lr, momentum, weight_decay and nesterov at the top): moved into
// "optim", so that such runs resume and compare as they are now written.
nlohmann::json upgraded_run_config(nlohmann::json j);

struct PreparedData {
  train::Dataset train, validation;
  train::Standardizer standardizer;
  std::string source;  // what --data named, resolved
};

// Loads --data, validates it (finite values, labels in range) and splits it
// by --seed; the standardizer is fitted on the training split only.
PreparedData prepare_data(const TrainFlags& f, const std::filesystem::path& bundled_data_dir);

// Where the bundled data sets are: $VT_DATA_DIR, else <exe>/../share/veritape/data,
// else the source tree's data/ (when running from a build tree).
std::filesystem::path bundled_data_dir(const char* argv0);

// The run folder: --resume's, --out (refused when it already holds a run,
// unless --overwrite), or the first free runs/<data>-<n>.
std::filesystem::path choose_run_folder(const TrainFlags& f, const std::string& data_name);

}  // namespace vt::cli
