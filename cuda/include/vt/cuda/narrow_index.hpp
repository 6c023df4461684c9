#pragma once
// The 32-bit index type a kernel might (wrongly) compute a large offset in.
// On a GPU it is int32_t. Under the emulator it is a checked 16-bit integer: a
// reduced-size model of the same arithmetic, so that an expression that
// would overflow 32 bits at 2^31 elements overflows here at 2^15 and is
// reported, without allocating gigabytes on the host.
#include <cstdint>

#include "vt/spec/hd.hpp"

namespace vt::cuda {

#if defined(__CUDA_ARCH__)
using NarrowIndex = std::int32_t;
#else
void report_index_overflow(std::int64_t value);

class NarrowIndex {
 public:
  static constexpr std::int64_t lo = -32768, hi = 32767;
  NarrowIndex(std::int64_t v = 0) : v_(check(v)) {}  // NOLINT: converts like an int
  operator std::int64_t() const { return v_; }       // NOLINT
  friend NarrowIndex operator*(NarrowIndex a, NarrowIndex b) { return NarrowIndex(a.v_ * b.v_); }
  friend NarrowIndex operator+(NarrowIndex a, NarrowIndex b) { return NarrowIndex(a.v_ + b.v_); }

 private:
  static std::int64_t check(std::int64_t v) {
    if (v < lo || v > hi) report_index_overflow(v);
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(v & 0xffff));  // wraps, as the narrow type would
  }
  std::int64_t v_;
};
#endif

}  // namespace vt::cuda
