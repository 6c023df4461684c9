#include "vt/train/data_loader.hpp"

#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>

#include "vt/train/rng.hpp"

namespace vt::train {

struct DataLoader::Cache {
  std::mutex mu;
  std::int64_t epoch = -1;  // the epoch whose order `perm` holds; -1: none
  std::vector<std::int64_t> perm;
};

DataLoader::DataLoader(const Dataset& d, LoaderOptions o) : d_(&d), o_(o), cache_(std::make_shared<Cache>()) {
  const std::string who = "DataLoader(dataset '" + d.name + "'): ";
  if (o.batch_size < 1) throw std::invalid_argument(who + "batch_size must be >= 1, got " + std::to_string(o.batch_size));
  if (d.rows < 1) throw std::invalid_argument(who + "the dataset has no rows");
  if (d.rows > static_cast<std::int64_t>(UINT32_MAX))
    throw std::invalid_argument(who + "more than 2^32 - 1 rows");
  if (o.drop_last && d.rows < o.batch_size)
    throw std::invalid_argument(who + "drop_last with batch_size " + std::to_string(o.batch_size) + " > " +
                                std::to_string(d.rows) + " rows leaves no batch in an epoch");
  d.validate();
}

std::int64_t DataLoader::batches_per_epoch() const {
  const std::int64_t n = d_->rows, bs = o_.batch_size;
  return o_.drop_last ? n / bs : (n + bs - 1) / bs;
}

template <class F>
void DataLoader::with_batch(std::int64_t epoch, std::int64_t b, F&& f) const {
  if (epoch < 0) throw std::out_of_range("DataLoader: epoch " + std::to_string(epoch) + " is negative");
  const std::int64_t nb = batches_per_epoch();
  if (b < -1 || b >= nb)
    throw std::out_of_range("DataLoader: batch " + std::to_string(b) + " is outside [0, " + std::to_string(nb) + ")");
  const std::int64_t rows = d_->rows;
  std::lock_guard lock(cache_->mu);
  Cache& c = *cache_;
  const std::int64_t key = o_.shuffle ? epoch : 0;  // without shuffle every epoch has the same order
  if (c.epoch != key || static_cast<std::int64_t>(c.perm.size()) != rows) {
    c.perm.resize(static_cast<std::size_t>(rows));
    std::iota(c.perm.begin(), c.perm.end(), std::int64_t{0});
    if (o_.shuffle) {
      Rng rng(o_.seed, rng_streams::epoch(epoch));
      rng.shuffle(c.perm);
    }
    c.epoch = key;
  }
  if (b == -1) {  // the whole epoch
    f(c.perm.data(), rows);
    return;
  }
  const std::int64_t start = b * o_.batch_size;
  const std::int64_t n = std::min(o_.batch_size, rows - start);
  f(c.perm.data() + start, n);
}

std::vector<std::int64_t> DataLoader::epoch_order(std::int64_t epoch) const {
  std::vector<std::int64_t> out;
  with_batch(epoch, -1, [&out](const std::int64_t* r, std::int64_t n) { out.assign(r, r + n); });
  return out;
}

std::vector<std::int64_t> DataLoader::batch_rows(std::int64_t epoch, std::int64_t b) const {
  if (b < 0) throw std::out_of_range("DataLoader: batch " + std::to_string(b) + " is negative");
  std::vector<std::int64_t> out;
  with_batch(epoch, b, [&out](const std::int64_t* r, std::int64_t n) { out.assign(r, r + n); });
  return out;
}

namespace {

// Sets a Dense's shape in place (no allocation when the rank is unchanged) and
// its element count.
template <class S>
void reshape(spec::Dense<S>& t, std::initializer_list<std::int64_t> dims, std::int64_t numel) {
  auto& v = t.shape.dims();
  if (v.size() == dims.size())
    std::copy(dims.begin(), dims.end(), v.begin());
  else
    v.assign(dims.begin(), dims.end());
  t.data.resize(static_cast<std::size_t>(numel));
}

}  // namespace

template <class S>
void DataLoader::fill(std::int64_t epoch, std::int64_t b, Batch<S>& out) const {
  if (b < 0) throw std::out_of_range("DataLoader: batch " + std::to_string(b) + " is negative");
  const Dataset& d = *d_;
  with_batch(epoch, b, [&](const std::int64_t* rows, std::int64_t n) {
    const std::int64_t f = d.features;
    reshape(out.x, {n, f}, n * f);
    if (d.classes > 0)
      reshape(out.y, {n}, n);
    else
      reshape(out.y, {n, d.targets}, n * d.targets);
    out.rows = n;
    const auto uf = static_cast<std::size_t>(f);
    const auto ut = static_cast<std::size_t>(d.targets);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      const auto r = static_cast<std::size_t>(rows[i]);
      for (std::size_t c = 0; c < uf; ++c) out.x.data[i * uf + c] = static_cast<S>(d.x[r * uf + c]);
      if (d.classes > 0)
        out.y.data[i] = static_cast<S>(d.labels[r]);  // exact: labels < 2^24
      else
        for (std::size_t c = 0; c < ut; ++c) out.y.data[i * ut + c] = static_cast<S>(d.y[r * ut + c]);
    }
  });
}

template <class S>
Batch<S> DataLoader::batch(std::int64_t epoch, std::int64_t b) const {
  Batch<S> out;
  fill(epoch, b, out);
  return out;
}

template Batch<float> DataLoader::batch<float>(std::int64_t, std::int64_t) const;
template Batch<double> DataLoader::batch<double>(std::int64_t, std::int64_t) const;
template void DataLoader::fill<float>(std::int64_t, std::int64_t, Batch<float>&) const;
template void DataLoader::fill<double>(std::int64_t, std::int64_t, Batch<double>&) const;

}  // namespace vt::train
