#include "vt/cuda/emulator.hpp"

#include "vt/cuda/emulated_device.hpp"

#include <sstream>
#include <string_view>

#include "vt/cuda/narrow_index.hpp"

namespace vt::cuda {

namespace {
thread_local Emulator* active_emulator = nullptr;

// "{}" placeholders filled in order: the module keeps to the standard library
// (it also builds on a GPU machine that has nothing else).
template <class... A>
std::string format(std::string_view f, const A&... a) {
  std::ostringstream out;
  std::size_t pos = 0;
  const auto put = [&](const auto& v) {
    const std::size_t at = f.find("{}", pos);
    out << f.substr(pos, at - pos) << v;
    pos = at + 2;
  };
  (put(a), ...);
  out << f.substr(pos);
  return out.str();
}
// Enough to locate a bug; a broken kernel can produce millions.
constexpr std::size_t kMaxFindings = 16;
}  // namespace

const char* to_string(FindingKind k) {
  switch (k) {
    case FindingKind::out_of_bounds: return "out-of-bounds access";
    case FindingKind::race: return "race";
    case FindingKind::uninitialized_read: return "uninitialized read";
    case FindingKind::unwritten_output: return "unwritten output";
    case FindingKind::barrier_divergence: return "barrier divergence";
    case FindingKind::index_overflow: return "32-bit index overflow";
  }
  return "?";
}

Emulator::Emulator() : previous_(active_emulator) { active_emulator = this; }
Emulator::~Emulator() { active_emulator = previous_; }
Emulator* Emulator::current() { return active_emulator; }

void Emulator::begin(const Launch& l) {
  kernel_ = l.kernel;
  block_dim_ = l.threads;
  ++launch_;
}
void Emulator::end() { phase_ = 0; }
void Emulator::at(std::int64_t block, int thread, int phase) {
  block_ = block;
  thread_ = block * block_dim_ + thread;
  phase_ = phase;
}

std::string Emulator::current_thread() const {
  return format("kernel {}, block {}, thread {} (global {})", kernel_, block_, thread_ - block_ * block_dim_, thread_);
}

void Emulator::report(FindingKind kind, std::string message) {
  if (findings_.size() < kMaxFindings) findings_.push_back({kind, std::move(message)});
  else ++suppressed_;
}

void Emulator::diverged(std::int64_t block, int phase, int left) {
  report(FindingKind::barrier_divergence,
         format("kernel {}, block {}: {} thread(s) left before the barrier after phase {} that the others reach", kernel_, block, left,
                     phase));
}

std::vector<Finding> Emulator::take_findings() {
  std::vector<Finding> f = std::move(findings_);
  findings_.clear();
  suppressed_ = 0;
  return f;
}

void Emulator::raise_findings(const std::string& what) {
  if (findings_.empty()) return;
  const std::size_t more = suppressed_;
  std::vector<Finding> f = take_findings();
  std::string msg = format("CUDA emulator: {} finding(s) in {}:", f.size() + more, what);
  for (const Finding& x : f) msg += format("\n  {}: {}", to_string(x.kind), x.message);
  if (more) msg += format("\n  ... and {} more", more);
  throw KernelFault(msg, std::move(f));
}

void report_index_overflow(std::int64_t value) {
  if (Emulator* e = Emulator::current())
    e->report(FindingKind::index_overflow,
              format("{}: index value {} does not fit the kernel's 32-bit index type (the emulator models it with 16 bits, "
                          "so this is an overflow at 2^31 elements on a GPU)",
                          e->current_thread(), value));
}

Tracker::Tracker(Emulator& emu, std::string name, std::int64_t size, bool initialized)
    : emu_(emu), name_(std::move(name)), size_(size), cells_(static_cast<std::size_t>(size)) {
  for (Cell& c : cells_) c.written = initialized;
}

bool Tracker::unordered(const Cell& c) const {
  if (c.launch != emu_.launch_id() || c.thread == emu_.thread()) return false;
  return !(c.block == emu_.block() && c.phase < emu_.phase());
}

std::string Tracker::where(std::int64_t i) const { return format("{}[{}] (extent {})", name_, i, size_); }

bool Tracker::read(std::int64_t i) {
  if (i < 0 || i >= size_) {
    emu_.report(FindingKind::out_of_bounds, format("{}: read of {}", emu_.current_thread(), where(i)));
    return false;
  }
  const Cell& c = cells_[static_cast<std::size_t>(i)];
  if (!c.written)
    emu_.report(FindingKind::uninitialized_read, format("{}: read of {}, which no thread has written", emu_.current_thread(), where(i)));
  else if (unordered(c))
    emu_.report(FindingKind::race, format("{}: read of {}, written in the same launch by thread {} with no barrier between",
                                               emu_.current_thread(), where(i), c.thread));
  return true;
}

bool Tracker::write(std::int64_t i, bool atomic) {
  if (i < 0 || i >= size_) {
    emu_.report(FindingKind::out_of_bounds, format("{}: write of {}", emu_.current_thread(), where(i)));
    return false;
  }
  Cell& c = cells_[static_cast<std::size_t>(i)];
  if (atomic && !c.written)
    emu_.report(FindingKind::uninitialized_read,
                format("{}: atomic add to {}, which no thread has written", emu_.current_thread(), where(i)));
  if (unordered(c) && !(atomic && c.atomic))
    emu_.report(FindingKind::race, format("{}: {} of {}, also written in the same launch by thread {}{}", emu_.current_thread(),
                                               atomic ? "atomic add" : "write", where(i), c.thread,
                                               atomic || c.atomic ? " (only one of the two is atomic)" : " (neither is atomic)"));
  c = Cell{emu_.launch_id(), emu_.block(), emu_.thread(), emu_.phase(), atomic, true};
  return true;
}

std::int64_t Tracker::first_unwritten() const {
  for (std::size_t i = 0; i < cells_.size(); ++i)
    if (!cells_[i].written) return static_cast<std::int64_t>(i);
  return -1;
}

}  // namespace vt::cuda

namespace vt::cuda {

void EmulatedDevice::finish(const std::string& what) {
  for (const Tracker* t : outputs_)
    if (const std::int64_t i = t->first_unwritten(); i >= 0)
      emu_.report(FindingKind::unwritten_output, format("{}[{}] (extent {}) was never written by any thread", t->name(), i, t->size()));
  outputs_.clear();
  trackers_.clear();
  scratch_.clear();
  emu_.raise_findings(what);
}

}  // namespace vt::cuda
