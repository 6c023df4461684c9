#pragma once
// Datasets from files: CSV text, the bundled digits and iris sets, and NPZ
// archives.
//
// CSV errors are DataError "FILE:LINE:COL: what", LINE being the 1-based line
// of the file and COL the 1-based column (field) of the row, e.g.
//   "data.csv:7:3: cannot parse 'abc' as a number".
// Reading: one row per line; "\r\n" line ends are fine; blank lines are
// skipped (line numbers still count them); spaces and tabs around a field are
// ignored; no quoting. Numbers are read with std::from_chars (a leading '+' is
// allowed); NaN and infinities are rejected.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "vt/train/dataset.hpp"

namespace vt::train {

struct CsvOptions {
  std::optional<bool> header;     // nullopt: auto-detect (the first line has a non-empty, non-numeric field)
  std::int64_t label_column = -1;  // 0-based; negative counts from the end (-1 = last)
  bool regression = false;         // label column holds float targets instead of class indices
  char delimiter = ',';
};

// Classification: labels must be integers (written "2" or "2.0") in
// [0, kMaxClasses); classes = largest label + 1. Regression: targets = 1.
// The dataset is named after the file's stem. DataError for a missing or
// unreadable file ("FILE: cannot open: ..."), and "FILE:LINE:COL: ..." for
// non-numeric or empty cells, ragged rows, bad labels, NaN/inf, a label
// column out of range, no feature column, and a file without data rows.
Dataset load_csv(const std::filesystem::path& path, const CsvOptions& opts = {});

// load_csv on text in memory; `name` stands for the file in messages, and its
// stem names the dataset.
Dataset parse_csv(std::string_view text, std::string_view name, const CsvOptions& opts = {});

// data_dir/digits.csv.gz (gzip, no header, 64 pixel columns then the class):
// 1797x64, 10 classes named "0".."9". DataError if it is missing, corrupt, or
// not 64 features with labels in 0..9.
Dataset load_digits(const std::filesystem::path& data_dir);

// data_dir/iris.csv: first line "ROWS,FEATURES,NAME..." (150,4,setosa,
// versicolor,virginica), then "f0,..,f3,class" rows: 150x4, 3 named classes.
// DataError if the header is malformed or the rows disagree with it.
Dataset load_iris(const std::filesystem::path& data_dir);

// NPZ datasets. Arrays:
//   "x"        float32/float64, 2-D (rows, features), rows >= 1, finite;
//   "y"        int64 1-D (rows,) class labels in [0, kMaxClasses) -> classification;
//              float32/float64 1-D (rows,) -> regression with 1 target,
//              or 2-D (rows, targets) -> regression with `targets` targets;
//              absent -> unlabeled;
//   "classes"  optional int64 scalar (or 1-element) class count, > max label;
//              without it classes = max label + 1.
// Other arrays are ignored. Errors are DataError naming the file, the array and
// the dtype/shape problem, e.g. "d.npz: array 'x' has dtype int64; expected
// float32 or float64"; archive-level problems keep NpyError's text.
Dataset load_npz_dataset(const std::filesystem::path& path);

// The inverse: x as float64 (rows, features); classification: y int64 (rows,)
// and "classes" int64 scalar; regression: y float64, (rows,) for one target,
// else (rows, targets); unlabeled: x only. class_names are not stored.
// Validates first (DataError); the write is atomic (NpyError on I/O failure).
void save_npz_dataset(const std::filesystem::path& path, const Dataset& d);

}  // namespace vt::train
