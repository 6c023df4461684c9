#pragma once
// Normal forms of the provers' goals (see guard_normal_form.cpp). A goal
// built from the ops' code is a Boolean combination of equalities between
// sums of guarded products; these rewrite it so that an identity reduces to
// `true` in Z3's simplifier, without a solver call.
#include <z3++.h>

#include <map>
#include <string>

namespace vt::contracts {

// One canonical atom `t > 0` per linear guard, shared across a proof's paths.
using GuardAtoms = std::map<std::string, z3::expr>;

// Off the boundaries every comparison inside an arithmetic term is strict:
// each becomes a canonical atom or its negation, a == b becomes false.
z3::expr off_boundary_form(const z3::expr& e, const z3::params& simp);

// Each equality a == b of the goal as merge(collapse(a - b)) == 0, simplified.
z3::expr identity_form(const z3::expr& goal, const z3::params& simp, GuardAtoms& atoms);

}  // namespace vt::contracts
