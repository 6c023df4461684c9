#pragma once
// Planted CUDA bugs (spec::mutation's cuda_* mutants), read once per op call
// on the host and carried into the kernel functor as a field, so a kernel
// never reads host state and the correct code runs whenever none is planted.
#include <cstdint>

namespace vt::cuda {

struct PlantedBugs {
  bool guard_off_by_one = false;       // elementwise guard i <= n: the thread past the end touches element n
  bool accumulate_without_atomic = false;  // atomic broadcast backward with a plain read-modify-write
  bool skip_last_output = false;       // axis reduction: the last output element never written
  bool drop_partial_block = false;     // full reduction: grid n / threads, the last partial block left out
  bool narrow_index = false;           // elementwise global index computed in 32 bits
  static PlantedBugs from_mutation();  // the one planted now (spec::mutation::active())
};

}  // namespace vt::cuda
