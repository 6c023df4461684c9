#pragma once
// Property: learning-rate schedules (vt::train::Schedule, apply_schedule)
// against torch.optim.lr_scheduler as torch itself steps them. StepLR,
// ExponentialLR, CosineAnnealingLR (past T_max too: torch's cosine turns
// back up, a restart), LinearLR and the warmup-cosine SequentialLR are
// stepped recursively here, one get_lr() a step as in torch 1.13 (lr *=
// factor), which shares no formula with the closed forms under test; they
// must agree to 1e-12 relative over up to 300 steps. CyclicLR and OneCycleLR,
// whose torch forms are closed already, are held to what their parameters
// promise: the base rate at the start, max_lr at the peak of each cycle, the
// period, and OneCycle's initial, peak and final rates with monotone phases.
// Each group gets its own base rate, so a rate applied to the wrong group
// shows too.
#include <string>

namespace vt::proptests {

// One random case, drawn with RapidCheck's *gen inside a property body;
// "" when every step of every group matches, else what differed (schedule,
// step, group, rate, expected).
std::string check_random_schedule();

}  // namespace vt::proptests
