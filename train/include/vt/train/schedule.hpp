#pragma once
// Learning-rate schedules: the closed forms of torch.optim.lr_scheduler
// (1.13) for a scheduler stepped once after every optimizer step. lr(step,
// base_lr) is the rate used by the optimizer step numbered `step` (0-based:
// the number of optimizer steps already taken; torch's last_epoch).
//
//   auto s = train::Schedule::parse("warmup-cosine:100", total_steps);
//   train::apply_schedule(s, step, base_lrs, opt.groups());   // before opt.step(...)
//
// Torch steps most schedulers recursively (lr *= factor); the closed forms
// agree with them to rounding (tests: ~1e-12 relative over hundreds of steps).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vt/train/optim.hpp"

namespace vt::train {

struct Schedule {
  enum class Kind {
    Constant,      // base_lr
    Step,          // StepLR(step_size, gamma)
    Exponential,   // ExponentialLR(gamma)
    Cosine,        // CosineAnnealingLR(T_max=t_max, eta_min)
    LinearWarmup,  // LinearLR(start_factor, end_factor=1, total_iters=warmup_steps)
    WarmupCosine,  // SequentialLR([LinearLR(start_factor, total_iters=W), CosineAnnealingLR(T_max=total_steps-W, eta_min)], milestones=[W])
    Cyclic,        // CyclicLR(base_lr, max_lr, step_size_up, step_size_down, mode, gamma=cyclic_gamma, cycle_momentum=False)
    OneCycle,      // OneCycleLR(max_lr=base_lr, total_steps, pct_start, anneal_strategy, div_factor, final_div_factor, three_phase=False, cycle_momentum=False)
  } kind = Kind::Constant;
  enum class CyclicMode { Triangular, Triangular2, ExpRange };  // CyclicLR.mode
  enum class Anneal { Cos, Linear };                            // OneCycleLR.anneal_strategy

  std::int64_t step_size = 1;       // StepLR.step_size (>= 1)
  double gamma = 0.1;               // StepLR.gamma (default 0.1), ExponentialLR.gamma (> 0)
  std::int64_t t_max = 1;           // CosineAnnealingLR.T_max (>= 1)
  double eta_min = 0;               // CosineAnnealingLR.eta_min (also WarmupCosine)
  std::int64_t warmup_steps = 0;    // LinearLR.total_iters (>= 1 for LinearWarmup, WarmupCosine)
  double start_factor = 1.0 / 3;    // LinearLR.start_factor, in (0, 1] (torch's default 1/3)
  std::int64_t total_steps = 0;     // OneCycleLR.total_steps; WarmupCosine: the run's steps
  double max_lr = 0;                // CyclicLR.max_lr
  std::int64_t step_size_up = 2000;   // CyclicLR.step_size_up (>= 1)
  std::int64_t step_size_down = 0;    // CyclicLR.step_size_down; 0: same as step_size_up (torch's None)
  CyclicMode cyclic_mode = CyclicMode::Triangular;
  double cyclic_gamma = 1.0;        // CyclicLR.gamma (exp_range)
  double pct_start = 0.3;           // OneCycleLR.pct_start, in [0, 1]
  double div_factor = 25;           // OneCycleLR.div_factor: initial lr = max_lr / div_factor
  double final_div_factor = 1e4;    // OneCycleLR.final_div_factor: min lr = initial lr / final_div_factor
  Anneal anneal = Anneal::Cos;

  // The learning rate of optimizer step `step` (>= 0). OneCycle past
  // total_steps continues the last phase's formula (torch raises there).
  double lr(std::int64_t step, double base_lr) const;
  // e.g. "cosine(t_max=450, eta_min=0)".
  std::string describe() const;
  // std::invalid_argument naming the first parameter out of range.
  void validate() const;

  // CLI text; total_steps is the run's number of optimizer steps:
  //   constant
  //   step:STEP_SIZE[:GAMMA]                  gamma 0.1
  //   exp:GAMMA
  //   cosine[:T_MAX[:ETA_MIN]]                T_MAX defaults to total_steps
  //   warmup:W[:START_FACTOR]                 start factor 1/3
  //   warmup-cosine:W[:START_FACTOR[:ETA_MIN]]
  //   cyclic:MAX_LR:STEP_SIZE_UP[:MODE[:GAMMA]]   MODE triangular|triangular2|exp_range
  //   onecycle[:PCT_START[:cos|linear]]
  // std::invalid_argument saying which field was expected to be what.
  static Schedule parse(std::string_view text, std::int64_t total_steps);
};

// Sets groups[g].options.lr = s.lr(step, base_lrs[g]) for every group;
// std::invalid_argument when the two sizes differ.
void apply_schedule(const Schedule& s, std::int64_t step, std::span<const double> base_lrs, std::vector<ParamGroup>& groups);

}  // namespace vt::train
