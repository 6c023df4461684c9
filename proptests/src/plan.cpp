#include "plan.hpp"

#include <algorithm>

namespace vt::proptests::detail {

namespace {

constexpr int kKnobRange = 1 << 16;
constexpr int kInitKnobs = 16, kStepKnobs = 32, kLossKnobs = 16;

// Uniform over [0, kKnobRange) at every size (inRange alone would scale the
// range down with the size); shrinks toward 0.
rc::Gen<int> knob() { return rc::gen::resize(rc::kNominalSize, rc::gen::inRange(0, kKnobRange)); }

}  // namespace

rc::Gen<Knobs> gen_knobs(int count) { return rc::gen::container<Knobs>(static_cast<std::size_t>(count), knob()); }

rc::Gen<Plan> gen_plan(const GenOptions& o) {
  const int max_nodes = o.max_nodes, max_dim = o.max_dim;
  return rc::gen::withSize([=](int size) {
    const int s = std::clamp(size, 0, 50);
    // Three steps per four nodes of budget: steps may add domain wrappers,
    // and the loss folds dangling branches in with what is left.
    const int step_cap = (3 * max_nodes * s + 199) / 200;
    const int dim_cap = std::max(1, 1 + (max_dim - 1) * s / 50);
    // The step list is drawn with its size set to step_cap, so its length is
    // uniform in [0, step_cap]; shrinking removes steps anywhere in it.
    return rc::gen::map(rc::gen::tuple(gen_knobs(kInitKnobs),
                                       rc::gen::resize(step_cap, rc::gen::container<std::vector<Knobs>>(gen_knobs(kStepKnobs))),
                                       gen_knobs(kLossKnobs)),
                        [dim_cap](std::tuple<Knobs, std::vector<Knobs>, Knobs> t) {
                          Plan p;
                          p.dim_cap = dim_cap;
                          p.init = std::move(std::get<0>(t));
                          p.steps = std::move(std::get<1>(t));
                          p.loss = std::move(std::get<2>(t));
                          return p;
                        });
  });
}

}  // namespace vt::proptests::detail
