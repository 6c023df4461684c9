#pragma once
// The running-statistics update of batch_norm in training, as torch does it
// (torch.nn.functional.batch_norm with training=True and momentum): it is a
// side effect, not part of the pure op spec/ops/norm.hpp declares, so a model
// calls it next to each training-mode batch_norm:
//   running_mean = (1 - momentum) running_mean + momentum mean_c(x)
//   running_var  = (1 - momentum) running_var  + momentum var_c(x) n / (n - 1)
// with mean_c, var_c the per-channel batch mean and biased variance over N and
// the spatial axes (n values per channel; the update uses the unbiased
// variance). The batch statistics accumulate in double and are rounded to S;
// the update is computed in S with momentum rounded to S, as torch's CPU
// kernel does (bit for bit on the f32 test values).
#include "vt/spec/dense.hpp"

namespace vt::train {

// x: [N, C, ...]; running_mean, running_var: [C], updated in place. Throws
// ShapeError on other shapes, or when a channel has fewer than two values.
template <class S>
void update_batch_norm_stats(const spec::Dense<S>& x, spec::Dense<S>& running_mean, spec::Dense<S>& running_var,
                             double momentum = 0.1);

extern template void update_batch_norm_stats<float>(const spec::Dense<float>&, spec::Dense<float>&, spec::Dense<float>&,
                                                    double);
extern template void update_batch_norm_stats<double>(const spec::Dense<double>&, spec::Dense<double>&, spec::Dense<double>&,
                                                     double);

}  // namespace vt::train
