// labels: unit cuda
#define BOOST_TEST_MODULE cuda_emulator
#include <boost/test/unit_test.hpp>

#include <vector>

#include "vt/cuda/emulated_device.hpp"
#include "vt/cuda/narrow_index.hpp"

// The emulator's checks, each shown on a small kernel with exactly that
// defect, next to the same kernel without it (which must raise nothing).

using namespace vt;
using namespace vt::cuda;

namespace {

bool has(const std::vector<Finding>& f, FindingKind k) {
  for (const Finding& x : f)
    if (x.kind == k) return true;
  return false;
}

// y[i] = x[i + shift] for i < n + slack: shift/slack 0 is correct.
struct Copy {
  View<const float> x;
  View<float> y;
  std::int64_t n = 0, slack = 0, shift = 0;
  void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i < n + slack) y.store(i, x.load(i + shift));
  }
};

// Every thread adds 1 into y[i / fan_in]: atomically or not.
struct Accumulate {
  View<float> y;
  std::int64_t n = 0, fan_in = 1;
  bool atomic = true;
  void operator()(const Thread& t) const {
    const std::int64_t i = t.global();
    if (i >= n) return;
    if (atomic) y.atomic_add(i / fan_in, 1.0f);
    else y.add(i / fan_in, 1.0f);
  }
};

std::vector<Finding> run_copy(std::int64_t n, std::int64_t slack, std::int64_t shift, std::int64_t written = -1) {
  Emulator emu;
  std::vector<float> x(static_cast<std::size_t>(n), 1.0f), y(static_cast<std::size_t>(n), 0.0f);
  Tracker tx(emu, "x", n, true), ty(emu, "y", n, false);
  emu.launch(launch_over("copy", written < 0 ? n : written), Copy{{x.data(), n, &tx}, {y.data(), n, &ty}, written < 0 ? n : written, slack, shift});
  if (const std::int64_t i = ty.first_unwritten(); i >= 0) emu.report(FindingKind::unwritten_output, "y[" + std::to_string(i) + "]");
  return emu.take_findings();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_correct_kernel_raises_nothing) {
  for (const std::int64_t n : {1, 31, 32, 33, 255, 256, 257, 1023, 1024, 1025}) BOOST_TEST(run_copy(n, 0, 0).empty());
}

BOOST_AUTO_TEST_CASE(out_of_bounds_reads_and_writes_are_reported_and_not_made) {
  const auto f = run_copy(257, 1, 0);  // i <= n: thread 257 reads x[257] and writes y[257]
  BOOST_TEST(has(f, FindingKind::out_of_bounds));
  BOOST_TEST(f.size() == 2u);
  BOOST_TEST(f[0].message.find("x[257] (extent 257)") != std::string::npos, f[0].message);
  BOOST_TEST(f[0].message.find("block 1, thread 1 (global 257)") != std::string::npos, f[0].message);
  BOOST_TEST(f[1].message.find("write of y[257]") != std::string::npos, f[1].message);
  BOOST_TEST(has(run_copy(64, 0, -1), FindingKind::out_of_bounds));  // x[-1]
}

BOOST_AUTO_TEST_CASE(an_output_element_no_thread_wrote_is_reported) {
  const auto f = run_copy(300, 0, 0, 299);
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].kind == FindingKind::unwritten_output));
  BOOST_TEST(f[0].message == "y[299]");
}

BOOST_AUTO_TEST_CASE(reads_of_unwritten_memory_are_reported) {
  Emulator emu;
  std::vector<float> x(8), y(8);
  Tracker tx(emu, "scratch", 8, false), ty(emu, "y", 8, false);
  emu.launch(launch_over("read_scratch", 8), Copy{{x.data(), 8, &tx}, {y.data(), 8, &ty}, 8});
  const auto f = emu.take_findings();
  BOOST_TEST(f.size() == 8u);
  BOOST_TEST(has(f, FindingKind::uninitialized_read));
}

BOOST_AUTO_TEST_CASE(plain_accumulation_from_several_threads_is_a_race_and_atomics_are_not) {
  for (const bool atomic : {true, false}) {
    Emulator emu;
    std::vector<float> y(4, 0.0f);
    Tracker ty(emu, "dx", 4, true);
    emu.launch(launch_over("accumulate", 12), Accumulate{{y.data(), 4, &ty}, 12, 3, atomic});
    const auto f = emu.take_findings();
    BOOST_TEST(f.empty() == atomic);
    if (!atomic) {
      BOOST_TEST(has(f, FindingKind::race));
      BOOST_TEST(f[0].message.find("dx[0]") != std::string::npos, f[0].message);
    }
    BOOST_TEST(y[3] == (atomic ? 3.0f : 3.0f));  // serial emulation gives the sum; the race is the finding
  }
  // One writer per element: no race, whatever the fan-in of reads.
  Emulator emu;
  std::vector<float> y(12, 0.0f);
  Tracker ty(emu, "dx", 12, true);
  emu.launch(launch_over("own", 12), Accumulate{{y.data(), 12, &ty}, 12, 1, false});
  BOOST_TEST(emu.take_findings().empty());
}

