#include "vt/cuda/op_kernels.hpp"

namespace vt::cuda {

std::vector<std::string> ops_with_kernels() {
  std::vector<std::string> names;
  [&]<class... Ops>(spec::OpList<Ops...>) { ((has_kernels<Ops> ? (void)names.emplace_back(Ops::name) : void()), ...); }(spec::AllOps{});
  return names;
}

}  // namespace vt::cuda
