#pragma once
// The generator's step table: how each op of the op table is applied to the
// graph under construction (op_steps.cpp).
#include <span>
#include <string_view>

#include "plan.hpp"

namespace vt::proptests::detail {

class Ctx;

struct OpStep {
  std::string_view op;
  void (*step)(Ctx& c, Dial& d, std::string_view op);
};

std::span<const OpStep> op_steps();
const OpStep* find_step(std::string_view op);

}  // namespace vt::proptests::detail
