#pragma once
// The size of what is summed into each gradient: the backward sweep run on
// the float forward values with every term's magnitude carried along (a
// running error analysis; see gradient_scale.cpp), so that a gradient which
// cancels to (nearly) zero is judged against the size of its terms, as a
// rounded sum is judged against sum |terms|.
#include <map>
#include <string>
#include <vector>

#include "vt/spec/graph.hpp"

namespace vt::ref::detail {

// max over elements of the magnitude gradient, per float argument; empty
// when output 0 is not a float scalar depending on an argument.
// `values`: the float node values (may be empty: then the double forward's).
std::map<std::string, double> gradient_scales(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                              const std::map<std::string, std::vector<double>>& values);

}  // namespace vt::ref::detail
