#pragma once
// A kernel's window on one buffer: a pointer and an extent. Every access goes
// through load/store/add/atomic_add. On a GPU they are plain memory accesses
// (atomicAdd for atomic_add); under the host emulator each one is first
// reported to the buffer's Tracker, which checks bounds, races and
// uninitialized reads and refuses the access when it is out of bounds.
#include <cstdint>
#include <type_traits>

#include "vt/cuda/tracker.hpp"
#include "vt/spec/hd.hpp"

namespace vt::cuda {

template <class T>
struct View {
  T* data = nullptr;
  std::int64_t size = 0;
  Tracker* tracker = nullptr;  // emulator only; null on a GPU

  // A buffer one kernel writes is read-only to the next.
  template <class U = T>
    requires(!std::is_const_v<U>)
  VT_HD operator View<const U>() const {  // NOLINT: converts like T* to const T*
    return {data, size, tracker};
  }

  VT_HD T load(std::int64_t i) const {
#if !defined(__CUDA_ARCH__)
    if (tracker && !tracker->read(i)) return T(0);
#endif
    return data[i];
  }
  VT_HD void store(std::int64_t i, T v) const {
#if !defined(__CUDA_ARCH__)
    if (tracker && !tracker->write(i, false)) return;
#endif
    data[i] = v;
  }
  // Reads as an array (the per-lane functions of spec/ index their inputs).
  VT_HD T operator[](std::int64_t i) const { return load(i); }
  // A read-modify-write by the one thread that owns element i.
  VT_HD void add(std::int64_t i, T v) const { store(i, T(load(i) + v)); }
  // A read-modify-write that other threads may make at the same time.
  VT_HD void atomic_add(std::int64_t i, T v) const {
#if defined(__CUDA_ARCH__)
    atomicAdd(data + i, v);
#else
    if (tracker && !tracker->write(i, true)) return;
    data[i] += v;
#endif
  }
};

// The deterministic form of an accumulating backward pass, shared by the
// kernels that gather: out[j] += term(i) for the elements i that read j
// (base(j) + fiber(k), increasing in k: the CPU loop's order).
template <class S, class Map, class Term>
VT_HD void gather_terms(const View<S>& out, std::int64_t j, const Map& readers, const Term& term) {
  S acc = out.load(j);
  const std::int64_t base = readers.base(j), count = readers.fiber.count();
  for (std::int64_t k = 0; k < count; ++k) acc = acc + term(base + readers.fiber(k));
  out.store(j, acc);
}

}  // namespace vt::cuda
