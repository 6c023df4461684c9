#pragma once
// Rng: a small, portable random source (PCG32, O'Neill 2014). The standard
// library's engines are portable but its distributions and std::shuffle are
// not (each library may draw differently), and a training run must give the
// same bits on every machine: so every draw veritape makes goes through here.
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <utility>
#include <vector>

namespace vt::train {

class Rng {
 public:
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) : inc_((stream << 1u) | 1u) {
    next_u32();
    state_ += seed;
    next_u32();
  }

  std::uint32_t next_u32() {
    const std::uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    const auto rot = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
  }
  std::uint64_t next_u64() { return (static_cast<std::uint64_t>(next_u32()) << 32) | next_u32(); }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal (Box-Muller; one value per call, so the stream position
  // depends only on how many draws were made).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  // Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject).
  std::uint32_t below(std::uint32_t n) {
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = (0u - n) % n;
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next_u32()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }
  // Fisher-Yates, the same permutation on every platform.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(static_cast<std::uint32_t>(i))]);
  }

  // The whole state, for checkpoints.
  std::array<std::uint64_t, 2> state() const { return {state_, inc_}; }
  void set_state(const std::array<std::uint64_t, 2>& s) { state_ = s[0], inc_ = s[1] | 1u; }

 private:
  std::uint64_t state_ = 0;
  std::uint64_t inc_;
};

// One seed feeds several uses; each draws from its own PCG stream, so that no
// use repeats another's numbers (the split must not reuse the draws that
// made synthetic data, nor an epoch's shuffle the initial weights').
namespace rng_streams {
inline constexpr std::uint64_t synthetic = 0;
inline constexpr std::uint64_t split = 0x5b1170;
inline constexpr std::uint64_t init = 0x1417;
// Epoch e's shuffle: streams 2^32 + e.
constexpr std::uint64_t epoch(std::int64_t e) { return (std::uint64_t{1} << 32) + static_cast<std::uint64_t>(e); }
}  // namespace rng_streams

}  // namespace vt::train
