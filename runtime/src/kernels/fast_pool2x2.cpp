#include "fast_pool2x2.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>

#include "vt/spec/mutation.hpp"

namespace vt::rt {

namespace {

// Float bits as an unsigned integer of the same width.
template <class S>
using Bits = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;

// All ones where t beats the running best b (as MaxPool2d::argmax: b is not
// NaN and t is greater or NaN), else zero. Masks and selects by bits, not
// branches: on random data a branch mispredicts half the windows.
template <class S>
inline Bits<S> beats(S t, S b) {
  return Bits<S>(0) - Bits<S>((t > b) | ((t != t) & (b == b)));
}
template <class S>
inline S pick(Bits<S> m, S if_set, S if_clear) {
  return std::bit_cast<S>((std::bit_cast<Bits<S>>(if_set) & m) | (std::bit_cast<Bits<S>>(if_clear) & ~m));
}

// The window's winner over taps a, b, c, d (row-major) as a one-hot mask per
// tap: the tournament (a vs b, c vs d, then the winners) picks the first
// NaN, else the first maximum, as the sequential scan does.
template <class S>
struct Winner {
  Bits<S> a, b, c, d;
};
template <class S>
inline Winner<S> winner(S a, S b, S c, S d) {
  const Bits<S> ab = beats(b, a), cd = beats(d, c);
  const Bits<S> rl = beats(pick(cd, d, c), pick(ab, b, a));
  return {~ab & ~rl, ab & ~rl, ~cd & rl, cd & rl};
}

}  // namespace

bool is_pool2x2(const spec::ops::Window2d& g) {
  return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1 &&
         2 * g.Ho <= g.H && 2 * g.Wo <= g.W;
}

template <class S>
void max_pool2x2_forward(const spec::ops::Window2d& g, const S* x, S* y) {
  for (std::int64_t nc = 0; nc < g.N * g.C; ++nc)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
      const S* r0 = x + (nc * g.H + 2 * oh) * g.W;
      const S* r1 = r0 + g.W;
      S* out = y + (nc * g.Ho + oh) * g.Wo;
      for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
        const S a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
        const S l = pick(beats(b, a), b, a), r = pick(beats(d, c), d, c);
        out[ow] = pick(beats(r, l), r, l);
      }
    }
}

namespace {

// One row of windows. Stale as a template argument and restrict pointers (a
// gradient never aliases the input or the cotangent) let the loop vectorize.
template <bool Stale, class S>
void vjp_row(std::int64_t Wo, const S* __restrict r0, const S* __restrict r1, const S* __restrict go, S* __restrict d0,
             S* __restrict d1) {
  for (std::int64_t ow = 0; ow < Wo; ++ow) {
    const std::int64_t j = 2 * ow;
    const Winner<S> w = winner(r0[j], r0[j + 1], r1[j], r1[j + 1]);
    // Where stale, base 0 and 0 + g, not g: a -0 gradient lands as +0, as in the generic code.
    const S g0 = go[ow], z = S(0);
    const S b0 = Stale ? z : d0[j], b1 = Stale ? z : d0[j + 1], b2 = Stale ? z : d1[j], b3 = Stale ? z : d1[j + 1];
    d0[j] = pick(w.a, b0 + g0, b0), d0[j + 1] = pick(w.b, b1 + g0, b1);
    d1[j] = pick(w.c, b2 + g0, b2), d1[j + 1] = pick(w.d, b3 + g0, b3);
  }
}

}  // namespace

template <class S>
void max_pool2x2_vjp(const spec::ops::Window2d& g, const S* x, const S* gy, S* dx, bool stale) {
  // Rows and columns no window covers (odd H or W) get nothing; stale ones are zeros.
  if (stale && (2 * g.Ho < g.H || 2 * g.Wo < g.W)) std::fill(dx, dx + g.N * g.C * g.H * g.W, S(0));
  const bool first_tap = spec::mutation::planted(spec::mutation::Mutant::fast_max_pool2x2_first_tap);
  for (std::int64_t nc = 0; nc < g.N * g.C; ++nc)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
      const std::int64_t off = (nc * g.H + 2 * oh) * g.W;
      const S *r0 = x + off, *go = gy + (nc * g.Ho + oh) * g.Wo;
      S* d0 = dx + off;
      if (first_tap) {  // (planted bug: top-left tap, whatever the maximum)
        for (std::int64_t ow = 0; ow < g.Wo; ++ow) d0[2 * ow] = (stale ? S(0) : d0[2 * ow]) + go[ow];
        continue;
      }
      if (stale) vjp_row<true>(g.Wo, r0, r0 + g.W, go, d0, d0 + g.W);
      else vjp_row<false>(g.Wo, r0, r0 + g.W, go, d0, d0 + g.W);
    }
}

template void max_pool2x2_forward<float>(const spec::ops::Window2d&, const float*, float*);
template void max_pool2x2_forward<double>(const spec::ops::Window2d&, const double*, double*);
template void max_pool2x2_vjp<float>(const spec::ops::Window2d&, const float*, const float*, float*, bool);
template void max_pool2x2_vjp<double>(const spec::ops::Window2d&, const double*, const double*, double*, bool);

}  // namespace vt::rt
