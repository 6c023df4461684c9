#pragma once
// Argument values: one raw (kind, integer) draw per element, interpreted by
// the argument's profile. Raw draws shrink toward (0, 0), which reads as the
// value 0 (or the bottom of a positive range), so values shrink too.
#include <map>
#include <rapidcheck.h>
#include <string>
#include <vector>

#include "build_graph.hpp"

namespace vt::proptests::detail {

using ArgValues = std::map<std::string, std::vector<double>>;

rc::Gen<ArgValues> gen_arg_values(const std::vector<ArgMeta>& args, const GenOptions& o);

}  // namespace vt::proptests::detail
