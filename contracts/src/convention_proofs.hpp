#pragma once
// The declared gradients at kinks and ties, each its own theorem, proved on
// the op's own forward and VJP (with any planted bug active).
#include <vector>

#include "vt/contracts/proofs.hpp"

namespace vt::contracts {

std::vector<Theorem> convention_theorems(unsigned timeout_ms, const std::optional<std::string>& only_op);

}  // namespace vt::contracts
