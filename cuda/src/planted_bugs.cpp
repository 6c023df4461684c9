#include "vt/cuda/bugs.hpp"
#include "vt/spec/mutation.hpp"

namespace vt::cuda {

PlantedBugs PlantedBugs::from_mutation() {
  using spec::mutation::Mutant;
  const Mutant m = spec::mutation::active();
  PlantedBugs b;
  b.guard_off_by_one = m == Mutant::cuda_guard_off_by_one;
  b.accumulate_without_atomic = m == Mutant::cuda_missing_atomic;
  b.skip_last_output = m == Mutant::cuda_unwritten_output;
  b.drop_partial_block = m == Mutant::cuda_reduction_drops_partial_block;
  b.narrow_index = m == Mutant::cuda_index_overflow_32;
  return b;
}

}  // namespace vt::cuda