namespace {
// A block sum whose threads, after loading, may leave early (`leave_from`):
// the barrier that the others still reach is divergent.
struct EarlyExit {
  using Scalar = float;
  static constexpr int phases = 3;
  View<float> out;
  int leave_from = 1 << 30;
  bool operator()(int phase, const Thread& t, View<float> shared) const {
    if (phase == 0) {
      shared.store(t.thread, 1.0f);
      return t.thread < leave_from;
    }
    if (phase == 1) {
      if (t.thread == 0) {
        float s = 0;
        for (int k = 0; k < t.block_dim; ++k) s += shared.load(k);
        shared.store(0, s);
      }
      return true;
    }
    if (t.thread == 0) out.store(t.block, shared.load(0));
    return true;
  }
};
// Reads a neighbour's shared slot in the phase that writes it: no barrier between.
struct NoBarrier {
  using Scalar = float;
  static constexpr int phases = 1;
  View<float> out;
  bool operator()(int, const Thread& t, View<float> shared) const {
    shared.store(t.thread, 1.0f);
    if (t.thread > 0) out.store(t.global(), shared.load(t.thread - 1));
    return true;
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(barriers_order_shared_memory_and_divergent_barriers_are_reported) {
  {
    Emulator emu;
    std::vector<float> out(3);
    Tracker t(emu, "out", 3, false);
    emu.launch_phased(Launch{"block_sum", 3, 64}, EarlyExit{{out.data(), 3, &t}});
    BOOST_TEST(emu.take_findings().empty());
    BOOST_TEST(out[2] == 64.0f);
  }
  {
    Emulator emu;
    std::vector<float> out(3);
    Tracker t(emu, "out", 3, false);
    emu.launch_phased(Launch{"block_sum", 3, 64}, EarlyExit{{out.data(), 3, &t}, 60});
    const auto f = emu.take_findings();
    BOOST_TEST(has(f, FindingKind::barrier_divergence));
    BOOST_TEST(f[0].message.find("4 thread(s) left") != std::string::npos, f[0].message);
  }
  {
    Emulator emu;
    std::vector<float> out(64);
    Tracker t(emu, "out", 64, true);
    emu.launch_phased(Launch{"no_barrier", 1, 64}, NoBarrier{{out.data(), 64, &t}});
    BOOST_TEST(has(emu.take_findings(), FindingKind::race));
  }
}

BOOST_AUTO_TEST_CASE(the_narrow_index_model_reports_overflow_past_2_to_the_15) {
  Emulator emu;
  const std::int64_t ok = NarrowIndex(127) * NarrowIndex(256) + NarrowIndex(255);  // 32767
  BOOST_TEST(ok == 32767);
  BOOST_TEST(emu.take_findings().empty());
  (void)(NarrowIndex(128) * NarrowIndex(256));
  const auto f = emu.take_findings();
  BOOST_REQUIRE(f.size() == 1u);
  BOOST_TEST((f[0].kind == FindingKind::index_overflow));
  BOOST_TEST(f[0].message.find("32768") != std::string::npos, f[0].message);
}

BOOST_AUTO_TEST_CASE(a_grid_past_65535_blocks_runs_every_thread) {
  Emulator emu;
  const std::int64_t n = 70000LL * 32 + 5;  // 70,001 blocks of 32
  std::vector<float> x(static_cast<std::size_t>(n), 2.0f), y(static_cast<std::size_t>(n));
  Tracker tx(emu, "x", n, true), ty(emu, "y", n, false);
  const Launch l = launch_over("copy", n, 32);
  BOOST_TEST(l.blocks == 70001);
  emu.launch(l, Copy{{x.data(), n, &tx}, {y.data(), n, &ty}, n});
  BOOST_TEST(emu.take_findings().empty());
  BOOST_TEST(ty.first_unwritten() == -1);
  BOOST_TEST(y.back() == 2.0f);
}

BOOST_AUTO_TEST_CASE(findings_become_a_kernel_fault_that_names_the_op) {
  Emulator emu;
  emu.report(FindingKind::race, "kernel k, block 0, thread 1: write of dx[0]");
  try {
    emu.raise_findings("add backward");
    BOOST_FAIL("no KernelFault");
  } catch (const KernelFault& e) {
    BOOST_TEST(std::string(e.what()).find("add backward") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("race: kernel k") != std::string::npos);
  }
  BOOST_CHECK_NO_THROW(emu.raise_findings("nothing"));
}
