#include "vt/train/dataset.hpp"

#include <charconv>
#include <cmath>
#include <numeric>

#include "vt/train/rng.hpp"

namespace vt::train {
namespace {

std::string fmt(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string where(const Dataset& d) { return "dataset '" + d.name + "': "; }

[[noreturn]] void fail(const Dataset& d, const std::string& what) { throw DataError(where(d) + what); }

void check_count(const Dataset& d, const char* what, std::size_t have, std::int64_t want, const char* formula) {
  if (static_cast<std::int64_t>(have) != want)
    fail(d, std::string(what) + " has " + std::to_string(have) + " values, expected " + formula + " = " +
                std::to_string(want));
}

}  // namespace

void Dataset::validate() const {
  if (rows < 0) fail(*this, "rows is negative (" + std::to_string(rows) + ")");
  if (features < 0) fail(*this, "features is negative (" + std::to_string(features) + ")");
  if (classes < 0) fail(*this, "classes is negative (" + std::to_string(classes) + ")");
  if (targets < 0) fail(*this, "targets is negative (" + std::to_string(targets) + ")");
  if (classes > 0 && targets > 0)
    fail(*this, "both classes (" + std::to_string(classes) + ") and targets (" + std::to_string(targets) +
                    ") are set; a dataset is classification or regression, not both");
  if (classes > kMaxClasses)
    fail(*this, "classes = " + std::to_string(classes) + " exceeds the limit 2^24 (labels must be exact in float)");
  // Products below cannot overflow once each factor is below 2^31; larger
  // sizes cannot be held in memory anyway.
  if (rows > (std::int64_t{1} << 40) || features > (std::int64_t{1} << 24) || targets > (std::int64_t{1} << 24))
    fail(*this, "implausible size " + std::to_string(rows) + " rows x " + std::to_string(features) +
                    " features x " + std::to_string(targets) + " targets");
  check_count(*this, "x", x.size(), rows * features, "rows * features");
  if (classes > 0)
    check_count(*this, "labels", labels.size(), rows, "rows");
  else if (!labels.empty())
    fail(*this, "labels has " + std::to_string(labels.size()) + " entries but classes = 0");
  if (targets > 0)
    check_count(*this, "y", y.size(), rows * targets, "rows * targets");
  else if (!y.empty())
    fail(*this, "y has " + std::to_string(y.size()) + " values but targets = 0");
  if (!class_names.empty() && static_cast<std::int64_t>(class_names.size()) != classes)
    fail(*this, "class_names has " + std::to_string(class_names.size()) + " names for " + std::to_string(classes) +
                    " classes");
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < features; ++c) {
      const double v = x[static_cast<std::size_t>(r * features + c)];
      if (!std::isfinite(v))
        fail(*this, "x at row " + std::to_string(r + 1) + ", column " + std::to_string(c + 1) + " is " + fmt(v) +
                        " (not finite)");
    }
  for (std::int64_t r = 0; r < rows && classes > 0; ++r) {
    const std::int64_t l = labels[static_cast<std::size_t>(r)];
    if (l < 0 || l >= classes)
      fail(*this, "label at row " + std::to_string(r + 1) + " is " + std::to_string(l) + ", outside [0, " +
                      std::to_string(classes) + ")");
  }
  for (std::int64_t r = 0; r < rows && targets > 0; ++r)
    for (std::int64_t c = 0; c < targets; ++c) {
      const double v = y[static_cast<std::size_t>(r * targets + c)];
      if (!std::isfinite(v))
        fail(*this, "y at row " + std::to_string(r + 1) + ", column " + std::to_string(c + 1) + " is " + fmt(v) +
                        " (not finite)");
    }
}

Dataset subset(const Dataset& d, std::span<const std::int64_t> rows) {
  Dataset out;
  out.name = d.name;
  out.rows = static_cast<std::int64_t>(rows.size());
  out.features = d.features;
  out.classes = d.classes;
  out.targets = d.targets;
  out.class_names = d.class_names;
  const auto f = static_cast<std::size_t>(d.features);
  const auto t = static_cast<std::size_t>(d.targets);
  out.x.reserve(rows.size() * f);
  if (d.classes > 0) out.labels.reserve(rows.size());
  if (d.targets > 0) out.y.reserve(rows.size() * t);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::int64_t r = rows[i];
    if (r < 0 || r >= d.rows)
      throw std::out_of_range(where(d) + "subset: index " + std::to_string(r) + " (entry " + std::to_string(i) +
                              ") is outside [0, " + std::to_string(d.rows) + ")");
    const auto ur = static_cast<std::size_t>(r);
    out.x.insert(out.x.end(), d.x.begin() + static_cast<std::ptrdiff_t>(ur * f),
                 d.x.begin() + static_cast<std::ptrdiff_t>((ur + 1) * f));
    if (d.classes > 0) out.labels.push_back(d.labels[ur]);
    if (d.targets > 0)
      out.y.insert(out.y.end(), d.y.begin() + static_cast<std::ptrdiff_t>(ur * t),
                   d.y.begin() + static_cast<std::ptrdiff_t>((ur + 1) * t));
  }
  return out;
}

