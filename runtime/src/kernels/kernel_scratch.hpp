#pragma once
// Small helpers the FastKernels share: per-thread scratch buffers that only
// grow, sums in interleaved partial sums (which vectorize; the contracts
// bound a sum of n terms in any order, gamma_{n-1} sum|terms|), and the
// stale-gradient convention of fast_vjp (fast_kernels.hpp).
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace vt::rt::detail {

// buf grown to at least n elements; its data.
template <class S>
S* grown(std::vector<S>& buf, std::int64_t n) {
  if (static_cast<std::int64_t>(buf.size()) < n) buf.resize(static_cast<std::size_t>(n));
  return buf.data();
}

// sum_k f(k) for k < n in L interleaved partial sums, then added pairwise.
template <int L, class S, class F>
S partial_sums(std::int64_t n, F&& f) {
  static_assert(L > 0 && (L & (L - 1)) == 0, "a power of two");
  std::array<S, L> acc{};
  std::int64_t k = 0;
  for (; k + L <= n; k += L)
    for (int j = 0; j < L; ++j) acc[static_cast<std::size_t>(j)] += f(k + j);
  for (; k < n; ++k) acc[0] += f(k);
  for (int w = L / 2; w > 0; w /= 2)
    for (int j = 0; j < w; ++j) acc[static_cast<std::size_t>(j)] += acc[static_cast<std::size_t>(j + w)];
  return acc[0];
}

// overwrite[i]: gradient buffer i is stale and stands for zeros.
inline bool overwrites(std::span<const bool> overwrite, std::size_t i) { return i < overwrite.size() && overwrite[i]; }

// Makes every stale gradient buffer real zeros (for kernels that accumulate).
template <class Grads>
void zero_stale(Grads dx, std::span<const bool> overwrite) {
  for (std::size_t i = 0; i < dx.size(); ++i)
    if (dx[i] && overwrites(overwrite, i)) std::fill(dx[i]->data.begin(), dx[i]->data.end(), 0);
}

}  // namespace vt::rt::detail
