#pragma once
// The host emulator: runs a kernel functor for every thread of every block,
// one thread at a time, in block and thread order. Kernels with shared memory
// declare barrier phases; the emulator runs phase p for every thread of a
// block before phase p + 1, which is what __syncthreads guarantees on a GPU.
// Views report each access to their buffer's Tracker; findings (out of
// bounds, races, uninitialized reads, barrier divergence, index overflow)
// collect here, and the device turns them into a KernelFault.
#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "vt/cuda/launch.hpp"
#include "vt/cuda/tracker.hpp"
#include "vt/cuda/view.hpp"

namespace vt::cuda {

struct KernelFault : std::runtime_error {
  std::vector<Finding> findings;
  KernelFault(const std::string& what, std::vector<Finding> f) : std::runtime_error(what), findings(std::move(f)) {}
};

class Emulator {
 public:
  Emulator();
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Runs k(thread) for every thread of the launch.
  template <class K>
  void launch(const Launch& l, const K& k) {
    begin(l);
    for (std::int64_t b = 0; b < l.blocks; ++b)
      for (int t = 0; t < l.threads; ++t) {
        at(b, t, 0);
        k(Thread{b, t, l.threads, l.blocks});
      }
    end();
  }

  // A kernel with barriers: k(phase, thread, shared) for phase 0..K::phases-1,
  // every thread of a block finishing phase p before any starts p + 1. A
  // thread that returns false leaves the kernel; if others of its block go on
  // to another barrier, that barrier is divergent (undefined on a GPU).
  template <class K>
  void launch_phased(const Launch& l, const K& k) {
    using S = typename K::Scalar;
    begin(l);
    for (std::int64_t b = 0; b < l.blocks; ++b) {
      std::vector<S> shared_mem(static_cast<std::size_t>(l.threads));
      Tracker shared_tracker(*this, "shared memory of block " + std::to_string(b), l.threads, false);
      const View<S> shared{shared_mem.data(), l.threads, &shared_tracker};
      std::vector<char> alive(static_cast<std::size_t>(l.threads), 1);
      for (int p = 0; p < K::phases; ++p) {
        int arrived = 0, running = 0;
        for (int t = 0; t < l.threads; ++t) {
          if (!alive[static_cast<std::size_t>(t)]) continue;
          ++running;
          at(b, t, p);
          alive[static_cast<std::size_t>(t)] = k(p, Thread{b, t, l.threads, l.blocks}, shared) ? 1 : 0;
          arrived += alive[static_cast<std::size_t>(t)];
        }
        if (p + 1 < K::phases && arrived != 0 && arrived != running) diverged(b, p, running - arrived);
      }
    }
    end();
  }

  // Called by trackers and checked index types.
  void report(FindingKind kind, std::string message);
  std::string current_thread() const;
  std::int64_t launch_id() const { return launch_; }
  std::int64_t block() const { return block_; }
  std::int64_t thread() const { return thread_; }  // global index
  int phase() const { return phase_; }

  // Findings since the last take_findings().
  std::vector<Finding> take_findings();
  // Throws KernelFault naming `what` (op and node) when there are findings.
  void raise_findings(const std::string& what);

  // The emulator whose kernels run on this host thread now (NarrowIndex reports here).
  static Emulator* current();

 private:
  void begin(const Launch& l);
  void end();
  void at(std::int64_t block, int thread, int phase);
  void diverged(std::int64_t block, int phase, int left);

  const char* kernel_ = "";
  int block_dim_ = 0;
  std::int64_t launch_ = -1, block_ = 0, thread_ = 0;
  int phase_ = 0;
  std::vector<Finding> findings_;
  std::size_t suppressed_ = 0;
  Emulator* previous_ = nullptr;
};

}  // namespace vt::cuda
