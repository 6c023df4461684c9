#pragma once
// Plain SGD on one parameter, w -= lr * dw: the update Program and Session
// share (full optimizers come with the training helpers).
#include "vt/spec/dense.hpp"

namespace vt::rt {

template <class S>
void sgd_update(spec::Dense<S>& w, const spec::Dense<S>& g, S lr) {
  S* wp = w.data.data();
  const S* gp = g.data.data();
  const std::int64_t n = g.numel();
  for (std::int64_t i = 0; i < n; ++i) wp[i] -= lr * gp[i];
}

}  // namespace vt::rt
