#pragma once
// In-memory datasets for the training helpers: the Dataset struct, its
// validation, row subsets, seeded train/validation splits and per-feature
// standardization.
//
// A Dataset holds doubles, row-major. It is either
//   - classification: classes > 0, one label in [0, classes) per row;
//   - regression:     targets > 0, `targets` doubles per row in y;
//   - unlabeled:      classes == 0 and targets == 0 (x only).
// Labels are limited to [0, 2^24) (kMaxClasses) so that a batch can hold them
// exactly in float.
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace vt::train {

// Bad data. Messages name where: "FILE:LINE:COL: what" (1-based) for text
// files, "FILE: array 'x' ..." for NPZ files, and "dataset 'NAME': ... row R,
// column C ..." (1-based) with the offending value for in-memory data.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Upper bound on `classes`: every label is then an integer below 2^24, held
// exactly by float.
inline constexpr std::int64_t kMaxClasses = std::int64_t{1} << 24;

struct Dataset {
  std::string name;
  std::int64_t rows = 0, features = 0;
  std::vector<double> x;                 // rows * features, row-major
  std::int64_t classes = 0;              // > 0: classification, labels in [0, classes)
  std::vector<std::int64_t> labels;      // rows entries (classification)
  std::int64_t targets = 0;              // > 0: regression with `targets` outputs per row
  std::vector<double> y;                 // rows * targets (regression)
  std::vector<std::string> class_names;  // optional: empty or `classes` names

  bool is_classification() const { return classes > 0; }
  bool is_regression() const { return targets > 0; }

  // Throws DataError unless: rows, features, classes, targets >= 0; not both
  // classes and targets > 0; classes <= kMaxClasses; x has rows*features
  // values; labels has rows entries (classification) or is empty; y has
  // rows*targets values (regression) or is empty; class_names is empty or has
  // `classes` names; every x and y value is finite; every label is in
  // [0, classes). Messages name the row and column (1-based) and the value.
  void validate() const;
};

// The rows at the given indices, in that order (repeats allowed); name and
// class_names are kept. std::out_of_range naming the index for one outside
// [0, d.rows).
Dataset subset(const Dataset& d, std::span<const std::int64_t> rows);

// Seeded split. The rows are permuted by Rng(seed, rng_streams::split).shuffle of 0..rows-1; the
// first n_val = round(val_fraction * rows) rows of that permutation go to
// validation, the rest to train, both in permutation order. n_val is at least
// 1 when val_fraction > 0 and rows >= 2, and at most rows - 1 when rows >= 1
// (train is never emptied). Deterministic and portable (Rng only).
// std::invalid_argument when val_fraction is outside [0, 1) or not finite.
struct Split {
  Dataset train, validation;
};
Split split(const Dataset& d, double val_fraction, std::uint64_t seed);

// Per-feature standardization x' = (x - mean) / scale, fitted on one set
// (train) and applied to others. mean is the arithmetic mean and scale the
// population standard deviation (ddof = 0, as scikit-learn's StandardScaler).
// A constant feature (every value equal) gets mean = that value exactly and
// scale = 1, so it maps to exactly 0. Only x is transformed; regression
// targets are left alone.
struct Standardizer {
  std::vector<double> mean, scale;

  // std::invalid_argument for a dataset with no rows.
  static Standardizer fit(const Dataset& d);
  // std::invalid_argument when d.features differs from mean.size().
  void apply(Dataset& d) const;
};

}  // namespace vt::train
