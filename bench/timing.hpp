#pragma once
// Shared by every benchmark, ours and the peers': the median of repeated
// runs after a warm-up, so one code path and one statistic time everyone
// alike (no contestant gets a best-of-several).
#include <algorithm>
#include <chrono>
#include <vector>

namespace vt::bench {

// Median milliseconds per call of f: 3 warm-up calls (first-touch allocation,
// caches), then at least 7 timed calls and about 0.3 s, at most 2000 calls.
template <class F>
double time_ms(F&& f) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < 3; ++i) f();
  std::vector<double> samples;
  const auto start = Clock::now();
  while (samples.size() < 7 || std::chrono::duration<double>(Clock::now() - start).count() < 0.3) {
    const auto t0 = Clock::now();
    f();
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (samples.size() >= 2000) break;
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace vt::bench