Split split(const Dataset& d, double val_fraction, std::uint64_t seed) {
  if (!(val_fraction >= 0.0 && val_fraction < 1.0))
    throw std::invalid_argument(where(d) + "split: val_fraction " + fmt(val_fraction) + " is outside [0, 1)");
  if (d.rows > static_cast<std::int64_t>(UINT32_MAX))
    throw std::invalid_argument(where(d) + "split: more than 2^32 - 1 rows");
  std::vector<std::int64_t> perm(static_cast<std::size_t>(d.rows));
  std::iota(perm.begin(), perm.end(), std::int64_t{0});
  Rng rng(seed, rng_streams::split);
  rng.shuffle(perm);
  auto n_val = static_cast<std::int64_t>(std::round(val_fraction * static_cast<double>(d.rows)));
  if (val_fraction > 0.0 && d.rows >= 2 && n_val < 1) n_val = 1;
  if (d.rows >= 1 && n_val > d.rows - 1) n_val = d.rows - 1;
  const std::span<const std::int64_t> all(perm);
  Split s;
  s.validation = subset(d, all.first(static_cast<std::size_t>(n_val)));
  s.train = subset(d, all.subspan(static_cast<std::size_t>(n_val)));
  return s;
}

Standardizer Standardizer::fit(const Dataset& d) {
  if (d.rows < 1) throw std::invalid_argument(where(d) + "Standardizer::fit: the dataset has no rows");
  if (static_cast<std::int64_t>(d.x.size()) != d.rows * d.features)
    throw std::invalid_argument(where(d) + "Standardizer::fit: x does not hold rows * features values");
  const auto f = static_cast<std::size_t>(d.features);
  const auto n = static_cast<std::size_t>(d.rows);
  Standardizer s;
  s.mean.assign(f, 0.0);
  s.scale.assign(f, 1.0);
  for (std::size_t c = 0; c < f; ++c) {
    const double first = d.x[c];
    bool constant = true;
    double sum = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      const double v = d.x[r * f + c];
      sum += v;
      constant = constant && v == first;
    }
    if (constant) {
      s.mean[c] = first;
      s.scale[c] = 1.0;
      continue;
    }
    const double mean = sum / static_cast<double>(n);
    double ss = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      const double e = d.x[r * f + c] - mean;
      ss += e * e;
    }
    const double sd = std::sqrt(ss / static_cast<double>(n));
    s.mean[c] = mean;
    s.scale[c] = sd > 0.0 ? sd : 1.0;  // all-but-equal values can underflow to 0
  }
  return s;
}

void Standardizer::apply(Dataset& d) const {
  const auto f = mean.size();
  if (scale.size() != f || static_cast<std::int64_t>(f) != d.features)
    throw std::invalid_argument(where(d) + "Standardizer::apply: fitted on " + std::to_string(f) +
                                " features, the dataset has " + std::to_string(d.features));
  if (f == 0) return;
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    const std::size_t c = i % f;
    d.x[i] = (d.x[i] - mean[c]) / scale[c];
  }
}

}  // namespace vt::train
