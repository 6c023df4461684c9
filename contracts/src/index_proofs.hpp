#pragma once
// Index maps proved in bounds, free of overflow and (where a kernel writes
// without accumulating) injective, for all shapes below stated limits.
#include <vector>

#include "vt/contracts/proofs.hpp"

namespace vt::contracts {

std::vector<Theorem> index_theorems(unsigned timeout_ms, bool quick, const std::optional<std::string>& only);

}  // namespace vt::contracts
