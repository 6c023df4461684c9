#pragma once
// The device op_kernels.hpp runs on under the host emulator: buffers are the
// tape's own host tensors, each seen through a tracked View, and launches run
// every thread on the Emulator. finish() reports any output element no thread
// wrote, then raises everything found as a KernelFault.
#include <memory>
#include <string>
#include <vector>

#include "vt/cuda/emulator.hpp"
#include "vt/spec/dense.hpp"

namespace vt::cuda {

class EmulatedDevice {
 public:
  explicit EmulatedDevice(Emulator& emu) : emu_(emu) {}

  template <class S>
  View<const S> in(const spec::Dense<S>& d, const char* name) {
    return {d.data.data(), d.numel(), track(name, d.numel(), true)};
  }
  // Written whole by the kernels (every element checked at finish()).
  template <class S>
  View<S> out(spec::Dense<S>& d, const char* name) {
    Tracker* t = track(name, d.numel(), false);
    outputs_.push_back(t);
    return {d.data.data(), d.numel(), t};
  }
  // Read and updated (accumulated gradients).
  template <class S>
  View<S> inout(spec::Dense<S>& d, const char* name) {
    return {d.data.data(), d.numel(), track(name, d.numel(), true)};
  }
  // An index table the host built (read-only to the kernels).
  template <class T>
  View<const T> table(const std::vector<T>& v, const char* name) {
    auto buf = std::make_shared<std::vector<T>>(v);
    scratch_.push_back(buf);
    return {buf->data(), static_cast<std::int64_t>(v.size()), track(name, static_cast<std::int64_t>(v.size()), true)};
  }
  template <class S>
  View<S> scratch(std::int64_t n, const char* name) {
    auto buf = std::make_shared<std::vector<S>>(static_cast<std::size_t>(n));
    scratch_.push_back(buf);
    return {buf->data(), n, track(name, n, false)};
  }

  template <class K>
  void launch(const Launch& l, const K& k) { emu_.launch(l, k); }
  template <class K>
  void launch_phased(const Launch& l, const K& k) { emu_.launch_phased(l, k); }

  void finish(const std::string& what);

 private:
  Tracker* track(const char* name, std::int64_t n, bool initialized) {
    trackers_.push_back(std::make_unique<Tracker>(emu_, name, n, initialized));
    return trackers_.back().get();
  }

  Emulator& emu_;
  std::vector<std::unique_ptr<Tracker>> trackers_;
  std::vector<Tracker*> outputs_;
  std::vector<std::shared_ptr<void>> scratch_;
};

}  // namespace vt::cuda
