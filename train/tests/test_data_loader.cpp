#define BOOST_TEST_MODULE train_data_loader
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "vt/train/data_loader.hpp"
#include "vt/train/rng.hpp"
#include "vt/train/synthetic.hpp"

using namespace vt::train;

namespace {

// rows x 3 features, x[r] = {r, r + 0.5, -r}, label r % classes.
Dataset numbered(std::int64_t rows, std::int64_t classes = 5) {
  Dataset d;
  d.name = "numbered";
  d.rows = rows;
  d.features = 3;
  d.classes = classes;
  for (std::int64_t r = 0; r < rows; ++r) {
    d.x.insert(d.x.end(), {static_cast<double>(r), r + 0.5, -static_cast<double>(r)});
    d.labels.push_back(r % classes);
  }
  return d;
}

LoaderOptions opts(std::int64_t bs, bool shuffle, bool drop_last, std::uint64_t seed = 0) {
  LoaderOptions o;
  o.batch_size = bs;
  o.shuffle = shuffle;
  o.drop_last = drop_last;
  o.seed = seed;
  return o;
}

// All rows of epoch e, batch after batch.
std::vector<std::int64_t> epoch_rows(const DataLoader& l, std::int64_t e) {
  std::vector<std::int64_t> out;
  for (std::int64_t b = 0; b < l.batches_per_epoch(); ++b) {
    const auto r = l.batch_rows(e, b);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_row_once_per_epoch) {
  const Dataset d = numbered(103);
  const DataLoader l(d, opts(10, true, false, 7));
  BOOST_CHECK_EQUAL(l.batches_per_epoch(), 11);
  for (std::int64_t e = 0; e < 4; ++e) {
    auto rows = epoch_rows(l, e);
    BOOST_CHECK_EQUAL(rows.size(), 103u);
    BOOST_CHECK(rows == l.epoch_order(e));
    std::sort(rows.begin(), rows.end());
    std::vector<std::int64_t> all(103);
    std::iota(all.begin(), all.end(), std::int64_t{0});
    BOOST_CHECK(rows == all);
  }
  BOOST_CHECK_EQUAL(l.batch_rows(0, 10).size(), 3u);  // the short last batch
}

BOOST_AUTO_TEST_CASE(order_is_the_documented_function_of_seed_and_epoch) {
  const Dataset d = numbered(50);
  const DataLoader l(d, opts(8, true, false, 1234));
  // Rng(seed, stream = rng_streams::epoch(e)).shuffle(0..rows-1)
  for (std::int64_t e : {0, 1, 5}) {
    std::vector<std::int64_t> want(50);
    std::iota(want.begin(), want.end(), std::int64_t{0});
    vt::train::Rng rng(1234, vt::train::rng_streams::epoch(e));
    rng.shuffle(want);
    BOOST_CHECK(l.epoch_order(e) == want);
  }
  // fixed value, cross-checked with an independent replica of Rng
  const Dataset ten = numbered(10);
  const DataLoader l10(ten, opts(4, true, false, 5));
  const std::vector<std::int64_t> golden{1, 3, 6, 2, 4, 8, 9, 7, 0, 5};
  BOOST_CHECK(l10.epoch_order(3) == golden);
  const std::vector<std::int64_t> first{1, 3, 6, 2}, last{0, 5};
  BOOST_CHECK(l10.batch_rows(3, 0) == first);
  BOOST_CHECK(l10.batch_rows(3, 2) == last);
}

BOOST_AUTO_TEST_CASE(epochs_differ_same_seed_epoch_repeats) {
  const Dataset d = numbered(64);
  const DataLoader a(d, opts(16, true, false, 99));
  const DataLoader b(d, opts(16, true, false, 99));  // a "resumed" run
  const DataLoader c(d, opts(16, true, false, 100));
  for (std::int64_t e = 0; e < 5; ++e) {
    BOOST_CHECK(epoch_rows(a, e) == epoch_rows(b, e));
    BOOST_CHECK(epoch_rows(a, e) != epoch_rows(c, e));
    BOOST_CHECK(epoch_rows(a, e) != epoch_rows(a, e + 1));
  }
  // asking out of order gives the same answers (the cache is invisible)
  const auto e3 = a.batch_rows(3, 2);
  (void)a.batch_rows(0, 1);
  BOOST_CHECK(a.batch_rows(3, 2) == e3);
  BOOST_CHECK(b.batch_rows(3, 2) == e3);
}

BOOST_AUTO_TEST_CASE(no_shuffle_is_in_order) {
  const Dataset d = numbered(10);
  const DataLoader l(d, opts(4, false, false));
  for (std::int64_t e : {0, 3}) {
    std::vector<std::int64_t> want(10);
    std::iota(want.begin(), want.end(), std::int64_t{0});
    BOOST_CHECK(epoch_rows(l, e) == want);
  }
  const std::vector<std::int64_t> b1{4, 5, 6, 7};
  BOOST_CHECK(l.batch_rows(0, 1) == b1);
}

BOOST_AUTO_TEST_CASE(drop_last_semantics) {
  const Dataset d = numbered(103);
  const DataLoader keep(d, opts(10, true, false, 3));
  const DataLoader drop(d, opts(10, true, true, 3));
  BOOST_CHECK_EQUAL(keep.batches_per_epoch(), 11);
  BOOST_CHECK_EQUAL(drop.batches_per_epoch(), 10);
  for (std::int64_t b = 0; b < 10; ++b) BOOST_CHECK_EQUAL(drop.batch_rows(0, b).size(), 10u);
  BOOST_CHECK_THROW((void)drop.batch_rows(0, 10), std::out_of_range);
  // drop_last leaves out the tail of the same order
  const auto kept = epoch_rows(keep, 2), dropped = epoch_rows(drop, 2);
  BOOST_CHECK_EQUAL(dropped.size(), 100u);
  BOOST_CHECK(std::equal(dropped.begin(), dropped.end(), kept.begin()));
  // exact multiple: drop_last changes nothing
  const Dataset e = numbered(40);
  BOOST_CHECK_EQUAL(DataLoader(e, opts(10, true, true)).batches_per_epoch(), 4);
  BOOST_CHECK_EQUAL(DataLoader(e, opts(10, true, false)).batches_per_epoch(), 4);
  // batch larger than the data: one short batch, or refused with drop_last
  BOOST_CHECK_EQUAL(DataLoader(e, opts(64, true, false)).batches_per_epoch(), 1);
  BOOST_CHECK_EQUAL(DataLoader(e, opts(64, true, false)).batch_rows(0, 0).size(), 40u);
  BOOST_CHECK_THROW(DataLoader(e, opts(64, true, true)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(batch_contents_float_and_double) {
  const Dataset d = numbered(23, 7);
  const DataLoader l(d, opts(5, true, false, 11));
  for (std::int64_t b = 0; b < l.batches_per_epoch(); ++b) {
    const auto rows = l.batch_rows(1, b);
    const auto n = static_cast<std::int64_t>(rows.size());
    const Batch<float> bf = l.batch<float>(1, b);
    const Batch<double> bd = l.batch<double>(1, b);
    BOOST_CHECK_EQUAL(bf.rows, n);
    BOOST_CHECK(bf.x.shape == (vt::spec::Shape{n, 3}));
    BOOST_CHECK(bf.y.shape == (vt::spec::Shape{n}));
    BOOST_CHECK(bd.x.shape == (vt::spec::Shape{n, 3}));
    for (std::int64_t i = 0; i < n; ++i) {
      const auto r = rows[static_cast<std::size_t>(i)];
      for (std::int64_t j = 0; j < 3; ++j) {
        BOOST_CHECK_EQUAL(bd.x[i * 3 + j], d.x[r * 3 + j]);
        BOOST_CHECK_EQUAL(bf.x[i * 3 + j], static_cast<float>(d.x[r * 3 + j]));
      }
      BOOST_CHECK_EQUAL(bf.y[i], static_cast<float>(r % 7));
      BOOST_CHECK_EQUAL(bd.y[i], static_cast<double>(r % 7));
    }
  }
}

BOOST_AUTO_TEST_CASE(labels_held_exactly_in_float) {
  // Labels up to 2^24 - 1 are exact in float; 2^24 - 1 is the largest allowed.
  Dataset d;
  d.name = "big";
  d.rows = 3;
  d.features = 1;
  d.x = {0, 1, 2};
  d.classes = vt::train::kMaxClasses;
  d.labels = {16777215, 16777214, 12345678};
  const DataLoader l(d, opts(3, false, false));
  const auto bf = l.batch<float>(0, 0);
  BOOST_CHECK_EQUAL(static_cast<std::int64_t>(bf.y[0]), 16777215);
  BOOST_CHECK_EQUAL(static_cast<std::int64_t>(bf.y[1]), 16777214);
  BOOST_CHECK_EQUAL(static_cast<std::int64_t>(bf.y[2]), 12345678);
}

BOOST_AUTO_TEST_CASE(regression_and_unlabeled_batches) {
  const Dataset r = vt::train::make_regression(9, 2, 0.1, 5);
  const DataLoader l(r, opts(4, true, false, 2));
  const auto rows = l.batch_rows(0, 2);
  const auto b = l.batch<double>(0, 2);
  BOOST_CHECK(b.y.shape == (vt::spec::Shape{1, 1}));
  BOOST_CHECK_EQUAL(b.y[0], r.y[static_cast<std::size_t>(rows[0])]);
  Dataset multi;
  multi.name = "m";
  multi.rows = 3;
  multi.features = 1;
  multi.x = {0, 1, 2};
  multi.targets = 2;
  multi.y = {0, 0.5, 1, 1.5, 2, 2.5};
  const auto bm = DataLoader(multi, opts(2, false, false)).batch<float>(0, 1);
  BOOST_CHECK(bm.y.shape == (vt::spec::Shape{1, 2}));
  BOOST_CHECK_EQUAL(bm.y[0], 2.0f);
  BOOST_CHECK_EQUAL(bm.y[1], 2.5f);
  Dataset u;
  u.rows = 2;
  u.features = 1;
  u.x = {4, 5};
  const auto bu = DataLoader(u, opts(2, false, false)).batch<float>(0, 0);
  BOOST_CHECK(bu.y.shape == (vt::spec::Shape{2, 0}));
  BOOST_CHECK(bu.y.data.empty());
}

BOOST_AUTO_TEST_CASE(fill_reuses_buffers) {
  const Dataset d = numbered(30);
  const DataLoader l(d, opts(8, true, false, 4));
  Batch<float> b;
  l.fill(0, 0, b);
  const float* xp = b.x.data.data();
  const float* yp = b.y.data.data();
  const auto* sp = b.x.shape.dims().data();
  for (std::int64_t e = 0; e < 3; ++e)
    for (std::int64_t k = 0; k < 3; ++k) {  // full batches only: same size
      l.fill(e, k, b);
      BOOST_CHECK_EQUAL(b.x.data.data(), xp);
      BOOST_CHECK_EQUAL(b.y.data.data(), yp);
      BOOST_CHECK_EQUAL(b.x.shape.dims().data(), sp);
      // and the contents are right
      const auto ref = l.batch<float>(e, k);
      BOOST_CHECK(b.x.data == ref.x.data);
      BOOST_CHECK(b.y.data == ref.y.data);
    }
  // the short last batch shrinks in place too, and growing back reuses capacity
  l.fill(0, 3, b);
  BOOST_CHECK_EQUAL(b.rows, 6);
  BOOST_CHECK(b.x.shape == (vt::spec::Shape{6, 3}));
  BOOST_CHECK_EQUAL(b.x.data.size(), 18u);
  BOOST_CHECK_EQUAL(b.x.data.data(), xp);
  l.fill(1, 0, b);
  BOOST_CHECK_EQUAL(b.x.data.data(), xp);
  BOOST_CHECK_EQUAL(b.rows, 8);
}

BOOST_AUTO_TEST_CASE(concurrent_use_agrees) {
  const Dataset d = numbered(200);
  const DataLoader l(d, opts(7, true, false, 8));
  std::vector<std::vector<std::int64_t>> got(4);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int rep = 0; rep < 20; ++rep)
        for (std::int64_t e = 0; e < 4; ++e) got[static_cast<std::size_t>(t)] = epoch_rows(l, (e + t) % 4);
    });
  for (auto& t : ts) t.join();
  for (int t = 0; t < 4; ++t) BOOST_CHECK(got[static_cast<std::size_t>(t)] == l.epoch_order((3 + t) % 4));
}

BOOST_AUTO_TEST_CASE(bad_arguments) {
  const Dataset d = numbered(10);
  BOOST_CHECK_THROW(DataLoader(d, opts(0, true, false)), std::invalid_argument);
  const Dataset empty;
  BOOST_CHECK_THROW(DataLoader(empty, opts(4, true, false)), std::invalid_argument);
  Dataset bad = numbered(4);
  bad.labels[2] = 9;
  BOOST_CHECK_THROW(DataLoader(bad, opts(2, true, false)), vt::train::DataError);
  const DataLoader l(d, opts(4, true, false));
  BOOST_CHECK_THROW((void)l.batch_rows(-1, 0), std::out_of_range);
  BOOST_CHECK_THROW((void)l.batch_rows(0, -1), std::out_of_range);
  BOOST_CHECK_THROW((void)l.batch_rows(0, 3), std::out_of_range);
  BOOST_CHECK_THROW((void)l.batch<float>(0, 3), std::out_of_range);
}
