#include "vt/train/synthetic.hpp"

#include <charconv>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>

#include "vt/train/rng.hpp"

namespace vt::train {
namespace {

void check_rows(const char* fn, std::int64_t rows) {
  if (rows < 1 || rows > static_cast<std::int64_t>(UINT32_MAX))
    throw std::invalid_argument(std::string(fn) + ": rows must be in [1, 2^32), got " + std::to_string(rows));
}
void check_positive(const char* fn, const char* what, std::int64_t v, std::int64_t min = 1,
                    std::int64_t max = std::int64_t{1} << 24) {
  if (v < min || v > max)
    throw std::invalid_argument(std::string(fn) + ": " + what + " must be in [" + std::to_string(min) + ", " +
                                std::to_string(max) + "], got " + std::to_string(v));
}
void check_scale(const char* fn, const char* what, double v) {
  if (!(v >= 0.0) || !std::isfinite(v))
    throw std::invalid_argument(std::string(fn) + ": " + what + " must be finite and >= 0, got " +
                                std::to_string(v));
}

// scikit-learn's split of rows over classes: rows / classes each, the first
// rows % classes classes one more.
std::int64_t class_size(std::int64_t rows, std::int64_t classes, std::int64_t k) {
  return rows / classes + (k < rows % classes ? 1 : 0);
}

// Permutes the rows of d (x and labels/y) by rng.shuffle of 0..rows-1.
void shuffle_rows(Dataset& d, Rng& rng) {
  std::vector<std::int64_t> perm(static_cast<std::size_t>(d.rows));
  std::iota(perm.begin(), perm.end(), std::int64_t{0});
  rng.shuffle(perm);
  const auto f = static_cast<std::size_t>(d.features);
  std::vector<double> x(d.x.size());
  std::vector<std::int64_t> labels(d.labels.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    const auto r = static_cast<std::size_t>(perm[i]);
    for (std::size_t c = 0; c < f; ++c) x[i * f + c] = d.x[r * f + c];
    if (!labels.empty()) labels[i] = d.labels[r];
  }
  d.x = std::move(x);
  d.labels = std::move(labels);
}

Dataset classification(std::string name, std::int64_t rows, std::int64_t features, std::int64_t classes) {
  Dataset d;
  d.name = std::move(name);
  d.rows = rows;
  d.features = features;
  d.classes = classes;
  d.x.reserve(static_cast<std::size_t>(rows * features));
  d.labels.reserve(static_cast<std::size_t>(rows));
  return d;
}

}  // namespace

Dataset make_blobs(std::int64_t rows, std::int64_t classes, std::int64_t features, std::uint64_t seed,
                   double spread) {
  check_rows("make_blobs", rows);
  check_positive("make_blobs", "classes", classes);
  check_positive("make_blobs", "features", features);
  check_scale("make_blobs", "spread", spread);
  Rng rng(seed, rng_streams::synthetic);
  std::vector<double> centers(static_cast<std::size_t>(classes * features));
  for (double& c : centers) c = rng.uniform(-10.0, 10.0);
  Dataset d = classification("blobs", rows, features, classes);
  for (std::int64_t k = 0; k < classes; ++k)
    for (std::int64_t i = 0; i < class_size(rows, classes, k); ++i) {
      for (std::int64_t j = 0; j < features; ++j)
        d.x.push_back(centers[static_cast<std::size_t>(k * features + j)] + spread * rng.normal());
      d.labels.push_back(k);
    }
  shuffle_rows(d, rng);
  return d;
}

Dataset make_moons(std::int64_t rows, double noise, std::uint64_t seed) {
  check_rows("make_moons", rows);
  check_scale("make_moons", "noise", noise);
  Rng rng(seed, rng_streams::synthetic);
  const std::int64_t n_out = rows / 2, n_in = rows - n_out;
  Dataset d = classification("moons", rows, 2, 2);
  // numpy's linspace(0, pi, n): start + i * step, the last point exactly pi.
  auto angle = [](std::int64_t i, std::int64_t n) {
    if (n <= 1) return 0.0;
    if (i == n - 1) return std::numbers::pi;
    return static_cast<double>(i) * (std::numbers::pi / static_cast<double>(n - 1));
  };
  for (std::int64_t i = 0; i < n_out; ++i) {
    const double t = angle(i, n_out);
    d.x.push_back(std::cos(t));
    d.x.push_back(std::sin(t));
    d.labels.push_back(0);
  }
  for (std::int64_t i = 0; i < n_in; ++i) {
    const double t = angle(i, n_in);
    d.x.push_back(1.0 - std::cos(t));
    d.x.push_back(1.0 - std::sin(t) - 0.5);
    d.labels.push_back(1);
  }
  shuffle_rows(d, rng);
  for (double& v : d.x) v += noise * rng.normal();
  return d;
}

Dataset make_spirals(std::int64_t rows, std::int64_t classes, double noise, std::uint64_t seed) {
  check_rows("make_spirals", rows);
  check_positive("make_spirals", "classes", classes, 2);
  check_scale("make_spirals", "noise", noise);
  Rng rng(seed, rng_streams::synthetic);
  Dataset d = classification("spirals", rows, 2, classes);
  for (std::int64_t k = 0; k < classes; ++k) {
    const std::int64_t n = class_size(rows, classes, k);
    for (std::int64_t i = 0; i < n; ++i) {
      const double r = static_cast<double>(i + 1) / static_cast<double>(n);
      const double a = 2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(classes) +
                       3.0 * std::numbers::pi * r;
      const double x0 = r * std::cos(a) + noise * rng.normal();
      const double x1 = r * std::sin(a) + noise * rng.normal();
      d.x.push_back(x0);
      d.x.push_back(x1);
      d.labels.push_back(k);
    }
  }
  shuffle_rows(d, rng);
  return d;
}

Dataset make_regression(std::int64_t rows, std::int64_t features, double noise, std::uint64_t seed) {
  check_rows("make_regression", rows);
  check_positive("make_regression", "features", features);
  check_scale("make_regression", "noise", noise);
  Rng rng(seed, rng_streams::synthetic);
  std::vector<double> w(static_cast<std::size_t>(features));
  for (double& v : w) v = rng.normal();
  const double b = rng.uniform(-1.0, 1.0);
  Dataset d;
  d.name = "regression";
  d.rows = rows;
  d.features = features;
  d.targets = 1;
  d.x.reserve(static_cast<std::size_t>(rows * features));
  d.y.reserve(static_cast<std::size_t>(rows));
  for (std::int64_t i = 0; i < rows; ++i) {
    double dot = 0.0;
    for (std::int64_t j = 0; j < features; ++j) {
      const double v = rng.normal();
      d.x.push_back(v);
      dot += v * w[static_cast<std::size_t>(j)];
    }
    d.y.push_back(dot + b + noise * rng.normal());
  }
  return d;
}

Dataset make_synthetic(std::string_view spec, std::uint64_t seed) {
  const auto bad = [&spec]() {
    return std::invalid_argument("unknown synthetic data set '" + std::string(spec) +
                                 "': choose blobs, moons, spirals or regression, optionally followed by "
                                 "':ROWS' with ROWS a positive integer (e.g. spirals:600)");
  };
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  std::int64_t rows = -1;
  if (colon != std::string_view::npos) {
    const std::string_view r = spec.substr(colon + 1);
    const auto res = std::from_chars(r.data(), r.data() + r.size(), rows);
    if (r.empty() || res.ec != std::errc() || res.ptr != r.data() + r.size() || rows < 1 ||
        rows > static_cast<std::int64_t>(UINT32_MAX))
      throw bad();
  }
  auto or_default = [rows](std::int64_t def) { return rows > 0 ? rows : def; };
  if (name == "blobs") return make_blobs(or_default(600), 3, 2, seed, 1.0);
  if (name == "moons") return make_moons(or_default(400), 0.1, seed);
  if (name == "spirals") return make_spirals(or_default(600), 3, 0.05, seed);
  if (name == "regression") return make_regression(or_default(400), 8, 0.1, seed);
  throw bad();
}

}  // namespace vt::train
