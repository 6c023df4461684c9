#pragma once
// Synthetic datasets, all seeded and portable: every draw comes from
// Rng(seed) in the documented order, so a seed gives the same bits on every
// machine. Changing a generator's draw order changes its data: the tests pin
// golden values.
//
// Classification generators balance the classes as scikit-learn does (rows /
// classes each, the first rows % classes classes one more) and return the rows
// in a shuffled order (Rng::shuffle of the generated rows). Every function
// throws std::invalid_argument for rows < 1, classes < 1 (2 for spirals),
// features < 1, or a negative or non-finite noise/spread.
#include <cstdint>
#include <string_view>

#include "vt/train/dataset.hpp"

namespace vt::train {

// Isotropic Gaussian blobs. Draws: centers, classes x features values
// uniform(-10, 10) (scikit-learn's center_box); then each point, class by
// class, center + spread * normal() per feature; then the row shuffle.
Dataset make_blobs(std::int64_t rows, std::int64_t classes, std::int64_t features, std::uint64_t seed,
                   double spread = 1.0);

// scikit-learn's two moons: rows / 2 points on the outer half circle
// (cos t, sin t), t = linspace(0, pi), class 0; the rest on the inner one
// (1 - cos t, 0.5 - sin t), class 1. Draws: the row shuffle, then
// noise * normal() added to x0 then x1 of each row in shuffled order.
Dataset make_moons(std::int64_t rows, double noise, std::uint64_t seed);

// Interleaved spiral arms, one per class, 2 features. Point i of n in arm k:
// r = (i + 1) / n, angle = 2 pi k / classes + 3 pi r (three quarters of a
// turn), x = (r cos(angle), r sin(angle)) + noise * normal() per coordinate
// (drawn arm by arm, point by point); then the row shuffle.
Dataset make_spirals(std::int64_t rows, std::int64_t classes, double noise, std::uint64_t seed);

// Linear regression, 1 target: w_j = normal() for each feature, then
// b = uniform(-1, 1), then per row x_ij = normal() for each feature and
// y_i = x_i . w + b + noise * normal().
Dataset make_regression(std::int64_t rows, std::int64_t features, double noise, std::uint64_t seed);

// "NAME" or "NAME:ROWS" (ROWS a positive integer). Defaults:
//   blobs       600 rows, 3 classes, 2 features, spread 1
//   moons       400 rows, noise 0.1
//   spirals     600 rows, 3 classes, noise 0.05
//   regression  400 rows, 8 features, noise 0.1
// std::invalid_argument on anything else, listing the choices.
Dataset make_synthetic(std::string_view spec, std::uint64_t seed);

}  // namespace vt::train
