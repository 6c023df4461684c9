#pragma once
// DataLoader: seeded, shuffling mini-batches of a Dataset.
//
// The order of epoch e is a pure function of (seed, e): Rng(seed, rng_streams::epoch(e))
// shuffles 0..rows-1 (Rng::shuffle, Fisher-Yates), so a resumed run reproduces
// every epoch without saved state. Without shuffle the rows come in order.
// Batch b holds positions [b * batch_size, min((b + 1) * batch_size, rows)) of
// that order; with drop_last the last, short batch is left out.
//
// The loader keeps a reference to the dataset (which must outlive it and not
// change size) and caches the order of the last epoch asked for; the cache is
// guarded by a mutex, so a loader may be used from several threads. Copies
// share the cache.
#include <cstdint>
#include <memory>
#include <vector>

#include "vt/train/dataset.hpp"
#include "vt/spec/dense.hpp"

namespace vt::train {

struct LoaderOptions {
  std::int64_t batch_size = 32;
  bool shuffle = true;
  bool drop_last = false;
  std::uint64_t seed = 0;
};

template <class S>
struct Batch {
  spec::Dense<S> x;  // {n, features}
  spec::Dense<S> y;  // classification: {n} class indices held exactly in S;
                     // regression: {n, targets}; unlabeled: {n, 0}
  std::int64_t rows = 0;
};

class DataLoader {
 public:
  // Validates d (DataError). std::invalid_argument for batch_size < 1, an
  // empty dataset, more than 2^32 - 1 rows, or drop_last with fewer rows than
  // batch_size (an epoch without batches).
  DataLoader(const Dataset& d, LoaderOptions o);
  // A temporary dataset would dangle.
  DataLoader(Dataset&&, LoaderOptions) = delete;

  const Dataset& dataset() const { return *d_; }
  const LoaderOptions& options() const { return o_; }

  std::int64_t batches_per_epoch() const;

  // The whole order of epoch e (rows entries).
  std::vector<std::int64_t> epoch_order(std::int64_t epoch) const;

  // Row indices of batch b of epoch e. std::out_of_range for epoch < 0 or b
  // outside [0, batches_per_epoch()).
  std::vector<std::int64_t> batch_rows(std::int64_t epoch, std::int64_t b) const;

  // Explicitly instantiated for float and double.
  template <class S>
  Batch<S> batch(std::int64_t epoch, std::int64_t b) const;

  // Fills an existing Batch, reusing its buffers: nothing is allocated when
  // the batch size is unchanged (and the epoch's order is cached).
  template <class S>
  void fill(std::int64_t epoch, std::int64_t b, Batch<S>& out) const;

 private:
  struct Cache;
  const Dataset* d_;
  LoaderOptions o_;
  std::shared_ptr<Cache> cache_;

  // Calls f(const std::int64_t* rows, std::int64_t n) with the cache locked.
  template <class F>
  void with_batch(std::int64_t epoch, std::int64_t b, F&& f) const;
};

}  // namespace vt::train
