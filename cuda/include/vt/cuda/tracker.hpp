#pragma once
// What the host emulator knows about one buffer while kernels run: each
// element's last writer (launch, block, barrier phase, thread) and whether it
// holds a value yet. Views (view.hpp) report every access here; the tracker
// turns bad ones into findings instead of touching memory.
#include <cstdint>
#include <string>
#include <vector>

namespace vt::cuda {

enum class FindingKind : std::uint8_t { out_of_bounds, race, uninitialized_read, unwritten_output, barrier_divergence, index_overflow };
const char* to_string(FindingKind k);

struct Finding {
  FindingKind kind;
  std::string message;  // kernel, thread, buffer, index and extent
};

class Emulator;

class Tracker {
 public:
  // `initialized`: inputs and accumulated gradients hold values; outputs and
  // scratch start unwritten.
  Tracker(Emulator& emu, std::string name, std::int64_t size, bool initialized);
  // False (and a finding) when the access must not be made.
  bool read(std::int64_t i);
  bool write(std::int64_t i, bool atomic);
  // The first element no thread wrote, or -1.
  std::int64_t first_unwritten() const;
  const std::string& name() const { return name_; }
  std::int64_t size() const { return size_; }

 private:
  struct Cell {
    std::int64_t launch = -1, block = -1, thread = -1;
    int phase = 0;
    bool atomic = false, written = false;
  };
  // Whether `c`'s last write is unordered with the current thread's access:
  // same launch, another thread, and not an earlier barrier phase of the same block.
  bool unordered(const Cell& c) const;
  std::string where(std::int64_t i) const;

  Emulator& emu_;
  std::string name_;
  std::int64_t size_;
  std::vector<Cell> cells_;
};

}  // namespace vt::cuda
