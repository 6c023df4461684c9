#pragma once
// The plan of a generated graph: plain integer choices ("knobs") that the
// interpreter (build_graph.hpp) turns into a graph. Every knob shrinks toward 0,
// and the interpreter reads 0 as the simplest choice (the latest value, rank 0
// or the smallest rank allowed, dimension 1, no optional attribute, ...).
#include <rapidcheck.h>
#include <vector>

#include "vt/proptests/graph_gen.hpp"

namespace vt::proptests::detail {

using Knobs = std::vector<int>;

struct Plan {
  int dim_cap = 1;           // largest dimension at this size (<= max_dim)
  Knobs init;                // the first value: a fresh argument
  std::vector<Knobs> steps;  // one op application (plus domain wrappers) each
  Knobs loss;                // how the final scalar loss is formed
};

// Hands out a step's knobs in order; reads past the end give 0.
class Dial {
 public:
  explicit Dial(const Knobs& k) : k_(&k) {}
  // A choice in [0, n); 0 when n <= 1 (no knob is consumed then).
  int pick(int n) {
    if (n <= 1) return 0;
    const int v = i_ < k_->size() ? (*k_)[i_] : 0;
    ++i_;
    return v % n;
  }

 private:
  const Knobs* k_;
  std::size_t i_ = 0;
};

// Small graphs first: at size 0 a plan has no steps and every dimension is 1;
// from size 50 on it may have 3/4 o.max_nodes steps and dimensions up to o.max_dim.
rc::Gen<Plan> gen_plan(const GenOptions& o);

// `count` knobs, uniform over [0, 2^16) at every size.
rc::Gen<Knobs> gen_knobs(int count);

}  // namespace vt::proptests::detail
