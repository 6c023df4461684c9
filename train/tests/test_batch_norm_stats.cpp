#define BOOST_TEST_MODULE train_batch_norm_stats
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "vt/train/batch_norm_stats.hpp"
#include "vt/spec/error.hpp"

// batch_norm's running-statistics update against PyTorch 1.13
// (torch.nn.functional.batch_norm(x, rm, rv, training=True, momentum=0.1);
// the expected numbers below were printed by torch and pasted here).

using namespace vt;

namespace {
template <class S>
spec::Dense<S> D(spec::Shape s, std::vector<S> v) {
  spec::Dense<S> d = spec::Dense<S>::full(std::move(s), S(0));
  d.data = std::move(v);
  return d;
}
}  // namespace

BOOST_AUTO_TEST_CASE(f64_update_matches_torch_over_two_steps) {
  // x [2, 2, 3]: channel statistics over N and the spatial axis.
  spec::Dense<double> x = D<double>({2, 2, 3}, {1, 2, 4, 0.5, -1, 3, -2, 0, 1, 2, 2.5, -0.5});
  auto rm = D<double>({2}, {0.1, -0.2});
  auto rv = D<double>({2}, {1.0, 0.5});
  train::update_batch_norm_stats(x, rm, rv);
  const double want_m1[] = {0.19, -0.07166666666666668}, want_v1[] = {1.3, 0.7241666666666666};
  for (int c = 0; c < 2; ++c) {
    BOOST_TEST(std::abs(rm[c] - want_m1[c]) <= 1e-15 * std::abs(want_m1[c]));
    BOOST_TEST(std::abs(rv[c] - want_v1[c]) <= 1e-15 * std::abs(want_v1[c]));
  }
  for (auto& v : x.data) v *= 2;
  train::update_batch_norm_stats(x, rm, rv);
  const double want_m2[] = {0.371, 0.15216666666666667}, want_v2[] = {2.7700000000000005, 1.7484166666666665};
  for (int c = 0; c < 2; ++c) {
    BOOST_TEST(std::abs(rm[c] - want_m2[c]) <= 1e-15 * std::abs(want_m2[c]));
    BOOST_TEST(std::abs(rv[c] - want_v2[c]) <= 1e-15 * std::abs(want_v2[c]));
  }
}

BOOST_AUTO_TEST_CASE(f32_update_matches_torch_bit_for_bit) {
  // x [N=2, C=4] (no spatial axes), from zeros and ones as torch's defaults.
  const auto x = D<float>({2, 4}, {0.1f, 0.2f, 0.3f, 0.7f, 1.1f, -0.4f, 0.9f, 0.05f});
  auto rm = D<float>({4}, {0, 0, 0, 0});
  auto rv = D<float>({4}, {1, 1, 1, 1});
  train::update_batch_norm_stats(x, rm, rv, 0.1);
  const float want_m[] = {0x1.eb852p-5f, -0x1.47ae16p-7f, 0x1.eb852p-5f, 0x1.333334p-5f};
  const float want_v[] = {0x1.e66666p-1f, 0x1.d60418p-1f, 0x1.d60418p-1f, 0x1.d79db2p-1f};
  for (int c = 0; c < 4; ++c) {
    BOOST_TEST(rm[c] == want_m[c]);
    BOOST_TEST(rv[c] == want_v[c]);
  }
}

BOOST_AUTO_TEST_CASE(bad_shapes_are_rejected_by_name) {
  auto rm = D<double>({3}, {0, 0, 0});
  auto rv = D<double>({3}, {1, 1, 1});
  const auto x = D<double>({2, 2}, {1, 2, 3, 4});
  BOOST_CHECK_EXCEPTION(train::update_batch_norm_stats(x, rm, rv), spec::ShapeError, [](const spec::ShapeError& e) {
    return std::string(e.what()).find("must be [2]") != std::string::npos;
  });
  auto rm1 = D<double>({2}, {0, 0});
  auto rv1 = D<double>({2}, {1, 1});
  const auto one = D<double>({1, 2}, {1, 2});
  BOOST_CHECK_THROW(train::update_batch_norm_stats(one, rm1, rv1), spec::ShapeError);
}
