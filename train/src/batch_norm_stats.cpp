#include "vt/train/batch_norm_stats.hpp"

#include "vt/spec/ops/norm.hpp"

namespace vt::train {

template <class S>
void update_batch_norm_stats(const spec::Dense<S>& x, spec::Dense<S>& running_mean, spec::Dense<S>& running_var,
                             double momentum) {
  const spec::Shape& s = x.shape;
  if (s.rank() < 2) throw spec::ShapeError("batch_norm running stats: input must be [N, C, ...], got shape " + to_string(s));
  const std::int64_t C = s[1];
  for (const auto* r : {&running_mean, &running_var})
    if (r->shape != spec::Shape{C})
      throw spec::ShapeError("batch_norm running stats must be [" + std::to_string(C) + "] (the channels of input " +
                             to_string(s) + "), got " + to_string(r->shape));
  if (C > 0 && s.numel() / C < 2)
    throw spec::ShapeError("batch_norm running stats need more than one value per channel, got input " + to_string(s));
  spec::ops::BatchNorm::channels(s, [&](auto at, std::int64_t n, std::int64_t c) {
    double sum = 0;
    for (std::int64_t k = 0; k < n; ++k) sum += static_cast<double>(x[at(k)]);
    const double mean = sum / static_cast<double>(n);
    double sq = 0;
    for (std::int64_t k = 0; k < n; ++k) {
      const double d = static_cast<double>(x[at(k)]) - mean;
      sq += d * d;
    }
    const double unbiased = sq / static_cast<double>(n - 1);
    // The update itself in S, as torch's kernel does it (momentum rounded to S).
    const S m = static_cast<S>(momentum);
    running_mean[c] = m * static_cast<S>(mean) + (S(1) - m) * running_mean[c];
    running_var[c] = m * static_cast<S>(unbiased) + (S(1) - m) * running_var[c];
  });
}

template void update_batch_norm_stats<float>(const spec::Dense<float>&, spec::Dense<float>&, spec::Dense<float>&, double);
template void update_batch_norm_stats<double>(const spec::Dense<double>&, spec::Dense<double>&, spec::Dense<double>&,
                                              double);

}  // namespace vt::train
